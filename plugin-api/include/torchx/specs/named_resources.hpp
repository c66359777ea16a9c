// SPDX-License-Identifier: BSD-3-Clause
// Named resources: `-h gpu.small`, `aws_p4d.24xlarge` and the rest of TorchX's tables.
#pragma once

#include <torchx/specs/resource.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace torchx::specs {

/// The capability key that names an instance type.
inline constexpr std::string_view k_instance_type_capability = "node.kubernetes.io/instance-type";
/// The device names of the AWS table.
inline constexpr std::string_view k_efa_device = "vpc.amazonaws.com/efa";
inline constexpr std::string_view k_neuron_device = "aws.amazon.com/neurondevice";

/// The names of the built-in tables, in TorchX's order: the generic `gpu.*`/`cpu.*` sizes, the
/// `aws_*` instance types, then `NULL` and `MISSING` (both the NULL resource). Plugins add more
/// through the named-resources ABI (a later layer), which take precedence there.
std::vector<std::string> builtin_named_resource_names();

/// The built-in named resource `name`, a fresh copy. Throws UnknownNamedResourceError
/// ("no named resource 'gpu.smal': did you mean 'gpu.small'?") for an unknown name.
Resource builtin_named_resource(std::string_view name);

}  // namespace torchx::specs
