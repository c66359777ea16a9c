// SPDX-License-Identifier: BSD-3-Clause
// Plugin manifests (plugin-api/docs/manifest.md): one plugin's JSON description, read without
// loading the plugin. The host's loader and the conformance harness both read them with this.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchx::manifests {

/// What a plugin says it provides, by kind.
struct Provides {
  std::vector<std::string> schedulers;
  std::vector<std::string> components;
  std::vector<std::string> trackers;
  std::vector<std::string> named_resources;
};

/// A parsed, validated manifest (`<dir>/<name>.json`, plugin-api/docs/manifest.md).
struct Manifest {
  std::filesystem::path path;          ///< the manifest file
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path library_path;  ///< absolute: relative paths are resolved against the manifest's dir
  std::vector<std::uint32_t> abi_versions;
  Provides provides;
};

/// A manifest that cannot be used; `what()` is the reason (without the path).
class ManifestError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Reads and validates the manifest at `path`. Throws ManifestError naming the first problem:
/// unreadable, not JSON, file_format_version not 1.x.y, a missing or mistyped field, an empty
/// name, an ABI list without a version, a name used twice in `provides`.
Manifest parse_manifest(const std::filesystem::path& path);

/// The same from text, as if read from `path`.
Manifest parse_manifest_text(const std::string& text, const std::filesystem::path& path);

}  // namespace torchx::manifests
