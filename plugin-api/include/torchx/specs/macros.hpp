// SPDX-License-Identifier: BSD-3-Clause
// Macros: the `${app_id}`-style placeholders a scheduler fills in per replica.
#pragma once

#include <torchx/specs/role.hpp>

#include <string>
#include <string_view>

namespace torchx::specs::macros {

inline constexpr std::string_view img_root = "${img_root}";
inline constexpr std::string_view base_img_root = "${base_img_root}";  ///< deprecated
inline constexpr std::string_view app_id = "${app_id}";
inline constexpr std::string_view replica_id = "${replica_id}";
/// The name of the env var holding the rank-0 host; the app expands it (e.g. with `bash -c`).
inline constexpr std::string_view rank0_env = "${rank0_env}";

/// The values a scheduler gives the macros for one replica (TorchX `macros.Values`).
struct Values {
  std::string img_root;
  std::string app_id;
  std::string replica_id;
  std::string rank0_env;
  std::string base_img_root{"DEPRECATED"};

  /// Python's `string.Template(s).safe_substitute(...)` over these names: `$name` and `${name}`
  /// are replaced when the name is one of the five, any other name is left as it is, and `$$`
  /// becomes `$`. So `$${${rank0_env}:=localhost}` gives `${TORCHX_RANK0_HOST:=localhost}`.
  [[nodiscard]] std::string substitute(std::string_view text) const;

  /// A copy of `role` with `args`, the values of `env`, and every string inside `metadata`
  /// (nested objects and arrays too) substituted. Other fields are not touched, as in TorchX.
  [[nodiscard]] Role apply(const Role& role) const;
};

}  // namespace torchx::specs::macros
