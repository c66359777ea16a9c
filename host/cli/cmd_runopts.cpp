// SPDX-License-Identifier: BSD-3-Clause
// `torchx runopts [SCHEDULER]`: the run options (`-cfg`) each scheduler accepts.
#include "command.hpp"
#include "exit_codes.hpp"
#include "registry.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

#include <ostream>

namespace po = boost::program_options;

namespace torchx::cli {

int cmd_runopts(const Invocation& inv) {
  VerbSpec spec{"torchx runopts [--json] [SCHEDULER]",
                "Shows the run options (-cfg key=value) of one scheduler, or of every scheduler.", {}, {}};
  spec.options.add_options()("scheduler", po::value<std::string>(), "the scheduler (default: all)")("json", "print JSON");
  spec.positional.add("scheduler", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  auto& runner = inv.session.runner();
  std::vector<std::string> names;
  if (vm->count("scheduler") != 0U) names.push_back(get<std::string>(*vm, "scheduler"));
  else names = runner.scheduler_backends();
  boost::json::object all;
  for (const auto& name : names) {
    const specs::RunOpts opts = runner.run_opts(name);
    if (vm->count("json") != 0U) {
      all[name] = boost::json::parse(specs::to_json(opts));
    } else {
      inv.out << name << ":\n" << opts.format() << "\n\n";
    }
  }
  if (vm->count("json") != 0U) inv.out << boost::json::serialize(all) << "\n";
  return k_exit_ok;
}

}  // namespace torchx::cli
