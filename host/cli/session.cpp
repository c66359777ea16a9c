// SPDX-License-Identifier: BSD-3-Clause
#include "session.hpp"

#include "registry.hpp"
#include "runner.hpp"

namespace torchx::cli {

Session::Session(std::vector<std::string> plugin_paths) : m_plugin_paths(std::move(plugin_paths)) {}
Session::~Session() = default;

loader::Registry& Session::registry() {
  if (!m_registry) {
    loader::RegistryOptions options;
    options.search.cli_dirs = m_plugin_paths;
    m_registry = std::make_unique<loader::Registry>(loader::Registry::discover(options));
  }
  return *m_registry;
}

runner::Runner& Session::runner() {
  if (!m_runner) m_runner = std::make_unique<runner::Runner>(registry());
  return *m_runner;
}

}  // namespace torchx::cli
