// SPDX-License-Identifier: BSD-3-Clause
// `torchx help [COMMAND]`: the help of torchx, or of one command.
#include "cli.hpp"
#include "command.hpp"
#include "exit_codes.hpp"
#include "plugin_commands.hpp"

#include <torchx/util/suggest.hpp>

#include <ostream>

namespace torchx::cli {

int cmd_help(const Invocation& inv) {
  if (inv.args.empty()) {
    inv.out << global_help(&inv.session);
    return k_exit_ok;
  }
  const std::string& topic = inv.args.front();
  if (topic == "--help" || topic == "-h" || topic == "help") {
    inv.out << "usage: torchx help [COMMAND]\n\n"
               "Shows the help of torchx, or of COMMAND (the same as 'torchx COMMAND --help').\n";
    return k_exit_ok;
  }
  if (inv.args.size() > 1) throw UsageError("help takes one command, given " + std::to_string(inv.args.size()));
  const Command* command = find_command(topic);
  if (command == nullptr) {
    if (const auto code = run_plugin_command(topic, {"--help"}, inv.out, inv.err, inv.session)) return *code;
    throw UsageError("unknown command '" + topic + "'" + util::did_you_mean(topic, all_verbs(inv.session)) +
                     " (see: torchx --help)");
  }
  return command->run(Invocation{{"--help"}, inv.out, inv.err, inv.session});
}

}  // namespace torchx::cli
