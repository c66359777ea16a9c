// SPDX-License-Identifier: BSD-3-Clause
// A site's named resources as a plugin: the machine types of one cluster, so that every user of
// the site writes `-h site.a100x8` instead of copying numbers. Install it system-wide (see
// README.md); `torchx resources` lists each preset with this plugin as its source.
#include <torchx/plugin.hpp>

using namespace torchx;

namespace {

specs::Resource machine(int cpu, int gpu, int mem_gib, const char* instance_type, int efa = 0) {
  specs::Resource r;
  r.cpu = cpu;
  r.gpu = gpu;
  r.memMB = mem_gib * 1024;
  // Capabilities are scheduler-specific JSON values; Kubernetes and Slurm plugins map them to node
  // selectors or constraints.
  r.capabilities.set("node.kubernetes.io/instance-type", specs::JsonText::string(instance_type));
  if (efa > 0) r.devices.set("vpc.amazonaws.com/efa", efa);
  return r;
}

specs::Dict<specs::Resource> site_presets() {
  return {
      {"site.cpu", machine(32, 0, 128, "cpu-32")},
      {"site.a100x8", machine(96, 8, 1100, "a100-8", 4)},
      {"site.h100x8", machine(192, 8, 2000, "h100-8", 32)},
      {"site.debug", machine(2, 0, 4, "cpu-32")},
  };
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin plugin = plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION).named_resources("site", site_presets);
  return plugin.negotiate(host, info);
}
