// SPDX-License-Identifier: BSD-3-Clause
#include "kube_config.hpp"

namespace torchx::k8s {

Credentials load_credentials(const LoadOptions& /*options*/) {
  throw ConfigError("kubeconfig loading is not implemented yet");
}

}  // namespace torchx::k8s
