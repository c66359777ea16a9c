// SPDX-License-Identifier: BSD-3-Clause
// The "empty C++ plugin" of the dlopen floor (bench/README.md): a C++ shared object, built like a
// first-party torchx plugin (hidden visibility, one export, libstdc++ linked as they link it: its
// own static copy with TORCHX_STATIC_DEPS, torchx_plugin_static_runtime; libstdc++.so.6 without).
// Its one export throws and catches an exception, as any C++ plugin may (the SDK's entry points
// turn exceptions into status codes), so the object really needs the C++ runtime (__cxa_throw,
// the typeinfo of std::runtime_error): the floor pays for loading and relocating it like every
// real plugin does. bench/README.md shows how to check it (readelf -d, nm).
#include <stdexcept>

extern "C" __attribute__((visibility("default"))) int tx_plugin_negotiate(const void* host, void* /*out*/) {
  try {
    if (host == nullptr) {
      throw std::runtime_error("empty");  // the floor always passes nullptr: always thrown
    }
    return 1;
  } catch (const std::runtime_error& error) {
    return error.what()[0] == 'e' ? 0 : 1;  // 0
  }
}
