// SPDX-License-Identifier: BSD-3-Clause
// Role and AppDef: the job definition every part of torchx speaks.
#pragma once

#include <torchx/specs/dict.hpp>
#include <torchx/specs/json_text.hpp>
#include <torchx/specs/mounts.hpp>
#include <torchx/specs/resource.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::specs {

/// TorchX's MISSING sentinel: the default `Role.entrypoint`.
inline constexpr std::string_view k_missing = "<MISSING>";
/// TorchX's NONE sentinel: unset optional strings (`structured_error_msg`).
inline constexpr std::string_view k_none = "<NONE>";

/// What a scheduler does when a replica fails and retries are left (TorchX `RetryPolicy`).
enum class RetryPolicy {
  replica,      ///< "REPLICA": restart only the failed replica
  application,  ///< "APPLICATION": restart the whole app (the default)
  role,         ///< "ROLE": restart every replica of the failed replica's role
};

/// "REPLICA", "APPLICATION" or "ROLE".
const char* to_string(RetryPolicy policy);
/// Parses "REPLICA" | "APPLICATION" | "ROLE" (exactly, as TorchX); nullopt otherwise.
std::optional<RetryPolicy> retry_policy_from_string(std::string_view text);

/// The most replicas one role may have (`num_replicas`): validation refuses more, before a
/// scheduler spends minutes and gigabytes laying out millions of replicas. TorchX has no bound.
inline constexpr int k_max_num_replicas = 10000;

/// A set of identical replicas of one program (TorchX `Role`), every field of TorchX's.
///
/// `overrides` exists in TorchX for lazily computed fields (callables). Callables cannot cross
/// JSON, so here an override is a plain value that the JSON decoder applies to the named field
/// at once, which is what TorchX's memoized lookup yields for a plain value.
struct Role {
  std::string name;
  std::string image;
  std::optional<int> min_replicas;
  std::optional<std::string> base_image;  ///< deprecated in TorchX, unused; kept for round trips
  std::string entrypoint{k_missing};
  std::vector<std::string> args;
  Dict<std::string> env;
  int num_replicas = 1;
  int max_retries = 0;
  RetryPolicy retry_policy = RetryPolicy::application;
  Resource resource;
  Dict<int> port_map;
  Dict<JsonText> metadata;
  std::vector<Mount> mounts;
  Dict<JsonText> overrides;

  friend bool operator==(const Role&, const Role&) = default;
};

/// A distributed application: roles plus metadata (TorchX `AppDef`).
struct AppDef {
  std::string name;
  std::vector<Role> roles;
  Dict<std::string> metadata;

  friend bool operator==(const AppDef&, const AppDef&) = default;
};

/// Every problem with `app`, each a one-line message naming the role and field; empty if valid.
///
/// Checked: app and role names (non-empty, no '/', whitespace or control characters, not "." or
/// "..", role names unique, valid UTF-8), at least one role, a non-empty entrypoint,
/// 0 < num_replicas <= k_max_num_replicas, 0 <= min_replicas <= num_replicas, max_retries >= 0,
/// resources (cpu, gpu and memMB all -1 for the NULL resource or all >= 0; device counts >= 0),
/// ports in 1..65535, env names without '=', no NUL byte and valid UTF-8 in image, entrypoint,
/// args, env and app metadata, mounts with non-empty absolute destinations.
std::vector<std::string> validation_problems(const AppDef& app);

/// Throws AppDefValidationError listing every problem if `validation_problems(app)` is non-empty.
void validate(const AppDef& app);

}  // namespace torchx::specs
