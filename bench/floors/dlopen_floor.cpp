// SPDX-License-Identifier: BSD-3-Clause
// The dlopen floor (bench/README.md): the irreducible part of any torchx command that uses one
// plugin. It starts (linked like bin/torchx), dlopens an empty C++ plugin RTLD_NOW|RTLD_LOCAL (as
// the loader does), finds and calls its one export, and exits.
// Usage: torchx_dlopen_floor PLUGIN.so   Exit: 0; 1 with one line on stderr if the plugin does not
// load or its export is missing or fails.
#include <dlfcn.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: torchx_dlopen_floor PLUGIN.so\n", stderr);
    return 1;
  }
  void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    std::fprintf(stderr, "torchx_dlopen_floor: error: %s\n", dlerror());
    return 1;
  }
  using negotiate_fn = int (*)(const void*, void*);
  auto negotiate = reinterpret_cast<negotiate_fn>(dlsym(library, "tx_plugin_negotiate"));
  if (negotiate == nullptr || negotiate(nullptr, nullptr) != 0) {
    std::fprintf(stderr, "torchx_dlopen_floor: error: '%s' has no working tx_plugin_negotiate\n", argv[1]);
    return 1;
  }
  return 0;  // plugins are never unloaded (DESIGN §4): no dlclose, as in the host
}
