// SPDX-License-Identifier: BSD-3-Clause
// Printing the log lines of an app's replicas, `role/k line`, one thread per replica.
#pragma once

#include <torchx/specs/scheduler_types.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace torchx::runner {
class Runner;
}

namespace torchx::cli {

/// Which replicas, and how, to print.
struct LogSelection {
  std::string app_handle;            ///< scheduler://session/app_id
  std::optional<std::string> role;   ///< nullopt: every role
  std::vector<int> replicas;         ///< empty: every replica of the role(s)
  std::optional<std::string> regex;
  bool tail = false;
  std::optional<specs::Stream> streams;
  bool json = false;  ///< one JSON object per line: {"role", "replica", "line"}
};

/// Parses `SCHEDULER://[SESSION]/APP_ID[/ROLE[/K,K...]]` (TorchX's log identifier). Throws
/// specs::MalformedAppHandleError naming the expected form.
LogSelection parse_log_identifier(const std::string& identifier);

/// Waits until the app has started, then prints each selected replica's lines to `out` as
/// `{role}/{k} {line}` (or JSON lines), whole lines only, one thread per replica. Throws runner::UnknownAppError
/// for an unknown app, UsageError for an unknown role, and the first error a replica's reader met.
void print_logs(runner::Runner& runner, const LogSelection& selection, std::ostream& out);

}  // namespace torchx::cli
