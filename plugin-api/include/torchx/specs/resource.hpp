// SPDX-License-Identifier: BSD-3-Clause
// Resource: what one replica of a role asks for.
#pragma once

#include <torchx/specs/dict.hpp>
#include <torchx/specs/json_text.hpp>

#include <optional>
#include <string>

namespace torchx::specs {

/// The resource requirements of one replica (TorchX `Resource`).
///
/// `cpu`, `gpu` and `memMB` are -1 in the NULL resource (nothing asked for); otherwise each is
/// zero or more. `capabilities` are scheduler-interpreted (`node.kubernetes.io/instance-type`),
/// `devices` are named devices with counts (`vpc.amazonaws.com/efa: 4`), `tags` are metadata.
struct Resource {
  int cpu = -1;
  int gpu = -1;
  int memMB = -1;  // NOLINT(readability-identifier-naming): TorchX's attribute name
  Dict<JsonText> capabilities;
  Dict<int> devices;
  Dict<JsonText> tags;

  /// TorchX's NULL_RESOURCE: cpu = gpu = memMB = -1 and nothing else.
  static Resource null() { return Resource{}; }
  /// True when cpu, gpu and memMB are all -1 (capabilities and the rest are not looked at).
  [[nodiscard]] bool is_null() const { return cpu == -1 && gpu == -1 && memMB == -1; }

  friend bool operator==(const Resource&, const Resource&) = default;
};

/// TorchX's `specs.resource(cpu, gpu, memMB, h)`: the named resource `h` when given (its values
/// win), else a Resource of the given numbers with TorchX's defaults (cpu 2, gpu 0, memMB 1024)
/// for the ones not given. Unlike TorchX, an explicit 0 is kept (TorchX turned `cpu=0` into 2).
/// Throws UnknownNamedResourceError for an unknown `h`.
Resource make_resource(std::optional<int> cpu, std::optional<int> gpu, std::optional<int> memMB,
                       const std::optional<std::string>& h);

}  // namespace torchx::specs
