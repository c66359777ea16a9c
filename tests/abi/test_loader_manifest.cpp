// SPDX-License-Identifier: BSD-3-Clause
#include "manifest.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace torchx::loader;

namespace {
const std::filesystem::path k_data = TORCHX_TEST_DATA_DIR "/manifests";
}

TEST_SUITE_BEGIN("loader");

TEST_CASE("loader::parse_manifest reads every field and resolves library_path against the manifest") {
  const Manifest m = parse_manifest(k_data / "good/full.json");
  CHECK(m.name == "slurm");
  CHECK(m.version == "0.1.0");
  CHECK(m.description == "Slurm scheduler");
  CHECK(m.library_path == (k_data / "good/../../../lib/torchx/plugins/libtorchx_slurm.so").lexically_normal());
  CHECK(m.abi_versions == std::vector<std::uint32_t>{1, 2});
  CHECK(m.provides.schedulers == std::vector<std::string>{"slurm"});
  CHECK(m.provides.components == std::vector<std::string>{"dist.ddp"});
  CHECK(m.provides.named_resources == std::vector<std::string>{"site"});

  const Manifest minimal = parse_manifest(k_data / "good/minimal.json");
  CHECK(minimal.library_path == k_data / "good/libminimal.so");
  CHECK(minimal.description.empty());
  CHECK(minimal.provides.trackers.empty());
  CHECK(parse_manifest(k_data / "good/absolute.json").library_path == "/opt/acme/libabs.so");
}

TEST_CASE("loader::parse_manifest rejects each broken manifest with its reason") {
  const std::map<std::string, std::string> expected = {
      {"truncated.json", "not valid JSON: "},
      {"empty.json", "not valid JSON: "},
      {"not_object.json", "not a JSON object"},
      {"future_format.json", "unsupported file_format_version '2.0.0' (this torchx reads 1.x.y)"},
      {"no_name.json", "missing \"plugin.name\""},
      {"empty_name.json", "\"plugin.name\" is empty"},
      {"name_not_string.json", "\"plugin.name\" must be a string"},
      {"no_library.json", "missing \"plugin.library_path\""},
      {"no_abi.json", "\"plugin.abi_versions\" must be a non-empty array"},
      {"abi_string.json", "\"plugin.abi_versions\" must hold positive integers"},
      {"provides_not_list.json", "\"plugin.provides.schedulers\" must be an array of names"},
      {"provides_twice.json", "\"plugin.provides.schedulers\" lists 'a' twice"},
  };
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(k_data / "bad")) {
    const std::string file = entry.path().filename().string();
    CAPTURE(file);
    REQUIRE(expected.contains(file));
    try {
      (void)parse_manifest(entry.path());
      FAIL("expected ManifestError");
    } catch (const ManifestError& e) {
      CHECK(std::string(e.what()).starts_with(expected.at(file)));
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
    ++seen;
  }
  CHECK(seen == expected.size());
  CHECK_THROWS_WITH_AS(parse_manifest(k_data / "no/such/file.json"), "cannot be read", ManifestError);
}

namespace {

/// A manifest's text with `plugin_fields` inside "plugin" after its name and version.
std::string manifest_with(const std::string& plugin_fields) {
  return R"({"file_format_version": "1.1.0", "plugin": {"name": "demo-pkg", "version": "1.0")" +
         (plugin_fields.empty() ? std::string() : ", " + plugin_fields) + "}}";
}

}  // namespace

TEST_CASE("loader::parse_manifest_text reads a plugin of Python components only") {
  const Manifest m = parse_manifest_text(
      manifest_with(R"("description": "demo", "python_components": {"demo.train": "demo_pkg.components:train",
                       "hello": "demo_pkg.more:hello", "deep.x-y.z_1": "a.b.c:f_2"})"),
      "/share/torchx/plugins.d/demo-pkg.json");
  CHECK(m.name == "demo-pkg");
  CHECK_FALSE(m.has_library());
  CHECK(m.library_path.empty());
  CHECK(m.abi_versions.empty());
  CHECK(m.provides.components.empty());
  REQUIRE(m.python_components.size() == 3);
  // Sorted by name.
  CHECK(m.python_components[0].name == "deep.x-y.z_1");
  CHECK(m.python_components[0].module == "a.b.c");
  CHECK(m.python_components[0].function == "f_2");
  CHECK(m.python_components[1].name == "demo.train");
  CHECK(m.python_components[1].module == "demo_pkg.components");
  CHECK(m.python_components[1].function == "train");
  CHECK(m.python_components[2].name == "hello");
  REQUIRE(m.python_component("hello") != nullptr);
  CHECK(m.python_component("hello")->module == "demo_pkg.more");
  CHECK(m.python_component("nope") == nullptr);
  // An empty provides next to them is allowed.
  CHECK(parse_manifest_text(manifest_with(R"("provides": {"components": []}, "python_components": {"a": "m:f"})"),
                            "/x.json")
            .python_components.size() == 1);
}

TEST_CASE("loader::parse_manifest_text reads Python components next to a library's") {
  const Manifest m = parse_manifest_text(
      manifest_with(R"("library_path": "lib.so", "abi_versions": [1], "provides": {"components": ["lib.c"]},
                       "python_components": {"py.c": "m:f"})"),
      "/p/plugins.d/x.json");
  CHECK(m.has_library());
  CHECK(m.library_path == "/p/plugins.d/lib.so");
  CHECK(m.provides.components == std::vector<std::string>{"lib.c"});
  REQUIRE(m.python_components.size() == 1);
  CHECK(m.python_components[0].name == "py.c");
}

