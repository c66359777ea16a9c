// SPDX-License-Identifier: BSD-3-Clause
// The checks of command tables (ABI revision 1.1), each in its own process: `--help` answers,
// an unknown flag is a usage error with a message, and the host services the harness lends
// (an empty, in-memory host) are reachable through the boundary. Nothing is scheduled, cancelled
// or deleted: the harness's services refuse every app (TX_E_NOT_FOUND) and list none.
#include "calls.hpp"
#include "checks.hpp"
#include "isolate.hpp"

#include <string>
#include <vector>

namespace torchx::conformance {
namespace {

/// What the command asked of the harness's services during one run.
struct ServiceCalls {
  std::vector<std::string> names;
  bool mutating = false;  ///< cancel or delete_app
};

void put(const tx_sink* sink, const std::string& text) {
  if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, text.data(), text.size());
}

ServiceCalls& calls_of(void* ctx) { return *static_cast<ServiceCalls*>(ctx); }

/// An empty host: no app exists, every scheduler lists none.
tx_host_services empty_host(ServiceCalls& calls) {
  tx_host_services s{};
  s.struct_size = sizeof(tx_host_services);
  s.ctx = &calls;
  s.list = [](void* ctx, const char*, const tx_sink* out, const tx_sink*) {
    calls_of(ctx).names.emplace_back("list");
    put(out, "[]");
    return TX_OK;
  };
  s.status = [](void* ctx, const char* handle, const tx_sink*, const tx_sink* err) {
    calls_of(ctx).names.emplace_back("status");
    put(err, "app '" + std::string(handle != nullptr ? handle : "") + "' not found (conformance host)");
    return TX_E_NOT_FOUND;
  };
  s.cancel = [](void* ctx, const char* handle, const tx_sink*, const tx_sink* err) {
    calls_of(ctx).names.emplace_back("cancel");
    calls_of(ctx).mutating = true;
    put(err, "app '" + std::string(handle != nullptr ? handle : "") + "' not found (conformance host)");
    return TX_E_NOT_FOUND;
  };
  s.delete_app = [](void* ctx, const char* handle, const tx_sink* err) {
    calls_of(ctx).names.emplace_back("delete_app");
    calls_of(ctx).mutating = true;
    put(err, "app '" + std::string(handle != nullptr ? handle : "") + "' not found (conformance host)");
    return TX_E_NOT_FOUND;
  };
  s.log = [](void* ctx, const char*, const tx_sink*, const tx_sink* err) {
    calls_of(ctx).names.emplace_back("log");
    put(err, "no such app (conformance host)");
    return TX_E_NOT_FOUND;
  };
  s.log_message = [](void* ctx, tx_log_level, const char*) { calls_of(ctx).names.emplace_back("log_message"); };
  return s;
}

struct CommandRun {
  CallResult call;
  std::string diag;
  int exit_code = 0;
  ServiceCalls services;
};

CommandRun run(const tx_command_api& api, const std::vector<std::string>& args) {
  CommandRun r;
  std::vector<const char*> argv{api.name};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  const tx_host_services host = empty_host(r.services);
  const tx_sink diag = string_sink(r.diag);
  r.call = call("command '" + std::string(api.name) + "' run", [&](const tx_sink* out, const tx_sink* err) {
    return api.run(&api, static_cast<uint32_t>(args.size() + 1), argv.data(), &host, out, &diag, &r.exit_code, err);
  });
  return r;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

CheckResult check_help(const tx_command_api& api) {
  const CommandRun r = run(api, {"--help"});
  if (!r.call.ok())
    return fail("'" + std::string(api.name) + " --help' answered " + r.call.describe() + ", expected TX_OK");
  if (r.exit_code != 0) return fail("'--help' exits " + std::to_string(r.exit_code) + ", expected 0");
  if (r.call.out.empty()) return fail("'--help' printed nothing on out (stdout)");
  if (r.services.mutating)
    return fail("'--help' called a service that changes apps (" + joined(r.services.names) + ")");
  return pass("TX_OK, exit 0, " + std::to_string(r.call.out.size()) + " bytes of help");
}

CheckResult check_bad_argument(const tx_command_api& api) {
  const CommandRun r = run(api, {"--torchx-conformance-no-such-flag"});
  if (r.services.mutating) {
    return fail("an unknown flag made it call a service that changes apps (" + joined(r.services.names) + ")");
  }
  if (r.call.ok() && r.exit_code == 0) {
    return skip("accepted an unknown flag with exit 0 (a command that takes any argument)");
  }
  if (r.call.ok() && (r.exit_code < 0 || r.exit_code > 125)) {
    return fail("exit code " + std::to_string(r.exit_code) + " is outside 0..125");
  }
  if (!r.call.ok() && r.call.status != TX_E_INVALID_ARGUMENT) {
    return fail("an unknown flag answered " + r.call.describe() + ", expected TX_E_INVALID_ARGUMENT (a usage error)");
  }
  return pass(r.call.ok() ? "exit " + std::to_string(r.exit_code) : r.call.describe());
}

CheckResult check_services(const tx_command_api& api) {
  // Runs with no argument against the empty host: whatever the command asks must be answered
  // through the boundary, and its answer must be one a host can act on.
  const CommandRun r = run(api, {});
  if (r.services.mutating) {
    return fail("called a service that changes apps with no app to act on (" + joined(r.services.names) + ")");
  }
  if (r.call.ok() && (r.exit_code < 0 || r.exit_code > 125)) {
    return fail("exit code " + std::to_string(r.exit_code) + " is outside 0..125");
  }
  return pass("answered " + (r.call.ok() ? "exit " + std::to_string(r.exit_code) : r.call.describe()) +
              "; services called: " + joined(r.services.names));
}

}  // namespace

void check_command(const tx_command_api& api, const Options& options, Report& report) {
  const std::string prefix = "command/" + std::string(api.name) + "/";
  report.add(prefix + "help", run_isolated([&] { return check_help(api); }, options.timeout_s));
  report.add(prefix + "bad-argument", run_isolated([&] { return check_bad_argument(api); }, options.timeout_s));
  report.add(prefix + "services", run_isolated([&] { return check_services(api); }, options.timeout_s));
}

}  // namespace torchx::conformance
