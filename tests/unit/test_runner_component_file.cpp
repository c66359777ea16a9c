// SPDX-License-Identifier: BSD-3-Clause
// ComponentFile's bounds and hand-written scanners (no regex engine: linear, no recursion).
#include "component_file.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>

#include "../support/temp_dir.hpp"

namespace json = boost::json;
using torchx::runner::ComponentFile;
using torchx::runner::ComponentFileError;

namespace {

/// Loads `yaml` from a file named c.yaml and builds its only component with `args_json`.
json::object build(const std::string& yaml, const std::string& args_json = "{}") {
  const torchx::test::TempDir tmp;
  const auto path = tmp.write("c.yaml", yaml);
  const ComponentFile c = ComponentFile::load(path, "");
  const std::string request = R"({"args":)" + args_json + R"(,"varargs":[]})";
  return json::parse(c.build(request, [](const std::string&) { return torchx::specs::Resource{}; })).as_object();
}

std::string app(const std::string& body) {
  return "c:\n  app:\n    name: a\n    roles:\n      - name: r\n        image: i\n        entrypoint: echo\n" + body;
}

std::string error_of(const std::string& yaml, const std::string& args_json = "{}") {
  try {
    build(yaml, args_json);
  } catch (const ComponentFileError& e) {
    const std::string what = e.what();
    return what.substr(what.find(": ") + 2);  // without the temporary file's path and mark
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("runner::ComponentFile scalars: numbers as YAML reads them, too large ones stay text") {
  const auto o = build(app("        metadata: {i: 12, p: +5, n: -3, f: 1., g: -.5e+3, big: 99999999999999999999, "
                           "huge: 1e999, word: 1e, dots: 1.2.3, sign: +}\n"));
  const auto& m = o.at("roles").at(0).at("metadata").as_object();
  CHECK(m.at("i") == 12);
  CHECK(m.at("p") == 5);
  CHECK(m.at("n") == -3);
  CHECK(m.at("f") == 1.0);
  CHECK(m.at("g") == -500.0);
  CHECK(m.at("big") == "99999999999999999999");
  CHECK(m.at("huge") == "1e999");  // threw std::out_of_range from std::stod before
  CHECK(m.at("word") == "1e");
  CHECK(m.at("dots") == "1.2.3");
  CHECK(m.at("sign") == "+");
}

TEST_CASE("runner::ComponentFile placeholders: found by a linear scan, unknown ones left as written") {
  const std::string yaml = "c:\n  args:\n    x: {type: str, default: X}\n    n: {type: int, default: 3}\n" +
                           app("        args: [\"${x}\", \"a${x}b${n}c${nope}${x\", \"${${x}}\", \"$${x}\", \"${1x}\"]\n"
                               "        num_replicas: ${n}\n")
                               .substr(3);
  const auto o = build(yaml, R"({"x":"X","n":3})");
  CHECK(json::serialize(o.at("roles").at(0).at("args")) == R"(["X","aXb3c${nope}${x","${X}","$X","${1x}"])");
  CHECK(o.at("roles").at(0).at("num_replicas") == 3);
}

TEST_CASE("runner::ComponentFile bounds: YAML aliases that expand past 10000 nodes, at load and at build") {
  const std::string lists =
      "    a: &a [x, x, x, x, x, x, x, x, x, x]\n"
      "    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
      "    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
  CHECK(error_of("c:\n  app:\n    name: a\n" + lists + "    roles: [{name: r, image: i, entrypoint: echo}]\n") ==
        "the component expands to more than 10000 YAML nodes (aliases repeating aliases?); that is the most a "
        "component file may hold");
  // In a default: ComponentFile::load converts those.
  const torchx::test::TempDir tmp;
  const auto path = tmp.write("d.yaml", "c:\n  args:\n    v:\n      type: list\n      default:\n" +
                                            std::string("        ") + "- &a [x, x, x, x, x, x, x, x, x, x]\n"
                                            "        - &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                            "        - &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                                            "        - &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                                            "        - [*d, *d]\n"
                                            "  app: {name: a, roles: [{name: r, image: i, entrypoint: echo}]}\n");
  CHECK_THROWS_WITH_AS(ComponentFile::load(path, ""), doctest::Contains("more than 10000 YAML nodes"), ComponentFileError);
  // Below the bound, aliases work.
  const auto o = build("c:\n  app:\n    name: a\n    x: &x [a, b]\n    roles: [{name: r, image: i, entrypoint: echo, args: *x}]\n");
  CHECK(json::serialize(o.at("roles").at(0).at("args")) == R"(["a","b"])");
}

TEST_CASE("runner::ComponentFile bounds: text, spliced lists and nesting") {
  const std::string long_text(200 * 1024, 'x');
  std::string yaml = "c:\n  app:\n    name: a\n    t: &t \"" + long_text + "\"\n    many: [";
  for (int i = 0; i < 30; ++i) yaml += "*t, ";
  yaml += "x]\n    roles: [{name: r, image: i, entrypoint: echo}]\n";
  CHECK(error_of(yaml) ==
        "the component expands to more than 4194304 bytes of text (YAML aliases repeating long text, or long "
        "arguments?); that is the most a component file may hold");

  // A list argument spliced where aliases repeat it.
  std::string items;
  for (int i = 0; i < 3000; ++i) items += std::string(items.empty() ? "" : ",") + "\"i\"";
  const std::string spliced = "c:\n  args:\n    v: {type: list}\n" +
                              app("        args: &s [\"${v}\"]\n        env: {}\n      - {name: q, image: i, entrypoint: echo, "
                                  "args: [*s, *s, *s, *s]}\n")
                                  .substr(3);
  CHECK(error_of(spliced, "{\"v\":[" + items + "]}").starts_with("the component expands to more than 10000 values"));

  const std::string deep = "c:\n  app:\n    name: a\n    roles: [{name: r, image: i, entrypoint: echo}]\n    x: " +
                           std::string(100, '[') + std::string(100, ']') + "\n";
  CHECK(error_of(deep) == "nested more than 64 levels deep");
}

TEST_CASE("runner::ComponentFile::load refuses a file past 1 MiB or not UTF-8, naming it") {
  const torchx::test::TempDir tmp;
  const auto big = tmp.write("big.yaml", "# " + std::string(1 << 20, 'x') + "\n");
  CHECK_THROWS_WITH_AS(ComponentFile::load(big, ""),
                       (big.string() + ": the file is 1048579 bytes; a component file may hold at most 1048576 (1 MiB)").c_str(),
                       ComponentFileError);
  const auto latin1 = tmp.write("latin1.yaml", "c:\n  doc: caf\xe9\n");
  CHECK_THROWS_WITH_AS(ComponentFile::load(latin1, ""),
                       (latin1.string() + ":2:11: byte \\xe9 is not valid UTF-8 (component files are UTF-8)").c_str(),
                       ComponentFileError);
}

TEST_CASE("runner::ComponentFile::build locates a bad 'h' by its JSON path when a list was spliced before it") {
  // roles[0] of the built app is the YAML's second item: looking up the YAML's roles[0].resource
  // threw YAML::InvalidNode past every handler (found by fuzz_component_file).
  const std::string yaml = "c:\n  args:\n    extra: {type: list, default: []}\n  app:\n    name: a\n    roles:\n"
                           "      - \"${extra}\"\n      - name: r\n        image: i\n        entrypoint: echo\n"
                           "        resource: {h: 3}\n";
  CHECK(error_of(yaml, R"({"extra":[]})") == "roles[0].resource.h: must be the name of a named resource");
}
