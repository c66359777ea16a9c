// SPDX-License-Identifier: BSD-3-Clause
// Registry: every plugin found on the search path, what each provides, and loading on first use.
#pragma once

#include "manifest.hpp"
#include "plugin_library.hpp"
#include "plugin_policy.hpp"
#include "search_path.hpp"
#include "trust.hpp"

#include <functional>
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
  /// Where it was found: the index of its directory in Registry::search_path() (an index, not a
  /// copy: a thousand copies of the same path cost more than the rest of discovery's bookkeeping).
  std::size_t search_dir = 0;
};

/// Options of discovery.
struct RegistryOptions {
  SearchPathInputs search;
  /// What the trust check of directories, manifests and libraries reads (trust.hpp).
  TrustInputs trust;
  /// The discovery cache's directory (manifest_cache.hpp; default_plugin_cache_root gives the
  /// CLI's); nullopt: every manifest is read and parsed. The result is the same either way.
  std::optional<std::filesystem::path> cache_root;
  /// A manifest changed less than this many nanoseconds before it was read is not kept in the
  /// cache (a second change within the timestamp granularity would leave the same stamp). Tests
  /// of files they have just written set 0.
  std::int64_t cache_racy_ns = 1'000'000'000;
  /// The site policy; nullopt reads it with PluginPolicy::load(search).
  std::optional<PluginPolicy> policy;
  /// Receives one line (no newline) per directory searched, manifest read and decision taken,
  /// and per load (TORCHX_PLUGIN_DEBUG). Empty: the same lines go to spdlog at debug level.
  /// Called on the thread that discovers or loads; must not throw.
  std::function<void(const std::string&)> debug;
  /// Verbs a plugin's command may not take (the CLI's built-in verbs): a command of one of these
  /// names is not used, with a warning and a "not used" entry (the built-in wins).
  std::vector<std::string> reserved_commands;
};

/// A command (CLI verb) in use: its declaration in the manifest and the plugin providing it.
struct CommandEntry {
  CommandDecl decl;
  const PluginEntry* plugin = nullptr;
};

/// A broken site policy, or a required plugin that is missing, skipped or fails to load.
/// `problems()` holds one message per problem; `what()` is them joined by newlines.
class PluginPolicyError : public std::runtime_error {
public:
  explicit PluginPolicyError(std::vector<std::string> problems);
  [[nodiscard]] const std::vector<std::string>& problems() const { return m_problems; }

private:
  std::vector<std::string> m_problems;
};

/// The plugins found on the search path (DESIGN §5). Discovery reads manifests only; a plugin's
/// library is opened the first time something it provides is used, and never unloaded.
/// Not thread-safe for discovery; `load` may be called from several threads.
class Registry {
public:
  /// Scans the search path: for each directory in order, its `*.json` files sorted by name. The
  /// first manifest with a plugin name wins; later ones are "shadowed". Broken manifests, and
  /// directories, manifests and libraries that are not trusted (untrusted_reason: owned by
  /// someone other than root or the invoking user, writable by group or others, or under such a
  /// parent), are skipped with one warning each and the reason. Plugins
  /// whose name matches a glob of TORCHX_PLUGINS_DISABLE (comma-separated) are skipped.
  /// Then the site policy is applied: problems with it, and required plugins that are missing or
  /// skipped, are collected in `policy_problems()` (discovery itself never throws for them).
  static Registry discover(const RegistryOptions& options = {});

  [[nodiscard]] const std::vector<SearchDir>& search_path() const { return m_search_path; }
  [[nodiscard]] const std::vector<PluginEntry>& plugins() const { return m_plugins; }
  [[nodiscard]] const std::vector<SkippedManifest>& skipped() const { return m_skipped; }
  /// What a setuid/setgid process ignored (see ignored_settings).
  [[nodiscard]] const std::vector<IgnoredSetting>& ignored() const { return m_ignored; }
  [[nodiscard]] const PluginPolicy& policy() const { return m_policy; }
  /// True when the policy requires the plugin named `plugin_name`.
  [[nodiscard]] bool is_required(std::string_view plugin_name) const { return m_policy.is_required(plugin_name); }
  /// Errors in the policy file, then "required plugin 'x' was not found ..." / "... was skipped: ...".
  [[nodiscard]] const std::vector<std::string>& policy_problems() const { return m_policy_problems; }
  /// Throws PluginPolicyError when `policy_problems()` is not empty. Loads nothing.
  void check_policy() const;

  /// The names of everything of `kind`, in search-path order (the first provider wins; a
  /// plugin library's component always wins over a Python component of the same name).
  [[nodiscard]] std::vector<std::string> names(Kind kind) const;
  /// The plugin providing `name` of `kind`, or nullptr.
  [[nodiscard]] const PluginEntry* provider(Kind kind, std::string_view name) const;
  /// The plugin named `plugin_name`, or nullptr.
  [[nodiscard]] const PluginEntry* plugin(std::string_view plugin_name) const;
  /// The commands (verbs) in use, in search-path order: the first plugin declaring a verb
  /// provides it; a later one, or one that takes a reserved verb, is in skipped() instead.
  /// Reads manifests only.
  [[nodiscard]] std::vector<CommandEntry> commands() const;
  /// The command `verb`, or nullopt.
  [[nodiscard]] std::optional<CommandEntry> command(std::string_view verb) const;

  /// Loads (once) the plugin of `entry`. Throws PluginLoadError; a failure is remembered, and a
  /// plugin without a library (Python components only) is one.
  /// The first load of any plugin first loads every required plugin (so that no command runs
  /// without them); one that fails throws PluginPolicyError, on this and every later call.
  std::shared_ptr<const PluginLibrary> load(const PluginEntry& entry) const;

private:
  void note(const std::string& line) const;
  /// Whether note() goes anywhere (TORCHX_PLUGIN_DEBUG or debug logging): a line per manifest is
  /// built only then.
  [[nodiscard]] bool noting() const;
  void apply_policy();
  /// Registers the Python components of the plugins found (after every library's components).
  void add_python_components();
  /// Registers the commands of the plugins found; reports duplicates and reserved verbs.
  void add_commands(const std::vector<std::string>& reserved);
  std::shared_ptr<const PluginLibrary> load_one(const PluginEntry& entry) const;
  void load_required() const;

  std::vector<SearchDir> m_search_path;
  std::vector<PluginEntry> m_plugins;
  std::vector<SkippedManifest> m_skipped;
  std::vector<IgnoredSetting> m_ignored;
  PluginPolicy m_policy;
  std::vector<std::string> m_policy_problems;
  std::function<void(const std::string&)> m_debug;
  mutable bool m_required_loaded = false;
  std::map<std::pair<Kind, std::string>, std::size_t> m_providers;
  std::vector<std::pair<std::string, std::size_t>> m_commands;  ///< verb, plugin index; search order
  std::map<std::string, std::size_t, std::less<>> m_command_index;  ///< verb -> its entry in m_commands
  mutable std::map<std::string, std::shared_ptr<const PluginLibrary>> m_loaded;
  mutable std::map<std::string, std::string> m_load_errors;
};

}  // namespace torchx::loader
