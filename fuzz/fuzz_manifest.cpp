// SPDX-License-Identifier: BSD-3-Clause
// Plugin manifests (torchx/manifest.hpp): any text parses or throws ManifestError, and what parses
// has what plugin-api/docs/manifest.md promises: a name, an ABI version, an absolute library path
// (or only Python components, each a well-formed `module:function`) and no name twice within a
// kind of `provides`.
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
  if (m.has_library()) {
    FUZZ_CHECK(!m.abi_versions.empty());
    FUZZ_CHECK(m.library_path.is_absolute());
  } else {
    // A plugin of Python components only: they are all it provides.
    FUZZ_CHECK(!m.python_components.empty());
    FUZZ_CHECK(m.abi_versions.empty());
    FUZZ_CHECK(m.provides.schedulers.empty() && m.provides.components.empty() && m.provides.trackers.empty() &&
               m.provides.named_resources.empty());
  }
  for (std::size_t i = 0; i < m.python_components.size(); ++i) {
    const auto& c = m.python_components[i];
    FUZZ_CHECK(is_python_component_name(c.name));
    FUZZ_CHECK(is_python_module_path(c.module));
    FUZZ_CHECK(!c.function.empty() && c.function.find_first_of(".:") == std::string::npos);
    FUZZ_CHECK(i == 0 || m.python_components[i - 1].name < c.name);
    FUZZ_CHECK(std::find(m.provides.components.begin(), m.provides.components.end(), c.name) ==
               m.provides.components.end());
  }
  FUZZ_CHECK(!has_duplicates(m.provides.schedulers));
  FUZZ_CHECK(!has_duplicates(m.provides.components));
  FUZZ_CHECK(!has_duplicates(m.provides.trackers));
  FUZZ_CHECK(!has_duplicates(m.provides.named_resources));
  return 0;
}
