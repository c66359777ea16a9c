// SPDX-License-Identifier: BSD-3-Clause
#include "session.hpp"

#include "config.hpp"
#include "registry.hpp"
#include "runner.hpp"

#include <ostream>

namespace torchx::cli {

Session::Session(std::vector<std::string> plugin_paths, std::ostream* plugin_debug)
    : m_plugin_paths(std::move(plugin_paths)), m_plugin_debug(plugin_debug) {}
Session::~Session() = default;

loader::Registry& Session::registry() {
  loader::Registry& r = registry_unchecked();
  r.check_policy();
  return r;
}

loader::Registry& Session::registry_unchecked() {
  if (!m_registry) {
    loader::RegistryOptions options;
    options.search.cli_dirs = m_plugin_paths;
    if (m_plugin_debug != nullptr) {
      options.debug = [out = m_plugin_debug](const std::string& line) {
        *out << "torchx: plugin-debug: " << line << "\n";
      };
    }
    m_registry = std::make_unique<loader::Registry>(loader::Registry::discover(options));
  }
  return *m_registry;
}

runner::Runner& Session::runner() {
  if (!m_runner) {
    auto r = std::make_unique<runner::Runner>(registry());
    const runner::Config& c = config();
    std::map<std::string, std::map<std::string, std::string>> defaults;
    for (const auto& section : c.sections()) {
      if (section.rfind("component:", 0) == 0 && section.size() > 10) {
        defaults[section.substr(10)] = c.component_defaults(section.substr(10));
      }
    }
    r->set_component_defaults(std::move(defaults));
    r->set_named_resources(c.named_resources());
    r->set_trackers(runner::tracker_settings(c));
    m_runner = std::move(r);
  }
  return *m_runner;
}

runner::Config& Session::config() {
  if (!m_config) m_config = std::make_unique<runner::Config>(runner::Config::load());
  return *m_config;
}

}  // namespace torchx::cli
