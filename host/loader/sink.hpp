// SPDX-License-Identifier: BSD-3-Clause
// Host-owned tx_sink over a std::string, and status names.
#pragma once

#include <torchx/plugin_api.h>

#include <string>

namespace torchx::loader {

/// A sink that appends to `target`, which must outlive every use of the sink.
inline tx_sink string_sink(std::string& target) {
  return tx_sink{&target, [](void* ctx, const char* data, size_t len) {
                   if (data != nullptr && len > 0) static_cast<std::string*>(ctx)->append(data, len);
                 }};
}

/// `s` if it is one of the frozen tx_status codes, else TX_E_INTERNAL (a plugin answering a code
/// this host does not know is treated as an internal error of that plugin).
inline tx_status known_status(tx_status s) {
  switch (s) {
    case TX_OK:
    case TX_E_INVALID_ARGUMENT:
    case TX_E_NOT_FOUND:
    case TX_E_UNSUPPORTED:
    case TX_E_UNAVAILABLE:
    case TX_E_INTERNAL: return s;
  }
  return TX_E_INTERNAL;
}

/// "TX_E_NOT_FOUND" and so on; "unknown status N" for a code this host does not know.
inline std::string status_name(tx_status status) {
  switch (status) {
    case TX_OK: return "TX_OK";
    case TX_E_INVALID_ARGUMENT: return "TX_E_INVALID_ARGUMENT";
    case TX_E_NOT_FOUND: return "TX_E_NOT_FOUND";
    case TX_E_UNSUPPORTED: return "TX_E_UNSUPPORTED";
    case TX_E_UNAVAILABLE: return "TX_E_UNAVAILABLE";
    case TX_E_INTERNAL: return "TX_E_INTERNAL";
  }
  return "unknown status " + std::to_string(static_cast<int>(status));
}

}  // namespace torchx::loader
