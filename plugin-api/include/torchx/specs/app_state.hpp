// SPDX-License-Identifier: BSD-3-Clause
// AppState: the life cycle of an app and of each replica.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace torchx::specs {

/// The state of an app or replica, with TorchX's numeric values.
enum class AppState {
  UNSUBMITTED = 0,
  SUBMITTED = 1,
  PENDING = 2,
  RUNNING = 3,
  SUCCEEDED = 4,
  FAILED = 5,
  CANCELLED = 6,
  UNKNOWN = 7,
};
/// Replicas share the app's states (TorchX `ReplicaState = AppState`).
using ReplicaState = AppState;

/// The name: "RUNNING" (TorchX `str(state)`).
const char* to_string(AppState state);
/// The name with its value: "FAILED (5)" (TorchX `repr(state)`).
std::string to_repr(AppState state);
/// Parses a name ("RUNNING", exactly) or a decimal value ("3"); nullopt otherwise.
std::optional<AppState> app_state_from_string(std::string_view text);
/// SUCCEEDED, FAILED or CANCELLED: the app will not change state again.
bool is_terminal(AppState state);
/// RUNNING or terminal: the app has started, so there may be logs to read.
bool is_started(AppState state);

}  // namespace torchx::specs
