// SPDX-License-Identifier: BSD-3-Clause
// `torchx list -s SCHEDULER [--state S,...] [--since AGE] [--older-than AGE]`: the apps a
// scheduler knows, every one of them (no limit); the filters are the runner's (ListFilter).
#include "command.hpp"
#include "exit_codes.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <ostream>
#include <stdexcept>

namespace po = boost::program_options;

namespace torchx::cli {

int cmd_list(const Invocation& inv) {
  VerbSpec spec{"torchx list -s SCHEDULER [--state STATE,...] [--since AGE] [--older-than AGE] [--json]",
                "Lists every app of a scheduler with its state, newest first where the scheduler orders them.\n"
                "AGE is a number and a unit: s, m, h, d or w (30d, 12h); it is measured from when the app "
                "started.\nTo keep the local state small, delete the finished apps you no longer need:\n"
                "  torchx prune -s local_cwd --older-than 30d [--dry-run]",
                {},
                {}};
  spec.options.add_options()("scheduler,s", po::value<std::string>()->required(), "the scheduler")(
      "state", po::value<std::string>(), "only apps in these states (comma-separated, e.g. RUNNING,FAILED)")(
      "since", po::value<std::string>(), "only apps started at most AGE ago (e.g. 2d)")(
      "older-than", po::value<std::string>(), "only apps started more than AGE ago (e.g. 30d)")("json", "print JSON");
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  runner::ListFilter filter;
  try {
    if (vm->count("state") != 0U) filter.states = runner::parse_states(get<std::string>(*vm, "state"));
    if (vm->count("since") != 0U) filter.since_seconds = runner::parse_age("--since", get<std::string>(*vm, "since"));
    if (vm->count("older-than") != 0U) {
      filter.older_than_seconds = runner::parse_age("--older-than", get<std::string>(*vm, "older-than"));
    }
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  auto apps = inv.session.runner().list(get<std::string>(*vm, "scheduler"), filter);
  if (vm->count("json") != 0U) {
    inv.out << specs::to_json(apps) << "\n";
    return k_exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(apps.size());
  for (auto& a : apps) rows.push_back({std::move(a.app_handle), std::move(a.name), specs::to_string(a.state)});
  inv.out << format_table({"APP HANDLE", "APP NAME", "APP STATUS"}, rows);
  return k_exit_ok;
}

}  // namespace torchx::cli
