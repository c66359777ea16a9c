// SPDX-License-Identifier: BSD-3-Clause
// The kubernetes scheduler plugin (skeleton: being built in issue 17).
#include "k8s_render.hpp"
#include "k8s_workspace.hpp"
#include "kube_config.hpp"

#include <torchx/plugin.hpp>

using namespace torchx;

namespace {

class KubernetesScheduler : public plugin::Scheduler {
public:
  specs::RunOpts run_opts() override { return {}; }
  plugin::DryRunInfo submit_dryrun(const plugin::DryRunRequest& /*request*/) override {
    throw plugin::Unsupported("scheduler 'kubernetes' is not implemented yet");
  }
  std::string schedule(const plugin::ScheduleRequest& /*request*/) override {
    throw plugin::Unsupported("scheduler 'kubernetes' is not implemented yet");
  }
  std::optional<specs::DescribeAppResponse> describe(const std::string& /*app_id*/) override {
    throw plugin::Unsupported("scheduler 'kubernetes' is not implemented yet");
  }
  void cancel(const std::string& /*app_id*/) override {
    throw plugin::Unsupported("scheduler 'kubernetes' is not implemented yet");
  }
};

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
                                .scheduler<KubernetesScheduler>("kubernetes", "Volcano or batch/v1 Jobs on a Kubernetes cluster");
  return p.negotiate(host, info);
}
