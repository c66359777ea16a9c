// SPDX-License-Identifier: BSD-3-Clause
// A fixture plugin written without the SDK whose negotiate lets a C++ exception escape: the host
// must contain it and report the plugin, never crash.
#include <torchx/plugin_api.h>

#include <stdexcept>

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info*, tx_plugin_info*) {
  throw std::runtime_error("boom");
}
