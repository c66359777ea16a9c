// SPDX-License-Identifier: BSD-3-Clause
#include "k8s_workspace.hpp"

#include <torchx/plugin.hpp>

namespace torchx::k8s {

std::string push_workspace_image(const std::string& /*workspace*/, const std::string& /*base_image*/,
                                 const std::string& /*image_repo*/, const std::string& /*version*/, bool /*quiet*/,
                                 const std::string& /*docker_host*/) {
  throw plugin::Unsupported("scheduler 'kubernetes' does not push workspace images yet");
}

}  // namespace torchx::k8s
