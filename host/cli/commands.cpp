// SPDX-License-Identifier: BSD-3-Clause
// The table of verbs. Each verb lives in its own cmd_<verb>.cpp.
#include "command.hpp"

namespace torchx::cli {

int cmd_help(const Invocation& inv);
int cmd_run(const Invocation& inv);
int cmd_builtins(const Invocation& inv);
int cmd_runopts(const Invocation& inv);
int cmd_status(const Invocation& inv);
int cmd_describe(const Invocation& inv);
int cmd_log(const Invocation& inv);
int cmd_list(const Invocation& inv);
int cmd_cancel(const Invocation& inv);
int cmd_delete(const Invocation& inv);
int cmd_plugins(const Invocation& inv);
int cmd_configure(const Invocation& inv);
int cmd_resources(const Invocation& inv);
int cmd_tracker(const Invocation& inv);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"run", "launch a component on a scheduler (or --dryrun it)", &cmd_run},
      {"builtins", "list the components you can run", &cmd_builtins},
      {"runopts", "show the run options (-cfg) of the schedulers", &cmd_runopts},
      {"status", "show the status of an app", &cmd_status},
      {"describe", "show the AppDef of an app", &cmd_describe},
      {"log", "print the log lines of an app's replicas", &cmd_log},
      {"list", "list the apps of a scheduler", &cmd_list},
      {"cancel", "cancel an app", &cmd_cancel},
      {"delete", "remove a finished app", &cmd_delete},
      {"resources", "list the named resources (-h NAME) and where each comes from", &cmd_resources},
      {"tracker", "list and record runs' metadata, artifacts and lineage (trackers)", &cmd_tracker},
      {"configure", "write a .torchxconfig with the schedulers' run options", &cmd_configure},
      {"plugins", "show the plugins found, skipped and why; 'check' loads; 'add-python' adds a package", &cmd_plugins},
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
