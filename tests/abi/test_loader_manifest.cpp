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

TEST_SUITE_END();
