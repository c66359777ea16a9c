// SPDX-License-Identifier: BSD-3-Clause
// Registry: every plugin found on the search path, what each provides, and loading on first use.
#pragma once

#include "manifest.hpp"
#include "plugin_library.hpp"
#include "search_path.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torchx::loader {

/// The kinds of things plugins provide.
enum class Kind { scheduler, component, tracker, named_resources };
const char* to_string(Kind kind);

/// A manifest that was found but is not used, and why.
struct SkippedManifest {
  std::filesystem::path path;  ///< the manifest (or directory) skipped
  std::string plugin;          ///< its plugin name when known, else the file's stem
  std::string reason;          ///< "shadowed by /a/b.json", "disabled by TORCHX_PLUGINS_DISABLE", ...
  bool is_warning = false;     ///< a broken or untrusted manifest (warned about), not a shadow or disable
};

/// A plugin in use: its manifest, where it was found, and its library once loaded.
struct PluginEntry {
  Manifest manifest;
  SearchDir found_in;
};

/// Options of discovery.
struct RegistryOptions {
  SearchPathInputs search;
};

/// The plugins found on the search path (DESIGN §5). Discovery reads manifests only; a plugin's
/// library is opened the first time something it provides is used, and never unloaded.
/// Not thread-safe for discovery; `load` may be called from several threads.
class Registry {
public:
  /// Scans the search path: for each directory in order, its `*.json` files sorted by name. The
  /// first manifest with a plugin name wins; later ones are "shadowed". Broken manifests, and
  /// directories or manifests writable by others, are skipped with one warning each. Plugins
  /// whose name matches a glob of TORCHX_PLUGINS_DISABLE (comma-separated) are skipped.
  static Registry discover(const RegistryOptions& options = {});

  [[nodiscard]] const std::vector<SearchDir>& search_path() const { return m_search_path; }
  [[nodiscard]] const std::vector<PluginEntry>& plugins() const { return m_plugins; }
  [[nodiscard]] const std::vector<SkippedManifest>& skipped() const { return m_skipped; }

  /// The names of everything of `kind`, in search-path order (the first provider wins).
  [[nodiscard]] std::vector<std::string> names(Kind kind) const;
  /// The plugin providing `name` of `kind`, or nullptr.
  [[nodiscard]] const PluginEntry* provider(Kind kind, std::string_view name) const;
  /// The plugin named `plugin_name`, or nullptr.
  [[nodiscard]] const PluginEntry* plugin(std::string_view plugin_name) const;

  /// Loads (once) the plugin of `entry`. Throws PluginLoadError; a failure is remembered.
  std::shared_ptr<const PluginLibrary> load(const PluginEntry& entry) const;

private:
  std::vector<SearchDir> m_search_path;
  std::vector<PluginEntry> m_plugins;
  std::vector<SkippedManifest> m_skipped;
  std::map<std::pair<Kind, std::string>, std::size_t> m_providers;
  mutable std::map<std::string, std::shared_ptr<const PluginLibrary>> m_loaded;
  mutable std::map<std::string, std::string> m_load_errors;
};

}  // namespace torchx::loader
