// SPDX-License-Identifier: BSD-3-Clause
// run_process: run a program to completion and capture what it printed.
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
  /// True when the process ran past `ProcessOptions::timeout` and was killed (SIGKILL) for it.
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
  /// A limit on the run: past it the process is killed with SIGKILL, its pipes are closed (so a
  /// grandchild holding them cannot keep us waiting), and the result has `timed_out` set with
  /// whatever was read so far. nullopt waits as long as it takes.
  std::optional<std::chrono::milliseconds> timeout;
};

/// Runs `argv` (argv[0] is a path, or a name looked up in PATH) without a shell, so arguments
/// reach the program byte for byte, and waits for it, reading stdout and stderr concurrently.
/// Throws std::system_error when the program cannot be started (not found, not executable).
/// Thread-safe: each call has its own I/O context.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace torchx::util
