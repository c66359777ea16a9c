// SPDX-License-Identifier: BSD-3-Clause
// Which plain YAML scalars PyYAML (YAML 1.1) reads as something other than a string: the quoting
// rule of to_yaml(). Plugin-internal.
#pragma once

#include <string_view>

namespace torchx::k8s {

/// True when PyYAML's implicit resolver gives the plain scalar `s` a tag other than str: a bool
/// (`yes`, `Off`, ...), int (`0x1F`, `017`, `0b1`, `1_000`, `1:30`; not `0o17`), float (`.5`, `1.`, `.inf`),
/// null (``, `~`, `null`), timestamp (`2001-12-14`), merge (`<<`) or value (`=`). Python's `$`
/// also matches before one final "\n"; such strings are multi-line and never plain, so that case
/// is not reproduced. Pure, thread-safe, no allocation.
bool yaml_resolves_to_non_string(std::string_view s);

}  // namespace torchx::k8s
