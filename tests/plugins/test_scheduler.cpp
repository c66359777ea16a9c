// SPDX-License-Identifier: BSD-3-Clause
// A scheduler plugin for tests only (never bundled): apps are kept in a JSON file so that status,
// list, log and cancel work across processes. Nothing runs: an app moves to its final state
// (run option final_state, default SUCCEEDED) after `running_polls` describes, and the "log" of
// each replica is its args after macro substitution. Also provides two components.
#include <torchx/plugin.hpp>
#include <torchx/specs/macros.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace json = boost::json;
using namespace torchx;

namespace {

std::string store_path() {
  const char* p = std::getenv("TORCHX_TEST_SCHEDULER_STATE");
  return p != nullptr ? p : "/tmp/torchx-test-scheduler-" + std::to_string(::getuid()) + ".json";
}

/// The store, read and written under an exclusive lock on `<store>.lock`.
class Store {
public:
  Store() : m_lock(::open((store_path() + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600)) {
    if (m_lock < 0 || ::flock(m_lock, LOCK_EX) != 0) throw plugin::Unavailable("cannot lock " + store_path() + ".lock");
    std::ifstream in(store_path());
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto v = json::parse(text.str(), ec);
    m_apps = (!ec && v.is_object()) ? v.get_object() : json::object{};
  }
  ~Store() {
    if (m_lock >= 0) ::close(m_lock);
  }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  json::object& apps() { return m_apps; }
  void save() {
    const std::string tmp = store_path() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << json::serialize(m_apps);
      if (!out) throw plugin::Error(TX_E_INTERNAL, "cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), store_path().c_str()) != 0) throw plugin::Error(TX_E_INTERNAL, "cannot replace the store");
  }

private:
  int m_lock;
  json::object m_apps;
};

/// With TORCHX_TEST_SCHEDULER_CALLS set, appends `call` and a newline to that file: tests count
/// how often the host asks (run_opts, describe).
void record_call(const char* call) {
  if (const char* p = std::getenv("TORCHX_TEST_SCHEDULER_CALLS"); p != nullptr && *p != '\0') {
    std::ofstream(p, std::ios::app) << call << "\n";
  }
}

std::string random_suffix() {
  static const char* alphabet = "bcdfghjklmnpqrstvwxz0123456789";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 10; ++i) s += alphabet[rd() % 30];
  return s;
}

std::string cfg_string(const specs::Cfg& cfg, const char* key, const std::string& fallback) {
  const auto* v = cfg.get(key);
  return (v != nullptr && std::holds_alternative<std::string>(*v)) ? std::get<std::string>(*v) : fallback;
}

class TestScheduler : public plugin::Scheduler {
public:
  specs::RunOpts run_opts() override {
    record_call("run_opts");
    specs::RunOpts opts;
    opts.add("final_state", specs::CfgType::str, "the state apps end in (SUCCEEDED, FAILED, CANCELLED)",
             std::string("SUCCEEDED"));
    opts.add("running_polls", specs::CfgType::integer, "describes an app stays RUNNING before it ends", std::int64_t{0});
    opts.add("priority", specs::CfgType::floating, "accepted and echoed in the request", 0.5);
    opts.add("verbose", specs::CfgType::boolean, "accepted and echoed in the request", false);
    opts.add("tags", specs::CfgType::list_of_str, "accepted and echoed in the request");
    opts.add("labels", specs::CfgType::dict_of_str, "accepted and echoed in the request");
    opts.add("runs_locally", specs::CfgType::boolean, "declare that apps run on this machine (runs_locally)", false);
    return opts;
  }

