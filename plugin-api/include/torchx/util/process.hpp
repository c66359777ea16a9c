// SPDX-License-Identifier: BSD-3-Clause
// run_process: run a program to completion and capture what it printed. Part of the SDK
// (torchx_specs): a plugin that drives command-line tools (sbatch, squeue) uses it too.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace torchx::util {

/// What a finished process left behind.
struct ProcessResult {
  /// The exit status when the process exited normally; with `signaled`, the signal number.
  int exit_code = 0;
  /// True when the process was killed by a signal (a signal is never mistaken for an exit code).
  bool signaled = false;
  /// True when the process itself was still running at `ProcessOptions::timeout` and was killed
  /// (SIGKILL) for it. Never set for a process that had exited, even when something it started
  /// still held its stdout/stderr then.
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Options of `run_process`.
struct ProcessOptions {
  /// Bytes written to the child's stdin, which is then closed; nullopt leaves stdin at /dev/null.
  std::optional<std::string> stdin_data;
  /// Variables set (or, with a nullopt value, removed) on top of this process's environment.
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
  /// The working directory; empty keeps ours.
  std::string cwd;
  /// A limit on the run: when the process is still running past it, it is killed with SIGKILL
  /// (its whole process group with `new_process_group`), reading stops, and the result has
  /// `timed_out` set with whatever was read so far. nullopt waits as long as the process runs.
  std::optional<std::chrono::milliseconds> timeout;
  /// Runs the process in a process group of its own (setpgid), so that a timeout kills what it
  /// started too (SIGKILL to the group). Signals from the terminal (Ctrl-C) then no longer reach
  /// it, so it also gets PR_SET_PDEATHSIG(SIGKILL): it cannot outlive this process.
  bool new_process_group = false;
};

/// After the process has exited, how long reading goes on while something it started (a daemon,
/// a background job) still holds its stdout/stderr: then what is buffered is read and the rest
/// is not waited for. Everything the process itself wrote is read either way.
inline constexpr std::chrono::milliseconds k_output_grace_after_exit{200};

/// Runs `argv` (argv[0] is a path, or a name looked up in PATH) without a shell, so arguments
/// reach the program byte for byte, and waits for it, reading stdout and stderr concurrently
/// until both are closed, or until k_output_grace_after_exit after the process exited.
/// Throws std::system_error when the program cannot be started (not found, not executable).
/// Thread-safe: each call has its own I/O context.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace torchx::util
