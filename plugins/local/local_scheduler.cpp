// SPDX-License-Identifier: BSD-3-Clause
// The local_cwd scheduler plugin: durable, detachable local jobs, one supervisor per app.
#include "app_dir.hpp"

#include <torchx/plugin.hpp>
#include <torchx/specs/macros.hpp>
#include <torchx/util/shell.hpp>

#include <boost/json.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

namespace json = boost::json;
using namespace torchx;

namespace {

/// The directory this plugin's library lives in (<prefix>/lib/torchx/plugins).
std::filesystem::path plugin_dir() { return plugin::library_dir(); }

std::filesystem::path supervisor_exe() { return plugin_dir() / "../libexec/torchx-local-supervisor"; }
std::filesystem::path python_apps_dir() { return (plugin_dir() / "../../../share/torchx/python").lexically_normal(); }

/// TorchX's app id: `<name>-<random>`, the random part from TorchX's alphabet (no '8').
std::string make_unique(const std::string& name) {
  static const std::string first = "bcdfghjklmnpqrstvwxz";
  static const std::string rest = first + "012345679";
  std::random_device rd;
  std::string id(1, first[rd() % first.size()]);
  for (int i = 0; i < 12; ++i) id += rest[rd() % rest.size()];
  return name + "-" + id;
}

std::string getenv_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

bool cfg_flag(const specs::Cfg& cfg, const char* key) {
  const auto* v = cfg.get(key);
  return v != nullptr && std::holds_alternative<bool>(*v) && std::get<bool>(*v);
}

/// The number of GPUs `nvidia-smi -L` lists (0 when it is missing or fails).
int gpu_count() {
  FILE* p = ::popen("nvidia-smi -L 2>/dev/null", "r");
  if (p == nullptr) return 0;
  int lines = 0;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    if (std::string(buf).find_first_not_of(" \t\r\n") != std::string::npos) ++lines;
  }
  return ::pclose(p) == 0 ? lines : 0;
}

/// A test seam: sleeps as long as the variable `name` says (milliseconds, at most 60 s) to widen a
/// race window (tests/integration/test_local_recovery.cpp).
void test_delay(const char* name) {
  if (const char* ms = std::getenv(name); ms != nullptr) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp(std::atoi(ms), 0, 60000)));
  }
}

