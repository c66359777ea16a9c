// SPDX-License-Identifier: BSD-3-Clause
// The CLI's entry: global flags, verb dispatch, error lines and exit codes.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace torchx::cli {

/// Runs `torchx` with `argv` and returns the exit code. Only the CLI prints and picks exit codes;
/// errors become one `torchx: error: ...` line on stderr.
int run(int argc, char** argv);

/// The same over already-split arguments (without the program name) and given streams.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

class Session;

/// The text of `torchx --help`; with `session`, the plugins' commands too (from their manifests:
/// nothing is loaded).
std::string global_help(Session* session = nullptr);

}  // namespace torchx::cli
