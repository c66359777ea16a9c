// SPDX-License-Identifier: BSD-3-Clause
// The builtin component plugin: every component of torchx builtins, loaded like any plugin.
#include "components.hpp"

using namespace torchx;

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = [] {
    plugin::Plugin plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION);
    for (auto* group : {&components::utils_components, &components::dist_components, &components::serve_components,
                        &components::metrics_components}) {
      for (auto& c : (*group)()) plugin.component(std::move(c));
    }
    return plugin;
  }();
  return p.negotiate(host, info);
}
