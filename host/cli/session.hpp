// SPDX-License-Identifier: BSD-3-Clause
// Session: what the verbs share within one `torchx` invocation (plugin paths, registry, runner).
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torchx::loader {
class Registry;
struct RegistryOptions;
struct CommandLine;
}
namespace torchx::runner {
class Runner;
class Config;
}

namespace torchx::cli {

/// Lazily discovers the plugin registry and makes the runner, so that verbs that need neither
/// (`--help`, `help`) never read a manifest.
class Session {
public:
  /// `plugin_debug`, when not null, receives the registry's TORCHX_PLUGIN_DEBUG lines (each
  /// prefixed "torchx: plugin-debug: "); it must outlive the session.
  explicit Session(std::vector<std::string> plugin_paths, std::ostream* plugin_debug = nullptr);
  /// Destroys the runner and config; the registry is kept (reachable, never freed) for the rest
  /// of the process: a session lives as long as the torchx process, and freeing a big registry
  /// only costs time at exit.
  ~Session();
  /// The registry, discovered on first use (reads manifests; loads nothing). Throws
  /// loader::PluginPolicyError (exit 3) when the site policy is broken or a required plugin is
  /// missing or skipped: every command that needs plugins refuses to run then.
  loader::Registry& registry();
  /// The registry without the policy check, for `torchx plugins`, which reports the problems
  /// itself next to what it found.
  loader::Registry& registry_unchecked();
  /// The plugins' commands as registry_unchecked().commands() lists them, found the quick way
  /// (loader::quick_commands: from the discovery cache, no registry built); nullopt when the
  /// quick way cannot tell (the caller then asks registry_unchecked()), when the registry was
  /// already discovered, when it was asked before, or when TORCHX_PLUGIN_DEBUG is on (only discover says what it
  /// decides). Debug logging must be off. Throws std::bad_alloc only.
  std::optional<std::vector<loader::CommandLine>> quick_commands();
  /// The --plugin-path directories given, in order (passed on to `__plugin-probe`).
  [[nodiscard]] const std::vector<std::string>& plugin_paths() const { return m_plugin_paths; }
  /// Where TORCHX_PLUGIN_DEBUG lines go; nullptr when it is off.
  [[nodiscard]] std::ostream* plugin_debug() const { return m_plugin_debug; }
  /// The runner over the registry, applying all of .torchxconfig (runner::Runner::use_config).
  runner::Runner& runner();
  /// The .torchxconfig files, read on first use. Throws runner::ConfigError.
  runner::Config& config();

private:
 /// What discovery is asked with: the search path of these flags, the built-in verbs reserved,
 /// the CLI's cache, the debug lines to m_plugin_debug.
 loader::RegistryOptions registry_options() const;

 std::vector<std::string> m_plugin_paths;
 std::ostream* m_plugin_debug;
 std::unique_ptr<loader::Registry> m_registry;
 bool m_quick_tried = false;
 std::unique_ptr<runner::Runner> m_runner;
 std::unique_ptr<runner::Config> m_config;
};

}  // namespace torchx::cli
