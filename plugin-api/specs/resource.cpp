// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/named_resources.hpp>
#include <torchx/specs/resource.hpp>

namespace torchx::specs {

Resource make_resource(std::optional<int> cpu, std::optional<int> gpu, std::optional<int> memMB,
                       const std::optional<std::string>& h) {
  if (h) return builtin_named_resource(*h);
  Resource r;
  r.cpu = cpu.value_or(2);
  r.gpu = gpu.value_or(0);
  r.memMB = memMB.value_or(1024);
  return r;
}

}  // namespace torchx::specs
