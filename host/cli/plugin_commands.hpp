// SPDX-License-Identifier: BSD-3-Clause
// Commands that plugins add (`torchx <verb> ...`, ABI revision 1.1): finding, listing, running.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace torchx::loader {
struct CommandLine;
}

namespace torchx::cli {

class Session;

/// The verbs a plugin's command may not take: every built-in verb, the hidden probe verb too.
std::vector<std::string> reserved_verbs();

/// The `torchx --help` lines of the plugins' commands ("  prune       delete ... (plugin 'x')"),
/// from their manifests only (nothing is loaded): Session::quick_commands when it can tell and
/// debug logging is off, else the registry; "" when there is none or discovery fails.
std::string plugin_commands_help(Session& session);

/// The same lines of `commands` (verb, description, plugin), in their order.
std::string plugin_commands_help(const std::vector<loader::CommandLine>& commands);

/// Every verb users may type: the built-ins, then the plugins' commands (for "did you mean").
std::vector<std::string> all_verbs(Session& session);

/// Runs the plugin command `verb` with `args` (what followed the verb) if a plugin provides it;
/// nullopt if none does. Loads its plugin (loader::PluginLoadError, exit 3, if it fails),
/// passes argv untouched, lends it the runner's services (runner::HostServices), and returns
/// the exit code: the command's own on success; on its failure one `torchx: error: <verb>: ...`
/// line on `err` and 2 (TX_E_INVALID_ARGUMENT: a usage error), 4 (TX_E_UNAVAILABLE) or 1.
std::optional<int> run_plugin_command(const std::string& verb, const std::vector<std::string>& args, std::ostream& out,
                                      std::ostream& err, Session& session);

}  // namespace torchx::cli
