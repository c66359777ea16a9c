// SPDX-License-Identifier: BSD-3-Clause
// The builtin components' names and signatures as text, generated at build time
// (builtin_signatures.cpp in the build tree, written by torchx_builtin_signatures from
// signatures_main.cpp), so that loading the plugin defines none of the components.
#pragma once

#include <cstddef>

namespace torchx::components {

/// One builtin component: its name and its signature (payloads.md, "Component signature"), the
/// text plugin::detail::component_signature_json made of its definition when the plugin was built.
struct BuiltinSignature {
  const char* name;
  const char* signature_json;
};

/// Every builtin component, in the order of k_groups and of each group's list. Static storage.
extern const BuiltinSignature k_builtin_signatures[];
extern const std::size_t k_num_builtin_signatures;

}  // namespace torchx::components
