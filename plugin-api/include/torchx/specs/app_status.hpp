// SPDX-License-Identifier: BSD-3-Clause
// ReplicaStatus, RoleStatus and AppStatus: what `torchx status` reports, as text and JSON.
#pragma once

#include <torchx/specs/app_state.hpp>
#include <torchx/specs/role.hpp>

#include <optional>
#include <string>
#include <vector>

namespace torchx::specs {

/// The status of one replica. `id` is the replica (node) index, not a worker rank.
struct ReplicaStatus {
  int id = 0;
  ReplicaState state = ReplicaState::UNKNOWN;
  std::string role;
  std::string hostname;
  /// JSON of the replica's error file (torchelastic's error.json), or "<NONE>".
  std::string structured_error_msg{k_none};
  friend bool operator==(const ReplicaStatus&, const ReplicaStatus&) = default;
};

/// The status of every replica of one role.
struct RoleStatus {
  std::string role;
  std::vector<ReplicaStatus> replicas;
  friend bool operator==(const RoleStatus&, const RoleStatus&) = default;
};

/// The status of an app (TorchX `AppStatus`).
struct AppStatus {
  AppState state = AppState::UNKNOWN;
  int num_restarts = 0;
  std::string msg;
  std::string structured_error_msg{k_none};
  std::optional<std::string> ui_url;
  std::vector<RoleStatus> roles;

  [[nodiscard]] bool is_terminal() const { return specs::is_terminal(state); }

  /// TorchX's human-readable block (`AppStatus.format`), byte for byte:
  /// "AppStatus:\n    State: RUNNING\n    Num Restarts: 0\n    Roles: ..." with one line per
  /// replica (`*` marks replica 0 of each role, replicas sorted by id) and "None" for a missing
  /// UI URL. Only the roles named in `filter_roles` are shown when it is non-empty. A replica's
  /// structured error (torchelastic's `{"message": {"message", "errorCode", "extraInfo":
  /// {"timestamp"}}}`) is shown with its exit code, time (local), hostname and the message
  /// wrapped at 80 columns; a malformed one is shown as it is (TorchX crashed on some).
  [[nodiscard]] std::string format(const std::vector<std::string>& filter_roles = {}) const;

  friend bool operator==(const AppStatus&, const AppStatus&) = default;
};

}  // namespace torchx::specs
