// SPDX-License-Identifier: BSD-3-Clause
// `torchx log IDENTIFIER`: the log lines of an app's replicas.
#include "command.hpp"
#include "exit_codes.hpp"
#include "log_filter.hpp"
#include "log_printer.hpp"
#include "session.hpp"
#include "verb_args.hpp"

namespace po = boost::program_options;

namespace torchx::cli {

int cmd_log(const Invocation& inv) {
  VerbSpec spec{"torchx log [--regex R] [-t] [--streams stdout|stderr|combined] [--json] APP_HANDLE[/ROLE[/K,...]]",
                "Prints the log lines of an app's replicas as 'role/k line', after waiting for the app to start.\n"
                "APP_HANDLE is SCHEDULER://[SESSION]/APP_ID; ROLE and replica ids K narrow it down.",
                {}, {}};
  spec.options.add_options()("app_handle", po::value<std::string>()->required(), "what to print")(
      "regex", po::value<std::string>(), "only lines this regex matches somewhere (RE2 syntax)")(
      "tail,t", "follow until the app ends")(
      "streams", po::value<std::string>(), "stdout, stderr or combined (default: the scheduler's)")(
      "json", "one JSON object per line: {\"role\", \"replica\", \"line\"}");
  spec.positional.add("app_handle", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  LogSelection sel = parse_log_identifier(get<std::string>(*vm, "app_handle"));
  if (vm->count("regex") != 0U) {
    sel.regex = get<std::string>(*vm, "regex");
    (void)runner::LogFilter(*sel.regex);  // a bad pattern is a usage error before any app is looked up
  }
  sel.tail = vm->count("tail") != 0U;
  sel.json = vm->count("json") != 0U;
  if (vm->count("streams") != 0U) {
    const auto s = get<std::string>(*vm, "streams");
    sel.streams = specs::stream_from_string(s);
    if (!sel.streams) throw UsageError("invalid --streams '" + s + "': expected stdout, stderr or combined");
  }
  print_logs(inv.session.runner(), sel, inv.out);
  return k_exit_ok;
}

}  // namespace torchx::cli
