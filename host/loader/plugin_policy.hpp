// SPDX-License-Identifier: BSD-3-Clause
// PluginPolicy: the site admin's list of plugins that must be present and load (site-admin.md).
#pragma once

#include "search_path.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::loader {

/// Where the policy is read when TORCHX_PLUGIN_POLICY does not name another file.
inline constexpr const char* k_default_plugin_policy = "/etc/torchx/plugins.conf";

/// Which plugins a site requires. An INI file:
///
///     [plugins]
///     required = slurm, site_*
///     optional = site_experimental
///
/// Entries are plugin names or fnmatch globs, separated by commas or white space; a key may be
/// repeated (or continued on indented lines) and its entries add up. A plugin is required when it
/// matches a `required` entry and no `optional` one (`optional` carves exceptions out of
/// globs). A plain value object: copyable, no I/O after `load`.
struct PluginPolicy {
  std::filesystem::path file;         ///< the file read; empty when there is none
  std::string origin;                 ///< "TORCHX_PLUGIN_POLICY" (also when it is empty: no policy), "system" or ""
  std::vector<std::string> required;  ///< names and globs, in file order
  std::vector<std::string> optional;  ///< names and globs, in file order
  /// Problems in the file (unreadable, syntax, unknown section or key), each a whole message
  /// naming the file. A policy with errors is still used for what it could read.
  std::vector<std::string> errors;
  /// True when `file` was read (its entries, if any, are above); false when there is no file or
  /// it could not be read (missing, unreadable, a directory: see `errors`).
  bool read = false;

  /// True when `plugin` matches a `required` entry and no `optional` one.
  [[nodiscard]] bool is_required(std::string_view plugin) const;
  /// The `required` entries that are plain names, not globs: these must be found.
  [[nodiscard]] std::vector<std::string> required_names() const;

  /// Parses policy text as if read from `file`. Never throws for bad content: see `errors`.
  static PluginPolicy parse(const std::string& text, const std::filesystem::path& file);
  /// Reads the policy: the file named by TORCHX_PLUGIN_POLICY (an empty value means no policy),
  /// else k_default_plugin_policy. In a setuid/setgid process (`inputs.secure`) the variable is
  /// ignored. A missing system file is no policy; a missing file named by the variable, an
  /// unreadable one, a directory, or a file with a NUL byte is an error in `errors` naming the
  /// file. Uses `inputs.getenv`.
  /// Not thread-safe (inih's settings are global).
  static PluginPolicy load(const SearchPathInputs& inputs);
};

}  // namespace torchx::loader
