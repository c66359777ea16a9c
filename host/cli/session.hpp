// SPDX-License-Identifier: BSD-3-Clause
// Session: what the verbs share within one `torchx` invocation (plugin paths, registry, runner).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace torchx::loader {
class Registry;
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
  explicit Session(std::vector<std::string> plugin_paths);
  ~Session();
  /// The registry, discovered on first use (reads manifests; loads nothing).
  loader::Registry& registry();
  /// The runner over the registry, with the .torchxconfig component defaults and resource presets.
  runner::Runner& runner();
  /// The .torchxconfig files, read on first use. Throws runner::ConfigError.
  runner::Config& config();

private:
  std::vector<std::string> m_plugin_paths;
  std::unique_ptr<loader::Registry> m_registry;
  std::unique_ptr<runner::Runner> m_runner;
  std::unique_ptr<runner::Config> m_config;
};

}  // namespace torchx::cli
