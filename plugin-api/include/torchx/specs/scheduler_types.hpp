// SPDX-License-Identifier: BSD-3-Clause
// What schedulers answer: DescribeAppResponse, ListAppResponse; what they are asked: LogQuery.
#pragma once

#include <torchx/specs/app_status.hpp>
#include <torchx/specs/role.hpp>

#include <optional>
#include <string>
#include <vector>

namespace torchx::specs {

/// A scheduler's description of one app (TorchX `DescribeAppResponse`).
struct DescribeAppResponse {
  std::string app_id;
  AppState state = AppState::UNSUBMITTED;
  int num_restarts = 0;
  std::string msg;
  std::string structured_error_msg{k_none};
  std::optional<std::string> ui_url;
  Dict<std::string> metadata;
  std::vector<RoleStatus> roles_statuses;
  std::vector<Role> roles;
  friend bool operator==(const DescribeAppResponse&, const DescribeAppResponse&) = default;
};

/// One entry of a scheduler's list of apps (TorchX `ListAppResponse`).
struct ListAppResponse {
  std::string app_id;
  AppState state = AppState::UNKNOWN;
  std::string app_handle;  ///< filled in by the runner
  std::string name;
  /// When the app started (epoch seconds), if the scheduler knows: `list --since/--older-than`
  /// filter on it. Payload key "started_at" (absent or null: unknown).
  std::optional<double> started_at{};
  /// When the app finished (seconds since the epoch), for a finished app whose scheduler knows
  /// it; nullopt otherwise (payloads.md: optional `"finished_at"`). What `torchx prune` ages by.
  std::optional<double> finished_at;
  friend bool operator==(const ListAppResponse&, const ListAppResponse&) = default;
};

/// Which output stream of a replica to read (TorchX `Stream`).
enum class Stream { stdout_, stderr_, combined };

/// "stdout", "stderr" or "combined".
const char* to_string(Stream stream);
std::optional<Stream> stream_from_string(std::string_view text);

/// A request for the log lines of one replica (TorchX `log_iter`'s arguments).
struct LogQuery {
  std::string app_id;
  std::string role_name;
  int k = 0;
  std::optional<std::string> regex;  ///< always null from the torchx host, which filters itself (payloads.md)
  std::optional<double> since;  ///< seconds since the epoch
  std::optional<double> until;
  bool should_tail = false;
  std::optional<Stream> streams;  ///< nullopt: the scheduler's default
  friend bool operator==(const LogQuery&, const LogQuery&) = default;
};

/// The AppStatus a runner reports for a description (TorchX `Runner.status`).
AppStatus to_app_status(const DescribeAppResponse& response);

}  // namespace torchx::specs
