// SPDX-License-Identifier: BSD-3-Clause
// `torchx status APP_HANDLE`: the app's status, as TorchX's text block or JSON.
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

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::string current;
  for (char c : s + ",") {
    if (c == ',') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  return out;
}

int cmd_status(const Invocation& inv) {
  VerbSpec spec{"torchx status [--json] [--roles ROLES] APP_HANDLE",
                "Shows the status of an app: its state, restarts, and each replica's state.",
                {},
                {}};
  spec.options.add_options()("app_handle", po::value<std::string>()->required(), "<scheduler>://<session>/<app_id>")(
      "roles", po::value<std::string>(), "only these roles (comma-separated)")("json", "print JSON");
  spec.positional.add("app_handle", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  const auto handle = get<std::string>(*vm, "app_handle");
  const auto roles = split_commas(get<std::string>(*vm, "roles"));
  auto status = inv.session.runner().status(handle);
  if (!status) throw runner::UnknownAppError("app '" + handle + "' not found (it does not exist or was removed)");
  if (vm->count("json") != 0U) {
    inv.out << specs::to_json(*status, roles) << "\n";
  } else {
    inv.out << status->format(roles) << "\n";
  }
  return k_exit_ok;
}

}  // namespace torchx::cli
