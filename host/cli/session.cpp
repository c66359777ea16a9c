// SPDX-License-Identifier: BSD-3-Clause
#include "session.hpp"

#include "config.hpp"
#include "manifest_cache.hpp"
#include "plugin_commands.hpp"
#include "quick_commands.hpp"
#include "registry.hpp"
#include "runner.hpp"

#include <ostream>

namespace torchx::cli {

Session::Session(std::vector<std::string> plugin_paths, std::ostream* plugin_debug)
    : m_plugin_paths(std::move(plugin_paths)), m_plugin_debug(plugin_debug) {}
namespace {

/// The registries of ended sessions: reachable (no leak to a checker), never freed.
std::vector<loader::Registry*>& kept_registries() {
  static auto* kept = new std::vector<loader::Registry*>;
  return *kept;
}

}  // namespace

Session::~Session() {
  // A session ends as torchx exits: freeing a registry of a thousand manifests (each node of
  // each Manifest) cost ~2 M instructions, more than reading them from the cache. The OS takes
  // the pages back; what a registry owns has no side effect to run (plugin libraries are never
  // unloaded; the runner, which owns the plugins' instances, is destroyed as before).
  if (m_registry) kept_registries().push_back(m_registry.release());
}

loader::Registry& Session::registry() {
  loader::Registry& r = registry_unchecked();
  r.check_policy();
  return r;
}

loader::RegistryOptions Session::registry_options() const {
  loader::RegistryOptions options;
  options.search.cli_dirs = m_plugin_paths;
  options.reserved_commands = reserved_verbs();  // a plugin's command never replaces a built-in verb
  options.cache_root = loader::default_plugin_cache_root(options.search);  // manifest_cache.hpp
  if (m_plugin_debug != nullptr) {
    options.debug = [out = m_plugin_debug](const std::string& line) {
      *out << "torchx: plugin-debug: " << line << "\n";
    };
  }
  return options;
}

loader::Registry& Session::registry_unchecked() {
  if (!m_registry) m_registry = std::make_unique<loader::Registry>(loader::Registry::discover(registry_options()));
  return *m_registry;
}

std::optional<std::vector<loader::CommandLine>> Session::quick_commands() {
  if (m_registry || m_quick_tried || m_plugin_debug != nullptr) return std::nullopt;
  m_quick_tried = true;  // what it could not tell the first time, it cannot tell now
  return loader::quick_commands(registry_options());
}

runner::Runner& Session::runner() {
  if (!m_runner) {
    auto r = std::make_unique<runner::Runner>(registry());
    r->use_config(config());  // every .torchxconfig rule, as TorchX's CLI applies them
    m_runner = std::move(r);
  }
  return *m_runner;
}

runner::Config& Session::config() {
  if (!m_config) m_config = std::make_unique<runner::Config>(runner::Config::load());
  return *m_config;
}

}  // namespace torchx::cli
