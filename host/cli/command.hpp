// SPDX-License-Identifier: BSD-3-Clause
// Command: one verb of the CLI (`torchx <verb> ...`), and the table of all of them.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::cli {

class Session;

/// What every verb gets: its arguments (after the verb), where to print, and the session.
struct Invocation {
  std::vector<std::string> args;
  std::ostream& out;
  std::ostream& err;
  Session& session;
};

/// A verb. `run` returns the process exit code (see exit_codes.hpp); it may throw UsageError for
/// bad arguments and any std::exception for a failure, which the dispatcher turns into one
/// `torchx: error: ...` line.
struct Command {
  std::string_view name;
  std::string_view summary;  ///< one line for `torchx --help`
  int (*run)(const Invocation&);
};

/// Every verb, in the order `torchx --help` lists them. One source file per verb defines its
/// entry; `commands.cpp` is the table.
const std::vector<Command>& commands();

/// Finds a verb by name; nullptr when there is none.
const Command* find_command(std::string_view name);

/// A usage error (exit 2): an unknown verb or flag, or a bad argument.
class UsageError : public std::exception {
public:
  explicit UsageError(std::string message) : m_message(std::move(message)) {}
  [[nodiscard]] const char* what() const noexcept override { return m_message.c_str(); }

private:
  std::string m_message;
};

}  // namespace torchx::cli
