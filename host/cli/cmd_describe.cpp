// SPDX-License-Identifier: BSD-3-Clause
// `torchx describe APP_HANDLE`: the AppDef of a launched app, as the scheduler describes it.
#include "command.hpp"
#include "exit_codes.hpp"
#include "errors.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <ostream>

namespace po = boost::program_options;

namespace torchx::cli {

int cmd_describe(const Invocation& inv) {
  VerbSpec spec{"torchx describe [--json] APP_HANDLE", "Shows the AppDef of a launched app (roles, args, env, resources).",
                {}, {}};
  spec.options.add_options()("app_handle", po::value<std::string>()->required(), "<scheduler>://<session>/<app_id>")(
      "json", "print compact JSON on one line");
  spec.positional.add("app_handle", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  const auto handle = get<std::string>(*vm, "app_handle");
  auto app = inv.session.runner().describe(handle);
  if (!app) throw runner::UnknownAppError("app '" + handle + "' not found (it does not exist or was removed)");
  const std::string json = specs::to_json(*app);
  inv.out << (vm->count("json") != 0U ? json : pretty_json(json)) << "\n";
  return k_exit_ok;
}

}  // namespace torchx::cli
