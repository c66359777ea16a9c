// SPDX-License-Identifier: BSD-3-Clause
// The builtin components: TorchX's utils, dist, serve and metrics components as one plugin.
#pragma once

#include <torchx/plugin.hpp>

#include <span>
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

/// Makes one builtin component's definition: its name, doc, args and builder.
using Definition = plugin::Component (*)();

/// Each group's definitions, in the order the plugin lists them (static storage).
std::span<const Definition> utils_definitions();
std::span<const Definition> dist_definitions();
std::span<const Definition> serve_definitions();
std::span<const Definition> metrics_definitions();

/// The groups, in the order the plugin lists their components (the generated signature table,
/// builtin_signatures.hpp, follows it: its i-th entry is the i-th definition of this walk).
inline constexpr std::span<const Definition> (*k_groups[])() = {&utils_definitions, &dist_definitions,
                                                                &serve_definitions, &metrics_definitions};

/// Every definition of `group`, made.
inline std::vector<plugin::Component> make_all(std::span<const Definition> group) {
  std::vector<plugin::Component> out;
  out.reserve(group.size());
  for (const Definition d : group) out.push_back(d());
  return out;
}

/// Each group's components, made (all of them).
std::vector<plugin::Component> utils_components();
std::vector<plugin::Component> dist_components();
std::vector<plugin::Component> serve_components();
std::vector<plugin::Component> metrics_components();

}  // namespace torchx::components
