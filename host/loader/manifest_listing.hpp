// SPDX-License-Identifier: BSD-3-Clause
// What every discovery reads of a plugin directory and of the environment, shared by
// Registry::discover and quick_commands so that both decide alike.
#pragma once

#include "search_path.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::loader {

/// One `*.json` regular file of a plugin directory (a symlink to one counts), as listed.
struct ManifestFile {
  std::string name;
  struct stat st {};  ///< fstatat without following a symlink
  bool is_symlink = false;
};

/// The `*.json` regular files of `dir` (symlinks to regular files too), sorted by name, each with
/// one fstatat: what the trust check and the cache need of it. `*.json` as std::filesystem's
/// extension() has it (".json" alone is a stem, not a manifest). Empty when `dir` cannot be
/// opened. Never throws except std::bad_alloc.
std::vector<ManifestFile> list_manifests(const std::filesystem::path& dir);

/// The globs of TORCHX_PLUGINS_DISABLE (comma-separated, blanks dropped); none in a setuid/setgid
/// process (`in.secure`).
std::vector<std::string> disabled_globs(const SearchPathInputs& in);

/// Whether the plugin `name` matches one of `globs` (fnmatch(3), no flags).
bool is_disabled(const std::vector<std::string>& globs, std::string_view name);

}  // namespace torchx::loader
