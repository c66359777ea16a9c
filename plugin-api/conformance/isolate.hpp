// SPDX-License-Identifier: BSD-3-Clause
// Runs one check in a child process, so that a plugin that crashes, exits or hangs fails that
// check instead of taking the harness down.
#pragma once

#include "report.hpp"

#include <functional>

namespace torchx::conformance {

/// Runs `check` in a forked child (its own process group, stdout sent to stderr so that only the
/// report is on stdout, no core dump) and returns its result. The child's message ledger is
/// merged into this process's ledger(). A child killed by a signal, exiting during the check or
/// running past `timeout_s` seconds (0: no limit; it is killed with its process group) is a FAIL
/// saying so; an exception out of `check` is a FAIL with its message.
CheckResult run_isolated(const std::function<CheckResult()>& check, int timeout_s);

}  // namespace torchx::conformance
