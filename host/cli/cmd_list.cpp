// SPDX-License-Identifier: BSD-3-Clause
// `torchx list -s SCHEDULER`: the apps a scheduler knows.
#include "command.hpp"
#include "exit_codes.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <ostream>

namespace po = boost::program_options;

namespace torchx::cli {

int cmd_list(const Invocation& inv) {
  VerbSpec spec{"torchx list -s SCHEDULER [--json]", "Lists the apps of a scheduler with their state.", {}, {}};
  spec.options.add_options()("scheduler,s", po::value<std::string>()->required(), "the scheduler")("json", "print JSON");
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  const auto apps = inv.session.runner().list(get<std::string>(*vm, "scheduler"));
  if (vm->count("json") != 0U) {
    inv.out << specs::to_json(apps) << "\n";
    return k_exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : apps) rows.push_back({a.app_handle, a.name, specs::to_string(a.state)});
  inv.out << format_table({"APP HANDLE", "APP NAME", "APP STATUS"}, rows);
  return k_exit_ok;
}

}  // namespace torchx::cli
