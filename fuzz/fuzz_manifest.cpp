// SPDX-License-Identifier: BSD-3-Clause
// Plugin manifests (torchx/manifest.hpp): any text parses or throws ManifestError, and what parses
// has what plugin-api/docs/manifest.md promises: a name, an ABI version, an absolute library path
// and no name twice within a kind of `provides`.
#include "fuzz_check.hpp"

#include <torchx/manifest.hpp>

#include <algorithm>

namespace {

bool has_duplicates(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::manifests;
  Manifest m;
  try {
    m = parse_manifest_text(std::string(torchx::fuzz::text(data, size)), "/fuzz/share/torchx/plugins.d/x.json");
  } catch (const ManifestError&) {
    return 0;
  }
  FUZZ_CHECK(!m.name.empty());
  FUZZ_CHECK(!m.abi_versions.empty());
  FUZZ_CHECK(m.library_path.is_absolute());
  FUZZ_CHECK(!has_duplicates(m.provides.schedulers));
  FUZZ_CHECK(!has_duplicates(m.provides.components));
  FUZZ_CHECK(!has_duplicates(m.provides.trackers));
  FUZZ_CHECK(!has_duplicates(m.provides.named_resources));
  return 0;
}
