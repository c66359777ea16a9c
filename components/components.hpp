// SPDX-License-Identifier: BSD-3-Clause
// The builtin components: TorchX's utils, dist, serve and metrics components as one plugin.
#pragma once

#include <torchx/plugin.hpp>

#include <string>
#include <vector>

namespace torchx::components {

/// TorchX's default image (`torchx.IMAGE` of the TorchX release these components mirror), kept so
/// AppDefs compare equal field by field with Python TorchX's.
inline constexpr const char* k_image = "ghcr.io/pytorch/torchx:0.8.0dev0";

/// The `"..."` JSON text of a string default.
std::string quoted(const std::string& s);

/// LOGLEVEL as TorchX sets it by default: the launching shell's $LOGLEVEL, else WARNING.
std::string default_loglevel();

std::vector<plugin::Component> utils_components();
std::vector<plugin::Component> dist_components();
std::vector<plugin::Component> serve_components();
std::vector<plugin::Component> metrics_components();

/// The groups, in the order the plugin lists their components (the generated signature table,
/// builtin_signatures.hpp, follows it).
inline constexpr std::vector<plugin::Component> (*k_groups[])() = {&utils_components, &dist_components,
                                                                   &serve_components, &metrics_components};

}  // namespace torchx::components
