// SPDX-License-Identifier: BSD-3-Clause
// The builtin component plugin: every component of torchx builtins, loaded like any plugin.
//
// At load it hands out each component's name and signature as text generated at build time from
// the same definitions (builtin_signatures.hpp); a component's definition is made only when the
// host builds it, and only its own (a run uses one of the eleven).
#include "builtin_signatures.hpp"
#include "components.hpp"

#include <string>
#include <string_view>

using namespace torchx;

namespace {

/// The definition of the builtin component `name`: the i-th definition for the i-th entry of the
/// generated table (both follow k_groups), and nothing else made.
plugin::Component make_builtin(std::string_view name) {
  std::size_t i = 0;
  while (i < components::k_num_builtin_signatures && components::k_builtin_signatures[i].name != name) ++i;
  for (auto* group : components::k_groups) {
    const auto definitions = group();
    if (i >= definitions.size()) {
      i -= definitions.size();
      continue;
    }
    plugin::Component c = definitions[i]();
    if (c.name != name) break;  // the table does not follow the definitions: a build error
    return c;
  }
  throw plugin::Error(TX_E_INTERNAL, "builtin component '" + std::string(name) + "' has no definition");
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = [] {
    plugin::Plugin plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION);
    for (std::size_t i = 0; i < components::k_num_builtin_signatures; ++i) {
      const auto& s = components::k_builtin_signatures[i];
      plugin.component(s.name, s.signature_json, &make_builtin);
    }
    return plugin;
  }();
  return p.negotiate(host, info);
}
