// SPDX-License-Identifier: BSD-3-Clause
// The exit codes users script against (DESIGN §8, README "Exit codes").
#pragma once

namespace torchx::cli {

/// Process exit codes of `torchx`. Stable: scripts depend on them.
enum ExitCode : int {
  k_exit_ok = 0,
  /// The job ended FAILED or CANCELLED, or an operation failed (unknown component, scheduler or
  /// app, malformed handle, invalid run option).
  k_exit_failure = 1,
  /// Usage error: unknown verb or flag, bad argument.
  k_exit_usage = 2,
  /// A plugin failed to load or negotiate, or the site policy is broken or names a required
  /// plugin that is missing, skipped or fails to load (docs/site-admin.md).
  k_exit_plugin = 3,
  /// The backend is unavailable (e.g. `sbatch` missing, controller down).
  k_exit_backend_unavailable = 4,
  /// Interrupted by Ctrl-C (the app is cancelled).
  k_exit_interrupted = 130,
};

}  // namespace torchx::cli