  plugin::DryRunInfo submit_dryrun(const plugin::DryRunRequest& req) override {
    const specs::AppDef& app = req.app;
    const specs::Cfg& cfg = req.cfg;
    const std::string state = cfg_string(cfg, "final_state", "SUCCEEDED");
    if (!specs::app_state_from_string(state) || !specs::is_terminal(*specs::app_state_from_string(state))) {
      throw plugin::InvalidArgument("final_state must be SUCCEEDED, FAILED or CANCELLED, given '" + state + "'");
    }
    std::string text;
    json::array replicas;
    for (const auto& role : app.roles) {
      for (int i = 0; i < role.num_replicas; ++i) {
        const specs::macros::Values values{role.image, "${app_id}", std::to_string(i), "TORCHX_RANK0_HOST"};
        const specs::Role r = values.apply(role);
        std::string line = r.entrypoint;
        for (const auto& a : r.args) line += " " + a;
        text += role.name + "/" + std::to_string(i) + ": " + line + "\n";
        replicas.push_back({{"role", role.name}, {"replica", i}, {"command", line}});
      }
    }
    const auto* local = cfg.get("runs_locally");
    return plugin::DryRunInfo{
        json::serialize(json::object{{"replicas", std::move(replicas)},
                                     {"cfg", json::parse(specs::to_json(cfg))},
                                     {"workspace", req.workspace ? json::value(*req.workspace) : json::value(nullptr)}}),
        text, local != nullptr && std::holds_alternative<bool>(*local) && std::get<bool>(*local)};
  }

  std::string schedule(const plugin::ScheduleRequest& req) override {
    const std::string app_id = req.app.name + "-" + random_suffix();
    const auto* polls = req.cfg.get("running_polls");
    const std::int64_t running = (polls != nullptr && std::holds_alternative<std::int64_t>(*polls)) ? std::get<std::int64_t>(*polls) : 0;
    Store store;
    store.apps()[app_id] = json::object{{"app", json::parse(specs::to_json(req.app))},
                                        {"final_state", cfg_string(req.cfg, "final_state", "SUCCEEDED")},
                                        {"running_polls", running},
                                        {"state", running > 0 ? "RUNNING" : cfg_string(req.cfg, "final_state", "SUCCEEDED")}};
    store.save();
    plugin::log(TX_LOG_DEBUG, "scheduled " + app_id);
    return app_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    record_call("describe");
    Store store;
    auto* entry = store.apps().if_contains(app_id);
    if (entry == nullptr) return std::nullopt;
    auto& e = entry->as_object();
    if (e.at("state") == "RUNNING") {
      const std::int64_t left = e.at("running_polls").as_int64() - 1;
      e["running_polls"] = left;
      if (left <= 0) e["state"] = e.at("final_state");
      store.save();
    }
    const specs::AppDef app = specs::app_def_from_json(json::serialize(e.at("app")));
    specs::DescribeAppResponse r;
    r.app_id = app_id;
    r.state = *specs::app_state_from_string(std::string(e.at("state").as_string()));
    r.roles = app.roles;
    r.metadata = app.metadata;
    r.ui_url = "file://" + store_path();
    if (r.state == specs::AppState::FAILED) r.msg = "failed as asked (final_state=FAILED)";
    for (const auto& role : app.roles) {
      specs::RoleStatus rs{role.name, {}};
      for (int i = 0; i < role.num_replicas; ++i) rs.replicas.push_back({i, r.state, role.name, "localhost"});
      r.roles_statuses.push_back(std::move(rs));
    }
    return r;
  }

  std::vector<specs::ListAppResponse> list() override {
    Store store;
    std::vector<specs::ListAppResponse> out;
    for (const auto& kv : store.apps()) {
      const auto& e = kv.value().as_object();
      out.push_back({std::string(kv.key()), *specs::app_state_from_string(std::string(e.at("state").as_string())), "",
                     std::string(e.at("app").as_object().at("name").as_string())});
    }
    return out;
  }

  void cancel(const std::string& app_id) override {
    Store store;
    auto* entry = store.apps().if_contains(app_id);
    if (entry == nullptr) throw plugin::NotFound("app '" + app_id + "' not found");
    auto& e = entry->as_object();
    if (!specs::is_terminal(*specs::app_state_from_string(std::string(e.at("state").as_string())))) {
      e["state"] = "CANCELLED";
      store.save();
    }
  }

