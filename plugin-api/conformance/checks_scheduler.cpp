// SPDX-License-Identifier: BSD-3-Clause
// The checks of a scheduler table. Each runs in its own process with its own instance; none
// submits anything (schedule is never called).
#include "calls.hpp"
#include "checks.hpp"
#include "isolate.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace json = boost::json;

namespace torchx::conformance {
namespace {

/// A scheduler instance for the length of one check.
class Instance {
 public:
  explicit Instance(const tx_scheduler_api& api) : m_api(api) {
    created = call(what("create"),
                   [&](const tx_sink*, const tx_sink* err) { return api.create("conformance", &m_handle, err); });
  }
  ~Instance() {
    if (created.ok()) m_api.destroy(m_handle);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  /// `scheduler 'x' <fn>`, the name of a call in messages.
  [[nodiscard]] std::string what(const std::string& fn) const {
    return "scheduler '" + std::string(m_api.name) + "' " + fn;
  }
  /// SKIP (the backend is unavailable) or FAIL when create failed; nullopt when it worked.
  [[nodiscard]] std::optional<CheckResult> creation_failure() const {
    if (created.ok()) return std::nullopt;
    if (created.status == TX_E_UNAVAILABLE) return skip("the backend is unavailable: " + created.err);
    return fail("create answered " + created.describe());
  }
  [[nodiscard]] void* handle() const { return m_handle; }

  CallResult created;

 private:
  const tx_scheduler_api& m_api;
  void* m_handle = nullptr;
};

CheckResult unavailable(const CallResult& r) { return skip("the backend is unavailable: " + r.err); }

CheckResult check_create_destroy(const tx_scheduler_api& api) {
  Instance first(api);
  if (auto f = first.creation_failure()) return *f;
  Instance second(api);  // distinct instances are independent
  if (auto f = second.creation_failure()) return *f;
  return pass("two instances created and destroyed");
}

CheckResult check_run_opts(const tx_scheduler_api& api) {
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const CallResult r = call(inst.what("run_opts"), [&](const tx_sink* out, const tx_sink* err) {
    return api.run_opts(inst.handle(), out, err);
  });
  if (r.status == TX_E_UNAVAILABLE) return unavailable(r);
  if (!r.ok()) return fail("answered " + r.describe());
  try {
    const specs::RunOpts opts = specs::run_opts_from_json(r.out);
    return pass(counted(opts.size(), "run option"));
  } catch (const std::exception& e) {
    return fail("wrote an invalid run options schema: " + std::string(e.what()));
  }
}

CheckResult check_describe_unknown(const tx_scheduler_api& api, const Options& options) {
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const CallResult r = call(inst.what("describe"), [&](const tx_sink* out, const tx_sink* err) {
    return api.describe(inst.handle(), options.unknown_app_id.c_str(), out, err);
  });
  if (r.status == TX_E_UNAVAILABLE) return unavailable(r);
  if (r.status == TX_E_NOT_FOUND) {
    if (r.err.empty()) return fail("answered TX_E_NOT_FOUND without a message");
    return pass(r.describe());
  }
  if (r.ok()) {
    return fail("answered TX_OK for the unknown app id '" + options.unknown_app_id +
                "' (expected TX_E_NOT_FOUND: describe must never make up a state)");
  }
  return fail("answered " + r.describe() + " for the unknown app id '" + options.unknown_app_id +
              "', expected TX_E_NOT_FOUND");
}

CheckResult check_cancel_unknown(const tx_scheduler_api& api, const Options& options) {
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const auto cancel = [&] {
    return call(inst.what("cancel"), [&](const tx_sink*, const tx_sink* err) {
      return api.cancel(inst.handle(), options.unknown_app_id.c_str(), err);
    });
  };
  const CallResult first = cancel();
  const CallResult second = cancel();
  if (first.status == TX_E_UNAVAILABLE) return unavailable(first);
  if (!first.ok() && first.status != TX_E_NOT_FOUND) {
    return fail("answered " + first.describe() + " for the unknown app id '" + options.unknown_app_id +
                "', expected TX_E_NOT_FOUND or TX_OK");
  }
  if (second.status != first.status) {
    return fail("answered " + first.describe() + ", then " + second.describe() + ": cancel must be idempotent");
  }
  return pass(first.describe() + " twice");
}

CheckResult check_delete_unknown(const tx_scheduler_api& api, const Options& options) {
  if (api.delete_app == nullptr) return skip("the scheduler does not support delete (delete_app is NULL)");
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const CallResult r = call(inst.what("delete_app"), [&](const tx_sink*, const tx_sink* err) {
    return api.delete_app(inst.handle(), options.unknown_app_id.c_str(), err);
  });
  if (r.status == TX_E_UNAVAILABLE) return unavailable(r);
  if (r.status == TX_E_UNSUPPORTED) return skip("the scheduler does not support delete: " + r.err);
  if (r.status == TX_E_NOT_FOUND) return pass(r.describe());
  return fail("answered " + r.describe() + " for the unknown app id '" + options.unknown_app_id +
              "', expected TX_E_NOT_FOUND");
}

CheckResult check_logs_unknown(const tx_scheduler_api& api, const Options& options) {
  if (api.log_open == nullptr) return skip("the scheduler does not support logs (log_open is NULL)");
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const std::string query = json::serialize(json::object{{"app_id", options.unknown_app_id},
                                                         {"role_name", "main"},
                                                         {"k", 0},
                                                         {"regex", nullptr},
                                                         {"since", nullptr},
                                                         {"until", nullptr},
                                                         {"should_tail", false},
                                                         {"streams", nullptr}});
  void* iterator = nullptr;
  const CallResult r = call(inst.what("log_open"), [&](const tx_sink*, const tx_sink* err) {
    return api.log_open(inst.handle(), query.c_str(), &iterator, err);
  });
  if (r.ok()) {
    api.log_close(iterator);
    return fail("answered TX_OK for the logs of the unknown app id '" + options.unknown_app_id +
                "', expected TX_E_NOT_FOUND");
  }
  if (r.status == TX_E_UNAVAILABLE) return unavailable(r);
  if (r.status == TX_E_UNSUPPORTED) return skip("the scheduler does not support logs: " + r.err);
  if (r.status == TX_E_NOT_FOUND) return pass(r.describe());
  return fail("answered " + r.describe() + " for the logs of the unknown app id '" + options.unknown_app_id +
              "', expected TX_E_NOT_FOUND");
}

CheckResult check_list(const tx_scheduler_api& api) {
  if (api.list == nullptr) return skip("the scheduler does not support list (list is NULL)");
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const CallResult r = call(inst.what("list"),
                            [&](const tx_sink* out, const tx_sink* err) { return api.list(inst.handle(), out, err); });
  if (r.status == TX_E_UNAVAILABLE) return unavailable(r);
  if (r.status == TX_E_UNSUPPORTED) return skip("the scheduler does not support list: " + r.err);
  if (!r.ok()) return fail("answered " + r.describe());
  try {
    return pass(counted(specs::list_app_responses_from_json(r.out).size(), "app") + " listed");
  } catch (const std::exception& e) {
    return fail("wrote an invalid app list: " + std::string(e.what()));
  }
}

/// Why a dryrun answer is not `{"request": <any>, "request_text": "<text>", "runs_locally": bool
/// (optional)}`; empty if it is.
std::string dryrun_answer_problem(const std::string& text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return "wrote invalid JSON (" + ec.message() + ")";
  if (!v.is_object()) return "wrote JSON that is not an object";
  if (v.get_object().if_contains("request") == nullptr) return "wrote no \"request\"";
  const json::value* t = v.get_object().if_contains("request_text");
  if (t == nullptr || !t->is_string()) return "wrote no \"request_text\" string";
  const json::value* local = v.get_object().if_contains("runs_locally");
  if (local != nullptr && !local->is_bool() && !local->is_null()) return "wrote a \"runs_locally\" that is not a bool";
  return {};
}

CheckResult check_dryrun(const tx_scheduler_api& api, const Options& options) {
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const CallResult opts = call(inst.what("run_opts"), [&](const tx_sink* out, const tx_sink* err) {
    return api.run_opts(inst.handle(), out, err);
  });
  if (!opts.ok()) return skip("run_opts failed (see run-opts)");
  specs::Cfg cfg;
  try {
    cfg = specs::run_opts_from_json(opts.out).resolve({}, api.name);
  } catch (const specs::InvalidRunConfigError& e) {
    return skip("the run options have no defaults to dry-run with: " + std::string(e.what()));
  } catch (const std::exception& e) {
    return skip("run_opts wrote an invalid schema (see run-opts)");
  }
  // The smallest valid AppDef: one role, one replica, running `echo` in the scratch directory.
  const json::object app{{"name", "conformance"},
                         {"roles", json::array{json::object{{"name", "main"},
                                                            {"image", options.scratch_dir.string()},
                                                            {"entrypoint", "echo"},
                                                            {"args", json::array{"hello"}},
                                                            {"num_replicas", 1}}}}};
  const std::string request = json::serialize(json::object{{"app", app}, {"cfg", json::parse(specs::to_json(cfg))}});
  const auto dryrun = [&] {
    return call(inst.what("dryrun"), [&](const tx_sink* out, const tx_sink* err) {
      return api.dryrun(inst.handle(), request.c_str(), out, err);
    });
  };
  const CallResult first = dryrun();
  const CallResult second = dryrun();
  if (first.status == TX_E_UNAVAILABLE) return unavailable(first);
  if (first.ok()) {
    if (auto p = dryrun_answer_problem(first.out); !p.empty()) return fail(p);
    if (!second.ok()) return fail("the second dryrun answered " + second.describe());
    if (auto p = dryrun_answer_problem(second.out); !p.empty()) return fail("the second dryrun " + p);
    return pass("request and request_text of a one-role app");
  }
  if (first.status == TX_E_INVALID_ARGUMENT) {
    if (first.err.empty()) return fail("refused the one-role app with TX_E_INVALID_ARGUMENT and no message");
    if (second.status != first.status) return fail("answered " + first.describe() + ", then " + second.describe());
    return pass("refused the one-role app cleanly: " + first.describe());
  }
  return fail("answered " + first.describe() + ", expected TX_OK, TX_E_INVALID_ARGUMENT or TX_E_UNAVAILABLE");
}

CheckResult check_repeatable(const tx_scheduler_api& api, const Options& options) {
  Instance inst(api);
  if (auto f = inst.creation_failure()) return *f;
  const std::vector<std::pair<std::string, std::function<CallResult()>>> calls = {
      {"run_opts",
       [&] {
         return call(inst.what("run_opts"),
                     [&](const tx_sink* out, const tx_sink* err) { return api.run_opts(inst.handle(), out, err); });
       }},
      {"describe",
       [&] {
         return call(inst.what("describe"), [&](const tx_sink* out, const tx_sink* err) {
           return api.describe(inst.handle(), options.unknown_app_id.c_str(), out, err);
         });
       }},
      {"cancel", [&] {
         return call(inst.what("cancel"), [&](const tx_sink*, const tx_sink* err) {
           return api.cancel(inst.handle(), options.unknown_app_id.c_str(), err);
         });
       }}};
  for (const auto& [name, fn] : calls) {
    const CallResult first = fn();
    for (int i = 2; i <= 3; ++i) {
      const CallResult again = fn();
      if (auto d = difference(first, again); !d.empty()) {
        return fail(name + " call " + std::to_string(i) + " answered differently from call 1: " + d +
                    " (something leaks across calls)");
      }
    }
  }
  return pass("run_opts, describe and cancel answered the same three times");
}

}  // namespace

void check_scheduler(const tx_scheduler_api& api, const Options& options, Report& report) {
  const std::string prefix = "scheduler/" + std::string(api.name) + "/";
  const auto run = [&](const char* check, const std::function<CheckResult()>& fn) {
    report.add(prefix + check, run_isolated(fn, options.timeout_s));
  };
  run("create-destroy", [&] { return check_create_destroy(api); });
  run("run-opts", [&] { return check_run_opts(api); });
  run("describe-unknown", [&] { return check_describe_unknown(api, options); });
  run("cancel-unknown", [&] { return check_cancel_unknown(api, options); });
  run("delete-unknown", [&] { return check_delete_unknown(api, options); });
  run("logs-unknown", [&] { return check_logs_unknown(api, options); });
  run("log-read", [&] { return check_log_read(api, options); });
  run("list", [&] { return check_list(api); });
  run("dryrun", [&] { return check_dryrun(api, options); });
  run("repeatable", [&] { return check_repeatable(api, options); });
}

}  // namespace torchx::conformance