TEST_CASE("loader::parse_manifest_text rejects each malformed Python component with one line") {
  const std::pair<std::string, std::string> rows[] = {
      {"", "missing \"plugin.library_path\""},
      {R"("python_components": {})", "missing \"plugin.library_path\""},
      {R"("python_components": [])", "\"plugin.python_components\" must be an object of \"name\": \"module:function\""},
      {R"("python_components": "m:f")",
       "\"plugin.python_components\" must be an object of \"name\": \"module:function\""},
      {R"("python_components": {"": "m:f"})", "\"plugin.python_components\": '' is not a component name"},
      {R"("python_components": {"a..b": "m:f"})", "\"plugin.python_components\": 'a..b' is not a component name"},
      {R"("python_components": {".a": "m:f"})", "\"plugin.python_components\": '.a' is not a component name"},
      {R"("python_components": {"a b": "m:f"})", "\"plugin.python_components\": 'a b' is not a component name"},
      {R"("python_components": {"a:b": "m:f"})", "\"plugin.python_components\": 'a:b' is not a component name"},
      {R"("python_components": {"c.py": "m:f"})", "\"plugin.python_components\": 'c.py' is not a component name"},
      {R"("python_components": {"c.yaml": "m:f"})", "\"plugin.python_components\": 'c.yaml' is not a component name"},
      {R"("python_components": {"a/b": "m:f"})", "\"plugin.python_components\": 'a/b' is not a component name"},
      {R"("python_components": {"a": 1})", "\"plugin.python_components.a\" must be a string \"module:function\""},
      {R"("python_components": {"a": "m"})", "\"plugin.python_components.a\": 'm' is not \"module:function\""},
      {R"("python_components": {"a": "m:"})", "\"plugin.python_components.a\": 'm:' is not \"module:function\""},
      {R"("python_components": {"a": ":f"})", "\"plugin.python_components.a\": ':f' is not \"module:function\""},
      {R"("python_components": {"a": "m:f:g"})", "\"plugin.python_components.a\": 'm:f:g' is not \"module:function\""},
      {R"("python_components": {"a": "m:f.g"})", "\"plugin.python_components.a\": 'm:f.g' is not \"module:function\""},
      {R"("python_components": {"a": "m..n:f"})",
       "\"plugin.python_components.a\": 'm..n:f' is not \"module:function\""},
      {R"("python_components": {"a": "1m:f"})", "\"plugin.python_components.a\": '1m:f' is not \"module:function\""},
      {R"("python_components": {"a": "m-n:f"})", "\"plugin.python_components.a\": 'm-n:f' is not \"module:function\""},
      {R"("python_components": {"a": "m:f"}, "abi_versions": [1])",
       "\"plugin.abi_versions\" needs \"plugin.library_path\" (a plugin of Python components only has no library)"},
      {R"("python_components": {"a": "m:f"}, "provides": {"schedulers": ["s"]})",
       "\"plugin.provides.schedulers\" needs \"plugin.library_path\" (a plugin without a library provides only "
       "\"plugin.python_components\")"},
      {R"("python_components": {"a": "m:f"}, "provides": {"components": ["b"]})",
       "\"plugin.provides.components\" needs \"plugin.library_path\""},
      {R"("python_components": {"a": "m:f"}, "provides": 3)", "\"plugin.provides\" must be an object"},
      {R"("python_components": {"a": "m:f"}, "library_path": "")", "\"plugin.library_path\" is empty"},
      {R"("python_components": {"a": "m:f"}, "library_path": "l.so", "abi_versions": [1], "provides": {"components": ["a"]})",
       "\"plugin.python_components\" lists 'a', which \"plugin.provides.components\" lists too"},
  };
  for (const auto& [fields, expected] : rows) {
    CAPTURE(fields);
    try {
      (void)parse_manifest_text(manifest_with(fields), "/x/plugins.d/demo.json");
      FAIL("expected ManifestError");
    } catch (const ManifestError& e) {
      CHECK(std::string(e.what()).starts_with(expected));
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("loader::is_python_component_name and is_python_module_path") {
  CHECK(torchx::manifests::is_python_component_name("dist.ddp"));
  CHECK(torchx::manifests::is_python_component_name("my-pkg.train_2"));
  CHECK(torchx::manifests::is_python_component_name("py"));  // one part: not a file name
  CHECK_FALSE(torchx::manifests::is_python_component_name("x.yml"));
  CHECK_FALSE(torchx::manifests::is_python_component_name("a."));
  CHECK_FALSE(torchx::manifests::is_python_component_name("é"));
  CHECK(torchx::manifests::is_python_module_path("a.b_c.d1"));
  CHECK(torchx::manifests::is_python_module_path("_private"));
  CHECK_FALSE(torchx::manifests::is_python_module_path("a.1b"));
  CHECK_FALSE(torchx::manifests::is_python_module_path(""));
  CHECK_FALSE(torchx::manifests::is_python_module_path("a.b."));
}

TEST_SUITE_END();
