// SPDX-License-Identifier: BSD-3-Clause
// The table of verbs. Each verb lives in its own cmd_<verb>.cpp.
#include "command.hpp"

namespace torchx::cli {

int cmd_help(const Invocation& inv);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"help", "show the help of torchx or of one command", &cmd_help},
  };
  return table;
}

const Command* find_command(std::string_view name) {
  for (const auto& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace torchx::cli