std::optional<json::object> read_json(const std::filesystem::path& p) {
  const auto text = local::read_file(p);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

/// Starts the supervisor for `app_dir`, fully detached (its own session, reparented to init), and
/// returns once it has started the replicas and written its first state: it says so on a pipe.
/// Throws with the supervisor's own words if it dies first.
void spawn_supervisor(const std::filesystem::path& app_dir, const std::string& app_id) {
  const std::string exe = supervisor_exe().string();
  const std::string dir = app_dir.string();
  const std::string log = (app_dir / local::k_supervisor_log).string();
  if (::access(exe.c_str(), X_OK) != 0) throw plugin::Unavailable("the local_cwd supervisor is missing: " + exe);
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw plugin::Error(TX_E_INTERNAL, "cannot create a pipe");
  const pid_t child = ::fork();
  if (child < 0) throw plugin::Error(TX_E_INTERNAL, "cannot fork the supervisor");
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::dup2(ready[1], 3);  // the readiness pipe, as fd 3 (dup2 clears close-on-exec)
    // Nothing else of the launcher's: an inherited pipe would keep its reader waiting for EOF.
    ::close_range(4, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::execl(exe.c_str(), exe.c_str(), dir.c_str(), "--ready-fd=3", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  pollfd p{ready[0], POLLIN, 0};
  char byte = 0;
  const bool ok = ::poll(&p, 1, 30000) == 1 && ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  if (!ok) {
    const auto text = local::read_file(log).value_or("");
    throw plugin::Error(TX_E_INTERNAL, "the supervisor of '" + app_id + "' did not start" +
                                           (text.empty() ? std::string{} : ": " + text.substr(0, text.find('\n'))));
  }
}

/// One CUDA_VISIBLE_DEVICES per replica (in role, replica order): consecutive GPU ranges for the
/// replicas that ask for GPUs, as TorchX assigns them; empty when not asked for or not enough.
std::vector<std::string> cuda_devices(const specs::AppDef& app, bool enabled) {
  int total = 0;
  std::size_t replicas = 0;
  for (const auto& role : app.roles) {
    total += std::max(role.resource.gpu, 0) * role.num_replicas;
    replicas += static_cast<std::size_t>(role.num_replicas);
  }
  std::vector<std::string> out(replicas);
  if (!enabled || total <= 0) {
    if (total > 0) plugin::log(TX_LOG_WARNING, "the app asks for GPUs; set -cfg auto_set_cuda_visible_devices=true to assign them");
    return out;
  }
  const int count = gpu_count();
  if (total > count) {
    plugin::log(TX_LOG_WARNING, "the app asks for " + std::to_string(total) + " GPUs, nvidia-smi lists " +
                                    std::to_string(count) + ": CUDA_VISIBLE_DEVICES not set");
    return out;
  }
  int next = 0;
  std::size_t i = 0;
  for (const auto& role : app.roles) {
    for (int k = 0; k < role.num_replicas; ++k, ++i) {
      const int g = std::max(role.resource.gpu, 0);
      std::string devices;
      for (int d = 0; d < g; ++d) devices += (d ? "," : "") + std::to_string(next++);
      out[i] = devices;
    }
  }
  return out;
}


class LocalCwdScheduler : public plugin::Scheduler {
public:
  specs::RunOpts run_opts() override {
    specs::RunOpts opts;
    opts.add("log_dir", specs::CfgType::str, "dir to write stdout/stderr log files of replicas");
    opts.add("prepend_cwd", specs::CfgType::boolean,
             "if set, prepends CWD to replica's PATH env var making any binaries in CWD take precedence over those in PATH",
             false);
    opts.add("auto_set_cuda_visible_devices", specs::CfgType::boolean,
             "sets the `CUDA_AVAILABLE_DEVICES` for roles that request GPU resources. Each role replica will be "
             "assigned one GPU. Does nothing if the device count is less than replicas.",
             false);
    return opts;
  }

  plugin::DryRunInfo dryrun(const specs::AppDef& app, const specs::Cfg& cfg) override {
    const std::string app_id = make_unique(app.name);
    const std::string cwd = std::filesystem::current_path().string();
    const std::filesystem::path root = local::state_root(false);
    const auto* log_dir_value = cfg.get("log_dir");
    const std::filesystem::path base = (log_dir_value != nullptr && std::holds_alternative<std::string>(*log_dir_value))
                                           ? std::filesystem::absolute(std::get<std::string>(*log_dir_value)) / app_id
                                           : root / app_id;
    const bool prepend_cwd = cfg_flag(cfg, "prepend_cwd");
    const std::vector<std::string> cuda = cuda_devices(app, cfg_flag(cfg, "auto_set_cuda_visible_devices"));
    const std::string host_path = getenv_or("PATH", "");
    const std::string apps = python_apps_dir().string();

    json::array roles;
    std::string text = "local_cwd: app '" + app_id + "' in " + cwd + "\n";
    std::size_t replica_index = 0;
    for (const auto& role : app.roles) {
      json::array replicas;
      for (int i = 0; i < role.num_replicas; ++i, ++replica_index) {
        const specs::macros::Values values{cwd, app_id, std::to_string(i), "TORCHX_RANK0_HOST"};
        const specs::Role r = values.apply(role);
        const std::filesystem::path dir = base / role.name / std::to_string(i);
        specs::Dict<std::string> env = r.env;
        // PATH: the role's, with the cwd appended (or prepended), then the launcher's.
        std::string path = env.get("PATH") != nullptr ? *env.get("PATH") : "";
        path = prepend_cwd ? cwd + (path.empty() ? "" : ":" + path) : (path.empty() ? cwd : path + ":" + cwd);
        env.set("PATH", path + (host_path.empty() ? "" : ":" + host_path));
        env.set("TORCHX_RANK0_HOST", "localhost");
        env.set_default("TORCHELASTIC_ERROR_FILE", (dir / "error.json").string());
        env.set_default("PET_LOG_DIR", (base / "torchelastic" / role.name).string());
        env.set_default("PYTHONUNBUFFERED", "x");
        // Our own Python apps (torchx.apps.*) go last, so a real Python TorchX still wins.
        const std::string py = env.get("PYTHONPATH") != nullptr ? *env.get("PYTHONPATH") : getenv_or("PYTHONPATH", "");
        env.set("PYTHONPATH", py.empty() ? apps : py + ":" + apps);
        if (!cuda.empty() && !cuda[replica_index].empty()) env.set("CUDA_VISIBLE_DEVICES", cuda[replica_index]);
        json::array argv{json::value(r.entrypoint)};
        for (const auto& a : r.args) argv.emplace_back(a);
        json::object env_json;
        for (const auto& [k, v] : env) env_json[k] = v;
        std::vector<std::string> words{r.entrypoint};
        words.insert(words.end(), r.args.begin(), r.args.end());
        text += "  " + role.name + "/" + std::to_string(i) + ": " + util::shell_join(words) + "\n";
        replicas.push_back({{"id", i}, {"argv", std::move(argv)}, {"env", std::move(env_json)}, {"cwd", cwd},
                            {"dir", dir.string()}});
      }
      roles.push_back({{"name", role.name},
                       {"max_retries", role.max_retries},
                       {"retry_policy", specs::to_string(role.retry_policy)},
                       {"replicas", std::move(replicas)}});
    }
    text += "  logs: " + base.string();
    const double grace = std::stod(getenv_or("TORCHX_LOCAL_GRACE_SECONDS", "10"));
    json::object request{{"app_id", app_id}, {"root", root.string()}, {"log_base", base.string()},
                         {"grace_seconds", grace}, {"roles", std::move(roles)}};
    return plugin::DryRunInfo{json::serialize(request), text};
  }

  std::string schedule(const plugin::ScheduleRequest& req) override {
    auto request = json::parse(req.request_json).as_object();
    const std::string app_id(request.at("app_id").as_string());
    const std::filesystem::path root = local::state_root(true);
    const std::filesystem::path app_dir = root / app_id;
    if (::mkdir(app_dir.c_str(), 0700) != 0) {
      throw plugin::Error(TX_E_INTERNAL, "cannot create " + app_dir.string() + ": " + std::strerror(errno) +
                                             (errno == EEXIST ? " (app ids are never reused: run again)" : ""));
    }
    for (const auto& role : request.at("roles").as_array()) {
      for (const auto& r : role.at("replicas").as_array()) {
        std::filesystem::create_directories(std::string(r.at("dir").as_string()));
      }
    }
    local::write_atomically(app_dir / local::k_app_file, specs::to_json(req.app));
    local::write_atomically(app_dir / local::k_request_file, json::serialize(request));
    spawn_supervisor(app_dir, app_id);
    return app_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    if (app_id.empty() || app_id.find('/') != std::string::npos || app_id == "." || app_id == "..") return std::nullopt;
    const std::filesystem::path dir = local::state_root(false) / app_id;
    const auto app_json = read_json(dir / local::k_app_file);
    if (!app_json) return std::nullopt;
    const specs::AppDef app = specs::app_def_from_json(json::serialize(*app_json));
    json::object state = settled_state(dir);

    specs::DescribeAppResponse r;
    r.app_id = app_id;
    r.state = specs::app_state_from_string(std::string(state.at("state").as_string())).value_or(specs::AppState::UNKNOWN);
    r.num_restarts = static_cast<int>(state.at("num_restarts").to_number<std::int64_t>());
    r.msg = std::string(state.at("msg").as_string());
    r.structured_error_msg = std::string(state.at("structured_error_msg").as_string());
    r.ui_url = "file://" + dir.string();
    r.roles = app.roles;
    r.metadata = app.metadata;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    for (const auto& role : app.roles) {
      specs::RoleStatus rs{role.name, {}};
      for (const auto& rv : state.at("replicas").as_array()) {
        const auto& ro = rv.as_object();
        if (ro.at("role") != role.name.c_str()) continue;
        specs::ReplicaStatus s;
        s.id = static_cast<int>(ro.at("id").as_int64());
        s.state = specs::app_state_from_string(std::string(ro.at("state").as_string())).value_or(specs::AppState::UNKNOWN);
        s.role = role.name;
        s.hostname = host;
        if (const auto* e = ro.if_contains("structured_error_msg"); e != nullptr && e->is_string()) {
          s.structured_error_msg = std::string(e->get_string());
        }
        rs.replicas.push_back(s);
      }
      r.roles_statuses.push_back(std::move(rs));
    }
    return r;
  }

  std::vector<specs::ListAppResponse> list() override {
    std::vector<std::pair<double, specs::ListAppResponse>> apps;
    const std::filesystem::path root = local::state_root(false);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      if (!e.is_directory(ec)) continue;
      const std::string id = e.path().filename().string();
      auto d = describe(id);
      if (!d) continue;
      const auto app = read_json(e.path() / local::k_app_file);
      const auto state = read_json(e.path() / local::k_state_file);
      const double started = (state && state->contains("started_at")) ? state->at("started_at").to_number<double>() : 0.0;
      apps.emplace_back(started, specs::ListAppResponse{id, d->state, "", std::string(app->at("name").as_string())});
    }
    std::sort(apps.begin(), apps.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<specs::ListAppResponse> out;
    for (auto& [t, item] : apps) out.push_back(std::move(item));
    return out;
  }

  void cancel(const std::string& app_id) override {
    auto d = describe(app_id);
    if (!d) throw plugin::NotFound("app '" + app_id + "' not found");
    if (specs::is_terminal(d->state)) return;
    const std::filesystem::path dir = local::state_root(false) / app_id;
    const auto state = read_json(dir / local::k_state_file);
    const pid_t supervisor = state ? static_cast<pid_t>(state->at("supervisor_pid").as_int64()) : 0;
    if (supervisor > 0 && local::supervisor_alive(dir)) ::kill(supervisor, SIGTERM);
  }

  void delete_app(const std::string& app_id) override {
    auto d = describe(app_id);
    if (!d) throw plugin::NotFound("app '" + app_id + "' not found");
    if (!specs::is_terminal(d->state)) {
      throw plugin::InvalidArgument("app '" + app_id + "' is still " + specs::to_string(d->state) + ": cancel it first");
    }
    test_delay("TORCHX_LOCAL_TEST_DELETE_DELAY_MS");
    const std::filesystem::path dir = local::state_root(false) / app_id;
    if (const auto request = read_json(dir / local::k_request_file)) {
      const std::filesystem::path base(std::string(request->at("log_base").as_string()));
      if (base != dir) std::filesystem::remove_all(base);
    }
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& q) override;

private:
  /// state.json, made final if the supervisor is gone without writing a final state (FAILED with
  /// the reason; its replicas' groups are killed), or SUBMITTED before its first write.
  static json::object settled_state(const std::filesystem::path& dir) {
    auto state = read_json(dir / local::k_state_file);
    const bool terminal = state && specs::is_terminal(specs::app_state_from_string(
                                       std::string(state->at("state").as_string())).value_or(specs::AppState::UNKNOWN));
    if (terminal) return *state;
    if (local::supervisor_alive(dir)) {
      if (state) return *state;
      return json::object{{"state", "SUBMITTED"}, {"num_restarts", 0}, {"msg", ""}, {"structured_error_msg", "<NONE>"},
                          {"replicas", json::array{}}};
    }
    state = read_json(dir / local::k_state_file);  // it may have finished between the two reads
    if (state && specs::is_terminal(specs::app_state_from_string(std::string(state->at("state").as_string()))
                                        .value_or(specs::AppState::UNKNOWN))) {
      return *state;
    }
    json::object failed = state.value_or(json::object{{"num_restarts", 0}, {"structured_error_msg", "<NONE>"},
                                                      {"replicas", json::array{}}});
    const std::string pid = failed.contains("supervisor_pid") ? json::serialize(failed.at("supervisor_pid")) : "?";
    for (auto& rv : failed.at("replicas").as_array()) {
      auto& ro = rv.as_object();
      if (ro.at("state") == "RUNNING" || ro.at("state") == "PENDING") {
        if (ro.at("pid").is_int64() && ro.at("pid").as_int64() > 0) ::killpg(static_cast<pid_t>(ro.at("pid").as_int64()), SIGKILL);
        ro["state"] = "FAILED";
      }
    }
    failed["state"] = "FAILED";
    const auto log = local::read_file(dir / local::k_supervisor_log).value_or("");
    failed["msg"] = "the supervisor (pid " + pid + ") died without writing a final state" +
                    (log.empty() ? std::string{} : ": " + log.substr(0, log.find('\n')));
    try {
      local::write_atomically(dir / local::k_state_file, json::serialize(failed));
    } catch (const std::exception&) {  // reporting the failure matters more than recording it
    }
    return failed;
  }

  friend class LocalLogIterator;
};

/// Reads one replica's log file line by line; with should_tail, waits for more until the app ends.
class LocalLogIterator : public plugin::LogIterator {
public:
  LocalLogIterator(std::filesystem::path dir, std::filesystem::path file, bool tail, std::optional<std::regex> regex)
      : m_dir(std::move(dir)), m_file(std::move(file)), m_tail(tail), m_regex(std::move(regex)) {}

  std::optional<std::string> next() override {
    while (true) {
      if (auto line = next_line()) {
        m_backoff_ms = 5;
        if (!m_regex || std::regex_search(*line, *m_regex)) return line;
        continue;
      }
      if (m_ended) return std::nullopt;
      if (!m_tail) {  // a snapshot: what is written, including a last line without a line break
        m_ended = true;
        continue;
      }
      // At the end of what was written: done if the app has ended (after one last read).
      const auto state = LocalCwdScheduler::settled_state(m_dir);
      if (specs::is_terminal(specs::app_state_from_string(std::string(state.at("state").as_string()))
                                 .value_or(specs::AppState::UNKNOWN))) {
        m_ended = true;
        continue;
      }
      // Nothing new yet: wait a little, longer the longer the replica stays quiet (5 ms to 100 ms).
      std::this_thread::sleep_for(std::chrono::milliseconds(m_backoff_ms));
      m_backoff_ms = std::min(m_backoff_ms * 2, 100);
    }
  }

private:
  std::optional<std::string> next_line() {
    if (!m_in.is_open()) {
      m_in.open(m_file, std::ios::binary);
      if (!m_in.is_open()) return std::nullopt;
    }
    while (true) {
      // m_buffer[m_pos, size) is unread; lines are cut from it without moving the rest.
      const auto nl = m_buffer.find('\n', m_scan);
      if (nl != std::string::npos) {
        std::string line = m_buffer.substr(m_pos, nl - m_pos);
        m_pos = m_scan = nl + 1;
        return line;
      }
      m_buffer.erase(0, m_pos);  // compact once per chunk, not once per line
      m_pos = 0;
      m_scan = m_buffer.size();
      char chunk[1 << 16];
      m_in.clear();
      m_in.read(chunk, sizeof chunk);
      const std::streamsize n = m_in.gcount();
      if (n <= 0) {
        if (m_ended && !m_buffer.empty()) {  // a last line without a line break
          std::string line = std::move(m_buffer);
          m_buffer.clear();
          m_scan = 0;
          return line;
        }
        return std::nullopt;
      }
      m_buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::filesystem::path m_dir;
  std::filesystem::path m_file;
  bool m_tail;
  std::optional<std::regex> m_regex;
  std::ifstream m_in;
  std::string m_buffer;
  std::size_t m_pos = 0;
  std::size_t m_scan = 0;
  bool m_ended = false;
  int m_backoff_ms = 5;
};

std::unique_ptr<plugin::LogIterator> LocalCwdScheduler::log_iter(const specs::LogQuery& q) {
  if (q.since || q.until) throw plugin::Unsupported("scheduler 'local_cwd' does not support log since/until");
  const std::filesystem::path dir = local::state_root(false) / q.app_id;
  const auto request = read_json(dir / local::k_request_file);
  if (!request) throw plugin::NotFound("app '" + q.app_id + "' not found");
  for (const auto& role : request->at("roles").as_array()) {
    if (role.at("name") != q.role_name.c_str()) continue;
    for (const auto& r : role.at("replicas").as_array()) {
      if (r.at("id").as_int64() != q.k) continue;
      const std::string stream = q.streams ? specs::to_string(*q.streams) : "combined";
      std::optional<std::regex> regex;
      if (q.regex) {
        try {
          regex.emplace(*q.regex);
        } catch (const std::regex_error& e) {
          throw plugin::InvalidArgument("invalid --regex '" + *q.regex + "': " + e.what());
        }
      }
      // Not tailing: whatever was written, to the last line (also one without a line break).
      auto it = std::make_unique<LocalLogIterator>(dir, std::filesystem::path(std::string(r.at("dir").as_string())) /
                                                            (stream + ".log"),
                                                   q.should_tail, std::move(regex));
      return it;
    }
    throw plugin::NotFound("role '" + q.role_name + "' of app '" + q.app_id + "' has no replica " + std::to_string(q.k));
  }
  throw plugin::NotFound("app '" + q.app_id + "' has no role '" + q.role_name + "'");
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = plugin::Plugin("local", TORCHX_VERSION)
                                .scheduler<LocalCwdScheduler>("local_cwd", "durable local jobs run by a per-app supervisor");
  return p.negotiate(host, info);
}