  void delete_app(const std::string& app_id) override {
    Store store;
    auto* entry = store.apps().if_contains(app_id);
    if (entry == nullptr) throw plugin::NotFound("app '" + app_id + "' not found");
    if (!specs::is_terminal(*specs::app_state_from_string(std::string(entry->as_object().at("state").as_string())))) {
      throw plugin::InvalidArgument("app '" + app_id + "' is still running: cancel it first");
    }
    store.apps().erase(app_id);
    store.save();
  }

  class Lines : public plugin::LogIterator {
  public:
    explicit Lines(std::vector<std::string> lines) : m_lines(std::move(lines)) {}
    std::optional<std::string> next() override {
      if (m_next >= m_lines.size()) return std::nullopt;
      return m_lines[m_next++];
    }

  private:
    std::vector<std::string> m_lines;
    std::size_t m_next = 0;
  };

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& q) override {
    if (q.since || q.until) throw plugin::Unsupported("scheduler 'test_sched' does not support log since/until");
    Store store;
    auto* entry = store.apps().if_contains(q.app_id);
    if (entry == nullptr) throw plugin::NotFound("app '" + q.app_id + "' not found");
    const specs::AppDef app = specs::app_def_from_json(json::serialize(entry->as_object().at("app")));
    for (const auto& role : app.roles) {
      if (role.name != q.role_name) continue;
      if (q.k < 0 || q.k >= role.num_replicas) {
        throw plugin::NotFound("role '" + role.name + "' has no replica " + std::to_string(q.k));
      }
      std::vector<std::string> lines;
      if (q.streams != specs::Stream::stderr_) {
        const specs::macros::Values values{role.image, q.app_id, std::to_string(q.k), "TORCHX_RANK0_HOST"};
        for (const auto& a : values.apply(role).args) {
          lines.push_back(a);  // the host applies --regex
        }
      }
      return std::make_unique<Lines>(std::move(lines));
    }
    throw plugin::NotFound("app '" + q.app_id + "' has no role '" + q.role_name + "'");
  }
};

specs::AppDef echo(const plugin::ComponentArgs& args) {
  const auto v = json::parse(args.args_json).as_object();
  specs::Role role;
  role.name = "echo";
  role.image = std::string(v.at("image").as_string());
  role.entrypoint = "echo";
  role.args = {std::string(v.at("msg").as_string())};
  role.num_replicas = static_cast<int>(v.at("num_replicas").as_int64());
  return specs::AppDef{"echo", {role}, {}};
}

specs::AppDef args_component(const plugin::ComponentArgs& args) {
  specs::Role role;
  role.name = "args";
  role.image = "/tmp";
  role.entrypoint = "printf";
  role.args = args.varargs;
  role.metadata.set("test.args", specs::JsonText::parse(args.args_json));
  return specs::AppDef{std::string(json::parse(args.args_json).as_object().at("name").as_string()), {role}, {}};
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p =
      plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
          .scheduler<TestScheduler>("test_sched", "a fake scheduler that keeps its apps in a file (tests only)")
          .component(plugin::Component{"test.echo",
                                       "Echoes a message (test component).",
                                       {{"msg", "str", "\"hello world\"", "the message", "", false},
                                        {"image", "str", "\"/tmp\"", "the image", "", false},
                                        {"num_replicas", "int", "1", "replicas", "", false}},
                                       &echo})
          .component(plugin::Component{"test.args",
                                       "Records its arguments (test component).",
                                       {{"name", "str", std::nullopt, "the app name", "", false},
                                        {"j", "str", "\"1x2\"", "nodes x procs", "j", false},
                                        {"count", "int", "1", "a count", "", false},
                                        {"ratio", "float", "0.5", "a ratio", "", false},
                                        {"debug", "bool", "false", "a flag", "", false},
                                        {"tags", "list", "null", "a list", "", false},
                                        {"env", "dict", "null", "a dict", "", false},
                                        {"script_args", "str", std::nullopt, "the rest", "", true}},
                                       &args_component})
          .named_resources("test_site", [] {
            specs::Resource r;
            r.cpu = 3;
            r.gpu = 1;
            r.memMB = 3000;
            r.devices.set("example.com/fpga", 2);
            return specs::Dict<specs::Resource>{{"test.big", r}};
          });
  return p.negotiate(host, info);
}
