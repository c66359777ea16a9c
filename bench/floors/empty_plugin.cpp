// SPDX-License-Identifier: BSD-3-Clause
// The "empty C++ plugin" of the dlopen floor (bench/README.md): a C++ shared object, built like a
// torchx plugin (hidden visibility, one export, libstdc++ linked dynamically as plugins link it),
// whose one export does a trivial piece of C++ work so libstdc++ is really needed.
#include <string>

extern "C" __attribute__((visibility("default"))) int tx_plugin_negotiate(const void* /*host*/, void* /*out*/) {
  const std::string name = "empty";
  return static_cast<int>(name.size()) - 5;  // 0
}
