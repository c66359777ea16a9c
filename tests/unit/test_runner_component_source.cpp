// SPDX-License-Identifier: BSD-3-Clause
// ComponentSource::resolve: every way of naming a component, one row each.
#include "component_source.hpp"

#include <doctest/doctest.h>

#include <string>

#include "../support/temp_dir.hpp"

using torchx::runner::ComponentSource;
using Kind = ComponentSource::Kind;

TEST_CASE("ComponentSource::resolve") {
  const torchx::test::TempDir tmp;
  const std::string existing = tmp.write("comp.cfg", "x").string();  // an existing file, not .yaml
  struct Row {
    std::string reference;
    Kind kind;
    std::string path;
    std::string name;
  };
  const Row rows[] = {
      {"dist.ddp", Kind::plugin, "", ""},
      {"utils.echo", Kind::plugin, "", ""},
      {"my_component.py:ddp", Kind::python_file, "my_component.py", "ddp"},
      {"./dir/c.py:f", Kind::python_file, "./dir/c.py", "f"},
      {"/abs/c.py:f", Kind::python_file, "/abs/c.py", "f"},
      {"c.py", Kind::python_file, "c.py", ""},         // refused when opened: needs :FUNCTION
      {"c.py:", Kind::python_file, "c.py", ""},
      {"a:b.py:f", Kind::python_file, "a:b.py", "f"},  // the last ':' splits
      {"train.yaml:train", Kind::yaml_file, "train.yaml", "train"},
      {"train.yml", Kind::yaml_file, "train.yml", ""},
      {existing + ":name", Kind::yaml_file, existing, "name"},
      {"missing.cfg:name", Kind::plugin, "", ""},      // not a file: a (missing) plugin component
      {"c.pyc:f", Kind::plugin, "", ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.reference);
    const auto s = ComponentSource::resolve(row.reference);
    CHECK(s.kind == row.kind);
    CHECK(s.reference == row.reference);
    CHECK(s.path.string() == row.path);
    CHECK(s.name == row.name);
  }
}
