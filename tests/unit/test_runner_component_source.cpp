// SPDX-License-Identifier: BSD-3-Clause
// ComponentSource::resolve: every way of naming a component, one row each.
#include "component_source.hpp"
#include "registry.hpp"

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

TEST_CASE("ComponentSource::resolve with a registry: a manifest's python_components are python_module") {
  const torchx::test::TempDir tmp;
  const auto manifest =
      tmp.write("plugins.d/pkg.json", R"({"file_format_version": "1.1.0", "plugin": {"name": "pkg", "version": "1",
          "python_components": {"pkg.train": "pkg.comps.train:train", "x.py": "pkg.c:f"}}})");
  torchx::loader::RegistryOptions options;
  options.search.getenv = [&](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return (tmp.path() / "plugins.d").string();
    return std::nullopt;
  };
  options.search.secure = false;
  options.policy = torchx::loader::PluginPolicy{};
  const auto registry = torchx::loader::Registry::discover(options);
  // The manifest is refused as a whole: 'x.py' would be read as a file.
  REQUIRE(registry.skipped().size() == 1);
  CHECK(registry.skipped()[0].reason.starts_with("invalid manifest: \"plugin.python_components\": 'x.py' is not"));

  tmp.write("plugins.d/pkg.json", R"({"file_format_version": "1.1.0", "plugin": {"name": "pkg", "version": "1",
      "python_components": {"pkg.train": "pkg.comps.train:train"}}})");
  const auto fixed = torchx::loader::Registry::discover(options);
  auto s = ComponentSource::resolve("pkg.train", fixed);
  CHECK(s.kind == Kind::python_module);
  CHECK(s.reference == "pkg.train");
  CHECK(s.module == "pkg.comps.train");
  CHECK(s.name == "train");
  CHECK(s.plugin == "pkg");
  CHECK(s.path == manifest);
  // Everything else resolves as without a registry.
  CHECK(ComponentSource::resolve("dist.ddp", fixed).kind == Kind::plugin);
  CHECK(ComponentSource::resolve("c.py:f", fixed).kind == Kind::python_file);
  CHECK(ComponentSource::resolve("pkg.comps.train:train", fixed).kind == Kind::plugin);  // not on the command line
}
