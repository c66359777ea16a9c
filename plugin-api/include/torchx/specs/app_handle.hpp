// SPDX-License-Identifier: BSD-3-Clause
// AppHandle: the `<scheduler>://<session>/<app_id>` string that names a launched app.
#pragma once

#include <string>
#include <string_view>

namespace torchx::specs {

/// The parts of an app handle (TorchX `ParsedAppHandle`).
struct AppHandle {
  std::string scheduler_backend;
  std::string session_name;  ///< may be empty: `local_cwd:///echo-x1`
  std::string app_id;

  /// `{scheduler_backend}://{session_name}/{app_id}` (TorchX `make_app_handle`).
  [[nodiscard]] std::string str() const;
  friend bool operator==(const AppHandle&, const AppHandle&) = default;
};

/// Parses a handle exactly as TorchX's `(?P<scheduler_backend>.+)://(?P<session_name>.*)/(?P<app_id>.+)`
/// does: both wildcards are greedy, so `k8s://a/b/c` has session `a/b` and app id `c`.
/// Throws MalformedAppHandleError ("'x' is not of the form
/// <scheduler_backend>://<session_name>/<app_id>") otherwise, and for a handle holding a line
/// break or NUL byte (TorchX's `.` does not match a line break either).
AppHandle parse_app_handle(std::string_view handle);

}  // namespace torchx::specs
