// SPDX-License-Identifier: BSD-3-Clause
// `torchx cancel APP_HANDLE` and `torchx delete APP_HANDLE`.
#include "command.hpp"
#include "exit_codes.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <spdlog/spdlog.h>

namespace po = boost::program_options;

namespace torchx::cli {
namespace {

std::optional<std::string> handle_arg(const std::string& usage, const std::string& description, const Invocation& inv) {
  VerbSpec spec{usage, description, {}, {}};
  spec.options.add_options()("app_handle", po::value<std::string>()->required(), "<scheduler>://<session>/<app_id>");
  spec.positional.add("app_handle", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return std::nullopt;
  return get<std::string>(*vm, "app_handle");
}

}  // namespace

int cmd_cancel(const Invocation& inv) {
  auto handle = handle_arg("torchx cancel APP_HANDLE",
                           "Requests cancellation of an app and returns without waiting. Cancelling a finished app "
                           "does nothing.",
                           inv);
  if (!handle) return k_exit_ok;
  const specs::AppState state = inv.session.runner().cancel(*handle);
  if (specs::is_terminal(state)) {
    spdlog::info("{} already finished ({}): nothing to cancel", *handle, specs::to_string(state));
  } else {
    spdlog::info("cancel requested for {}", *handle);
  }
  return k_exit_ok;
}

int cmd_delete(const Invocation& inv) {
  auto handle = handle_arg("torchx delete APP_HANDLE",
                           "Removes a finished app and what the scheduler keeps of it (logs, state).", inv);
  if (!handle) return k_exit_ok;
  inv.session.runner().delete_app(*handle);
  spdlog::info("deleted {}", *handle);
  return k_exit_ok;
}

}  // namespace torchx::cli
