// SPDX-License-Identifier: BSD-3-Clause
// The local_cwd scheduler plugin: durable, detachable local jobs, one supervisor per app.
#include "app_dir.hpp"
#include "list_index.hpp"

#include <torchx/util/app_id.hpp>
#include <torchx/util/log_file.hpp>
#include <torchx/plugin.hpp>
#include <torchx/specs/macros.hpp>
#include <torchx/util/shell.hpp>

#include <boost/json.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

namespace json = boost::json;
using namespace torchx;

namespace {

/// The directory this plugin's library lives in (<prefix>/lib/torchx/plugins).
std::filesystem::path plugin_dir() { return plugin::library_dir(); }

std::filesystem::path supervisor_exe() { return plugin_dir() / "../libexec/torchx-local-supervisor"; }
std::filesystem::path python_apps_dir() { return (plugin_dir() / "../../../share/torchx/python").lexically_normal(); }


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

/// The first line of `text`, at most 300 characters (for one-line messages).
std::string first_line_of(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

/// A state.json that exists but cannot be used: reported (UNKNOWN, with this message), never
/// replaced, never acted on.
struct CorruptState : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What is wrong with a parsed state.json ("" if nothing): the fields readers rely on.
std::string state_problem(const json::object& s) {
  for (const char* key : {"state", "msg", "structured_error_msg"}) {
    if (!s.contains(key) || !s.at(key).is_string()) return std::string("'") + key + "' is not a string";
  }
  if (!s.contains("num_restarts") || !s.at("num_restarts").is_int64()) return "'num_restarts' is not an integer";
  if (!s.contains("replicas") || !s.at("replicas").is_array()) return "'replicas' is not a list";
  for (const auto& r : s.at("replicas").as_array()) {
    const auto* o = r.if_object();
    if (o == nullptr || !o->contains("role") || !o->at("role").is_string() || !o->contains("id") ||
        !o->at("id").is_int64() || !o->contains("state") || !o->at("state").is_string()) {
      return "a replica lacks its role, id or state";
    }
  }
  return "";
}

/// The app's state.json: nullopt if there is none yet; throws CorruptState if it is unusable.
std::optional<json::object> load_state(const std::filesystem::path& dir) {
  const auto text = local::read_file(dir / local::k_state_file);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  const std::string problem = ec ? "not JSON (" + ec.message() + ")" : !v.is_object() ? "not a JSON object"
                                                                                       : state_problem(v.as_object());
  if (!problem.empty()) throw CorruptState(dir.filename().string() + ": state.json is corrupt: " + problem);
  return std::move(v.as_object());
}

bool terminal(const json::object& state) {
  return specs::is_terminal(specs::app_state_from_string(std::string(state.at("state").as_string()))
                                .value_or(specs::AppState::UNKNOWN));
}

std::string string_or(const json::object& o, const char* key, const std::string& fallback = "") {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : fallback;
}

std::int64_t int_or(const json::object& o, const char* key, std::int64_t fallback = 0) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return fallback;
}

/// True only if the process the record names (`pid_key`, `start_key`) is, provably, still it.
bool still_ours(const json::object& state, const json::object& record, const char* pid_key, const char* start_key) {
  const auto pid = int_or(record, pid_key);
  const auto start = int_or(record, start_key);
  return pid > 0 && start > 0 &&
         local::same_process(static_cast<pid_t>(pid), static_cast<std::uint64_t>(start), string_or(state, "boot_id"));
}

/// final.record, if the supervisor had to write one (its state.json write failed): an object with
/// a final state.
std::optional<json::object> final_record(const std::filesystem::path& dir) {
  const auto text = local::read_file(dir / local::k_final_file);
  if (!text || text->find_first_not_of(' ') == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("state") || !v.as_object().at("state").is_string() ||
      !terminal(v.as_object())) {
    return std::nullopt;
  }
  return std::move(v.as_object());
}

/// Closes a file descriptor (and so releases its lock) at the end of a scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// The supervisor gave up before starting any replica (it is exiting), and said why.
struct SupervisorRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Starts the supervisor for `app_dir`, fully detached (its own session, reparented to init), and
/// returns once it has started the replicas and written its first state: it says so on a pipe.
/// Throws with the supervisor's own words if it dies first.
/// `lock` is the app's supervisor.lock, locked: the supervisor inherits it (as fd 4).
void spawn_supervisor(const std::filesystem::path& app_dir, const std::string& app_id, int lock) {
  const std::string exe = supervisor_exe().string();
  const std::string dir = app_dir.string();
  const std::string log = (app_dir / local::k_supervisor_log).string();
  if (::access(exe.c_str(), X_OK) != 0) throw plugin::Unavailable("the local_cwd supervisor is missing: " + exe);
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw plugin::Error(TX_E_INTERNAL, "cannot create a pipe");
  // posix_spawn (a vfork: no copy of this process's page tables) in a session of its own; the
  // supervisor forks once more itself (--detach) so that it is never our child. Its fds: 0 from
  // /dev/null, 1 and 2 to supervisor.log, 3 the readiness pipe, 4 the locked supervisor.lock
  // (the lock passes on, never free), nothing else of ours (an inherited pipe would keep its
  // reader waiting for EOF). Out of the way first: the lock or the pipe may be fd 3 or 4.
  Fd ready_fd(::fcntl(ready[1], F_DUPFD_CLOEXEC, 10));
  const Fd lock_fd(::fcntl(lock, F_DUPFD_CLOEXEC, 10));
  ::close(ready[1]);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  ::posix_spawn_file_actions_adddup2(&actions, 1, 2);
  ::posix_spawn_file_actions_adddup2(&actions, ready_fd.fd, 3);
  ::posix_spawn_file_actions_adddup2(&actions, lock_fd.fd, 4);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 5);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const char* argv[] = {exe.c_str(), dir.c_str(), "--ready-fd=3", "--lock-fd=4", "--detach", nullptr};
  pid_t child = -1;
  const int spawned = ready_fd.fd < 0 || lock_fd.fd < 0
                          ? EBADF
                          : ::posix_spawn(&child, exe.c_str(), &actions, &attr, const_cast<char* const*>(argv), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  ::close(ready_fd.fd);  // now: the supervisor's death must give EOF
  ready_fd.fd = -1;
  if (spawned != 0) {
    ::close(ready[0]);
    throw plugin::Error(TX_E_INTERNAL, std::string("cannot start the supervisor: ") + std::strerror(spawned));
  }
  // "1": running. "!WHY": it gave up before starting any replica. Nothing (EOF): it died.
  // The answer first, then the reap of the first process (it exits as soon as it has forked the
  // supervisor, or dies, which closes its end of the pipe too): one wake-up of this process
  // instead of two, which on a loaded machine is a scheduling delay less on every launch.
  pollfd p{ready[0], POLLIN, 0};
  std::string answer;
  if (::poll(&p, 1, 30000) == 1) {
    char buf[1024];
    for (ssize_t n; answer.size() < 4096 && (n = ::read(ready[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      answer.append(buf, static_cast<std::size_t>(n));
      if (answer == "1") break;  // it keeps the pipe no longer, but need not close it at once
    }
  }
  ::close(ready[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (answer.starts_with("!")) throw SupervisorRefused(answer.substr(1));
  if (answer != "1") {
    const auto text = local::read_file(log).value_or("");
    throw plugin::Error(TX_E_INTERNAL, "the supervisor of '" + app_id + "' did not start" +
                                           (text.empty() ? std::string{} : ": " + text.substr(0, text.find('\n'))));
  }
}

/// One CUDA_VISIBLE_DEVICES per replica (in role, replica order): consecutive GPU ranges for the
/// replicas that ask for GPUs, as TorchX assigns them; empty when not asked for or not enough.
std::vector<std::string> cuda_devices(const specs::AppDef& app, bool enabled) {
  // In 64 bits and capped at INT_MAX (more than any machine has): gpu * num_replicas overflows int.
  long long total = 0;
  std::size_t replicas = 0;
  for (const auto& role : app.roles) {
    const long long asked = static_cast<long long>(std::max(role.resource.gpu, 0)) * std::max(role.num_replicas, 0);
    total = std::min<long long>(total + asked, INT_MAX);
    replicas += static_cast<std::size_t>(std::max(role.num_replicas, 0));
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

/// Refuses names that would clash with the app's own files: an app directory named with a leading
/// '.' is hidden (`.deleting-*` is a delete in progress), and each role is a directory beside
/// app.json, state.json, ... (a role named `state.json` left the supervisor unable to save).
void check_names(const specs::AppDef& app) {
  std::vector<std::string> problems;
  if (app.name.starts_with(".")) problems.push_back("app name '" + app.name + "' starts with '.'");
  static const std::vector<std::string> reserved{local::k_app_file,  local::k_request_file,    local::k_state_file,
                                                 local::k_lock_file, local::k_supervisor_log, local::k_final_file,
                                                 local::k_cancel_file};
  for (const auto& role : app.roles) {
    if (std::find(reserved.begin(), reserved.end(), role.name) != reserved.end()) {
      problems.push_back("role name '" + role.name + "' is the name of one of the app's own files");
    }
  }
  if (!problems.empty()) {
    std::string text;
    for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
    throw plugin::InvalidArgument(text + " (rename it)");
  }
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

  plugin::DryRunInfo submit_dryrun(const plugin::DryRunRequest& req) override {
    const specs::AppDef& app = req.app;
    const specs::Cfg& cfg = req.cfg;
    check_names(app);
    const std::string app_id = util::make_app_id(app.name);
    // Replicas run in the workspace (the directory `torchx run` was started from by default).
    std::string cwd;
    if (req.workspace) {
      cwd = *req.workspace;
    } else {  // not value_or(current_path()): that asks for a current directory even with a workspace
      std::error_code ec;
      cwd = std::filesystem::current_path(ec).string();
      if (ec) throw plugin::InvalidArgument("no workspace, and the current directory cannot be used (" + ec.message() +
                                            "): pass --workspace DIR");
    }
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
    double grace = 10;
    try {
      grace = local::parse_seconds("TORCHX_LOCAL_GRACE_SECONDS", getenv_or("TORCHX_LOCAL_GRACE_SECONDS", "10"),
                                   local::k_max_grace_seconds);
    } catch (const std::invalid_argument& e) {
      throw plugin::InvalidArgument(e.what());
    }
    json::object request{{"app_id", app_id}, {"root", root.string()}, {"log_base", base.string()},
                         {"grace_seconds", grace}, {"roles", std::move(roles)}};
    return plugin::DryRunInfo{json::serialize(request), text, /*runs_locally=*/true};
  }

  std::string schedule(const plugin::ScheduleRequest& req) override {
    auto request = json::parse(req.request_json).as_object();
    const std::string app_id(request.at("app_id").as_string());
    std::filesystem::path root;
    try {
      root = local::state_root(true);
    } catch (const std::runtime_error& e) {
      throw plugin::Error(TX_E_INTERNAL, e.what());
    }
    const std::filesystem::path app_dir = root / app_id;
    if (::mkdir(app_dir.c_str(), 0700) != 0) {
      throw plugin::Error(TX_E_INTERNAL, "cannot create " + app_dir.string() + ": " + std::strerror(errno) +
                                             (errno == EEXIST ? " (app ids are never reused: run again)" : ""));
    }
    // The lock before app.json: from the moment a reader can see the app until its supervisor
    // ends, the lock is held (by us, then by the supervisor that inherits it), so no reader ever
    // takes a starting app for a dead one.
    const Fd lock(::open((app_dir / local::k_lock_file).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (lock.fd < 0 || ::flock(lock.fd, LOCK_EX) != 0) {
      throw plugin::Error(TX_E_INTERNAL, "cannot lock " + (app_dir / local::k_lock_file).string() + ": " +
                                             std::strerror(errno));
    }
    // An app that cannot start (a full disk) leaves nothing behind: no command would show or
    // delete a directory without app.json, and each try would leave another. We hold the lock.
    const auto discard = [&](const std::string& why) {
      std::error_code ec;
      std::filesystem::remove_all(app_dir, ec);
      if (const auto* base = request.if_contains("log_base"); base != nullptr && base->is_string()) {
        if (const std::filesystem::path b(std::string(base->get_string())); b != app_dir) std::filesystem::remove_all(b, ec);
      }
      return plugin::Error(TX_E_INTERNAL, "cannot start app '" + app_id + "': " + why);
    };
    try {
      for (const auto& role : request.at("roles").as_array()) {
        for (const auto& r : role.at("replicas").as_array()) {
          std::filesystem::create_directories(std::string(r.at("dir").as_string()));
        }
      }
      local::write_atomically(app_dir / local::k_app_file, specs::to_json(req.app));
      local::write_atomically(app_dir / local::k_request_file, json::serialize(request));
    } catch (const std::system_error& e) {
      throw discard(e.what());
    }
    try {
      spawn_supervisor(app_dir, app_id, lock.fd);
    } catch (const SupervisorRefused& e) {
      throw discard(e.what());
    }
    // Said plainly where the machine gives the supervisor no cgroup (its first state says how).
    if (const auto state = read_json(app_dir / local::k_state_file)) {
      if (const std::string how = string_or(*state, "containment"); !how.empty() && !how.starts_with("cgroup ")) {
        plugin::log(TX_LOG_INFO, "local_cwd: " + how);
      }
    }
    return app_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    if (app_id.empty() || app_id.find('/') != std::string::npos || app_id == "." || app_id == "..") return std::nullopt;
    const std::filesystem::path dir = local::state_root(false) / app_id;
    const auto app_text = local::read_file(dir / local::k_app_file);
    if (!app_text) return std::nullopt;
    specs::DescribeAppResponse r;
    r.app_id = app_id;
    specs::AppDef app;
    try {
      app = specs::app_def_from_json(*app_text);
    } catch (const std::exception& e) {  // told like a corrupt state.json: the app is there, UNKNOWN
      r.state = specs::AppState::UNKNOWN;
      r.msg = app_id + ": app.json is corrupt: " + first_line_of(e.what());
      r.ui_url = "file://" + dir.string();
      return r;
    }
    json::object state;
    try {
      state = settled_state(dir);
    } catch (const CorruptState& e) {  // told, never replaced: the app is UNKNOWN, with the reason
      r.state = specs::AppState::UNKNOWN;
      r.msg = e.what();
      r.ui_url = "file://" + dir.string();
      r.roles = std::move(app.roles);
      r.metadata = std::move(app.metadata);
      return r;
    }

    r.state = specs::app_state_from_string(std::string(state.at("state").as_string())).value_or(specs::AppState::UNKNOWN);
    r.num_restarts = static_cast<int>(state.at("num_restarts").to_number<std::int64_t>());
    r.msg = std::string(state.at("msg").as_string());
    r.structured_error_msg = std::string(state.at("structured_error_msg").as_string());
    r.ui_url = "file://" + dir.string();
    r.roles = std::move(app.roles);
    r.metadata = std::move(app.metadata);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    for (const auto& role : r.roles) {
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

  /// Every app, newest first. Finished apps come from the list index when their directory is, by
  /// readdir's inode number, the one the index row was made from (list_index.hpp); every other app
  /// is read (and settled) from its own files, and the index is rewritten when it differed from
  /// what was found.
  std::vector<specs::ListAppResponse> list() override {
    const std::filesystem::path root = local::state_root(false);
    const Fd rootfd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (rootfd.fd < 0) return {};  // no state root yet: no apps
    DIR* listing = ::fdopendir(::dup(rootfd.fd));
    if (listing == nullptr) return {};
    std::vector<std::pair<std::string, std::uint64_t>> ids;  // name, d_ino
    while (const dirent* e = ::readdir(listing)) {
      if (e->d_name[0] == '.') continue;  // .deleting-*: a delete in progress; .list-index
      if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
      ids.emplace_back(e->d_name, static_cast<std::uint64_t>(e->d_ino));
    }
    ::closedir(listing);

    const auto old_text = local::read_file(root / local::k_list_index_file);
    const auto index = local::parse_list_index(old_text.value_or(""));
    // The finished apps, the next index: rows still valid (not copied unless the index is
    // rewritten) and rows read now.
    std::vector<const local::IndexRow*> kept;
    kept.reserve(ids.size());
    std::vector<local::IndexRow> fresh;
    std::vector<std::pair<double, specs::ListAppResponse>> apps;
    apps.reserve(ids.size());
    // Rewritten when a row went stale, a finished app was not in it, or it has rows of deleted
    // apps; not for running apps or stray directories (they never have rows).
    bool changed = !old_text;
    for (const auto& [id, ino] : ids) {
      if (const auto it = index.find(id); it != index.end()) {
        if (ino != 0 && it->second.dir_ino == ino) {
          const auto& r = it->second;
          apps.emplace_back(r.started_at, list_item(r));
          kept.push_back(&r);
          continue;
        }
        changed = true;  // stale: another directory under the same id
      }
      auto [started, item, row] = read_app(root / id, id);
      if (row && ino != 0) {
        row->dir_ino = ino;
        fresh.push_back(std::move(*row));
        changed = true;
      }
      if (item) apps.emplace_back(started, std::move(*item));
    }
    if (kept.size() + fresh.size() != index.size()) changed = true;  // rows of deleted apps, or new finished ones
    if (changed) {
      std::vector<local::IndexRow> rows;
      rows.reserve(kept.size() + fresh.size());
      for (const auto* r : kept) rows.push_back(*r);
      for (auto& r : fresh) rows.push_back(std::move(r));
      try {
        local::write_atomically(root / local::k_list_index_file, local::format_list_index(rows));
      } catch (const std::exception&) {  // a read-only root: answered all the same, from the files
      }
    }
    // Sorted by position (the rows themselves are moved once, into the answer).
    std::vector<std::uint32_t> order(apps.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
      const auto& a = apps[x];
      const auto& b = apps[y];
      return a.first != b.first ? a.first > b.first : a.second.app_id < b.second.app_id;
    });
    std::vector<specs::ListAppResponse> out;
    out.reserve(apps.size());
    for (const auto i : order) out.push_back(std::move(apps[i].second));
    return out;
  }

  void cancel(const std::string& app_id) override {
    auto d = describe(app_id);
    if (!d) throw plugin::NotFound("app '" + app_id + "' not found");
    if (specs::is_terminal(d->state)) return;
    // A test seam: a cancel that fails while everything else about the app still reads (a corrupt
    // state.json would also break the launcher's log follower, racing the test's Ctrl-C).
    if (std::getenv("TORCHX_LOCAL_TEST_CANCEL_FAILS") != nullptr) {
      throw plugin::Error(TX_E_INTERNAL, "cannot cancel app '" + app_id + "': TORCHX_LOCAL_TEST_CANCEL_FAILS is set");
    }
    if (d->state == specs::AppState::UNKNOWN) throw plugin::Error(TX_E_INTERNAL, "cannot cancel app " + d->msg);
    const std::filesystem::path dir = local::state_root(false) / app_id;
    // First the request on disk (a supervisor still starting reads it once it has recorded its
    // pid), then the signal to the recorded supervisor, only if it is provably that process.
    if (const int fd = ::open((dir / local::k_cancel_file).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600); fd >= 0) {
      ::close(fd);
    }
    std::optional<json::object> state;
    if (const auto text = local::read_file(dir / local::k_state_file)) {
      boost::system::error_code ec;
      auto v = json::parse(*text, ec);
      if (!ec && v.is_object()) state = std::move(v.as_object());
    }
    if (state && still_ours(*state, *state, "supervisor_pid", "supervisor_start_time")) {
      ::kill(static_cast<pid_t>(int_or(*state, "supervisor_pid")), SIGTERM);
    } else if (state && state->contains("supervisor_pid") && local::supervisor_alive(dir)) {
      plugin::log(TX_LOG_WARNING, "the supervisor of '" + app_id + "' (pid " + json::serialize(state->at("supervisor_pid")) +
                                      ") is not provably the recorded process (a record from an older torchx?): "
                                      "not signalled");
    }
  }

  void delete_app(const std::string& app_id) override {
    auto d = describe(app_id);
    if (!d) throw plugin::NotFound("app '" + app_id + "' not found");
    const std::filesystem::path root = local::state_root(false);
    const std::filesystem::path dir = root / app_id;
    // A corrupt app (UNKNOWN) may go once no supervisor holds its lock.
    const Fd lock(d->state == specs::AppState::UNKNOWN ? local::try_lock_supervisor(dir) : -1);
    if (!specs::is_terminal(d->state) && lock.fd < 0) {
      throw plugin::InvalidArgument("app '" + app_id + "' is still " + specs::to_string(d->state) + ": cancel it first");
    }
    test_delay("TORCHX_LOCAL_TEST_DELETE_DELAY_MS");
    const auto request = read_json(dir / local::k_request_file);
    std::optional<json::object> state;
    if (const auto text = local::read_file(dir / local::k_state_file)) {
      boost::system::error_code ec;
      auto v = json::parse(*text, ec);
      if (!ec && v.is_object()) state = std::move(v.as_object());
    }
    // Renamed out of the way first: of concurrent deletes exactly one wins the rename, and the
    // others find no app. Only then removed.
    std::random_device rd;
    const std::filesystem::path doomed = root / (".deleting-" + app_id + "-" + std::to_string(rd()));
    if (::rename(dir.c_str(), doomed.c_str()) != 0) {
      if (errno == ENOENT) throw plugin::NotFound("app '" + app_id + "' not found (already deleted)");
      throw plugin::Error(TX_E_INTERNAL, "cannot delete " + dir.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    if (request && request->contains("log_base") && request->at("log_base").is_string()) {
      const std::filesystem::path base(std::string(request->at("log_base").as_string()));
      if (base != dir) std::filesystem::remove_all(base, ec);
    }
    if (state && state->contains("cgroup") && state->at("cgroup").is_string()) {
      const std::filesystem::path cgroup(std::string(state->at("cgroup").as_string()));
      if (local::is_app_cgroup(cgroup, app_id)) local::kill_cgroup(cgroup, 2000);
    }
    std::error_code ec2;
    std::filesystem::remove_all(doomed, ec2);
    if (ec || ec2) {
      throw plugin::Error(TX_E_INTERNAL, "app '" + app_id + "' deleted, but not all its files: " + (ec ? ec : ec2).message());
    }
  }

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& q) override;

private:
  static specs::ListAppResponse list_item(const local::IndexRow& r) {
    specs::ListAppResponse item{r.app_id, specs::app_state_from_string(r.state).value_or(specs::AppState::UNKNOWN), "", r.name};
    if (r.started_at > 0) item.started_at = r.started_at;
    if (r.finished_at > 0) item.finished_at = r.finished_at;
    return item;
  }

  struct ReadApp {
    double started_at = 0;
    std::optional<specs::ListAppResponse> item;  ///< nullopt: not an app (no app.json)
    std::optional<local::IndexRow> row;          ///< a finished app: its index row
  };

  /// One app's list row from its own files (settling it if its supervisor died), and, for a
  /// finished app, its index row (dir_ino left 0: the caller knows the directory's).
  ReadApp read_app(const std::filesystem::path& dir, const std::string& id) {
    ReadApp out;
    // One app that cannot be read is reported, and never hides the others.
    std::optional<specs::DescribeAppResponse> d;
    try {
      d = describe(id);
    } catch (const std::exception& x) {
      d = specs::DescribeAppResponse{};
      d->state = specs::AppState::UNKNOWN;
      d->msg = id + ": " + x.what();
    }
    if (!d) return out;
    if (d->state == specs::AppState::UNKNOWN) plugin::log(TX_LOG_WARNING, "app " + d->msg);
    const auto app = read_json(dir / local::k_app_file);
    const std::string name = app ? string_or(*app, "name") : "";
    std::optional<json::object> state;
    if (const auto text = local::read_file(dir / local::k_state_file)) {
      boost::system::error_code ec;
      auto v = json::parse(*text, ec);
      if (!ec && v.is_object()) state = std::move(v.as_object());
    }
    const auto number = [&](const char* key) {
      const auto* v = state ? state->if_contains(key) : nullptr;
      return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
    };
    out.started_at = number("started_at");
    out.item = specs::ListAppResponse{id, d->state, "", name};
    if (out.started_at > 0) out.item->started_at = out.started_at;
    if (specs::is_terminal(d->state) && number("finished_at") > 0) out.item->finished_at = number("finished_at");
    // Cached only when the file read is final and says what describe said.
    if (specs::is_terminal(d->state) && state && state_problem(*state).empty() &&
        string_or(*state, "state") == specs::to_string(d->state)) {
      out.row = local::IndexRow{id, specs::to_string(d->state), name, out.started_at, number("finished_at"), 0};
    }
    return out;
  }

  /// state.json, made final if the supervisor is gone without writing a final state, or
  /// SUBMITTED before its first write. Throws CorruptState for a state.json it cannot use.
  ///
  /// The rules (docs/local_cwd.md, "Recovery"): a final state is written only by whoever holds
  /// the supervisor lock, so a reader writes one only after taking the lock itself, which it can
  /// only do once no supervisor runs or can start. If the supervisor left final.record, its state
  /// is the app's, told with why it could not be recorded. Else the app is FAILED, and only
  /// processes proven to be still the app's are killed: a replica group whose leader has the
  /// recorded start time in this boot, and the app's own cgroup.
  static json::object settled_state(const std::filesystem::path& dir) {
    auto state = load_state(dir);
    if (state && terminal(*state)) return std::move(*state);
    const Fd lock(local::try_lock_supervisor(dir));
    if (lock.fd < 0) {  // a supervisor runs or is starting (or another reader is settling it)
      if (state) return std::move(*state);
      return json::object{{"state", "SUBMITTED"}, {"num_restarts", 0}, {"msg", ""}, {"structured_error_msg", "<NONE>"},
                          {"replicas", json::array{}}};
    }
    state = load_state(dir);  // it may have finished between the two reads
    if (state && terminal(*state)) return std::move(*state);
    json::object settled = state.value_or(json::object{{"num_restarts", 0}, {"structured_error_msg", "<NONE>"},
                                                       {"replicas", json::array{}}});
    if (const auto record = final_record(dir)) {
      // The supervisor finished and swept, but could not write state.json: its answer, and why.
      settled["state"] = record->at("state");
      settled["num_restarts"] = int_or(*record, "num_restarts");
      const std::string msg = string_or(*record, "msg");
      settled["msg"] = "state could not be recorded: " + string_or(*record, "why", "unknown reason") +
                       (msg.empty() ? "" : " (" + msg + ")");
      const auto* states = record->if_contains("replica_states");
      auto& replicas = settled.at("replicas").as_array();
      for (std::size_t i = 0; i < replicas.size(); ++i) {
        auto& ro = replicas[i].as_object();
        const bool known = states != nullptr && states->is_array() && states->as_array().size() == replicas.size() &&
                           states->as_array()[i].is_string();
        ro["state"] = known ? states->as_array()[i] : json::value("UNKNOWN");
      }
    } else {
      const std::string pid = settled.contains("supervisor_pid") ? json::serialize(settled.at("supervisor_pid")) : "?";
      for (auto& rv : settled.at("replicas").as_array()) {
        auto& ro = rv.as_object();
        if (ro.at("state") == "RUNNING" || ro.at("state") == "PENDING") {
          const auto leader = static_cast<pid_t>(int_or(ro, "pid"));
          if (still_ours(settled, ro, "pid", "start_time") && local::process_group(leader) == leader) {
            ::killpg(leader, SIGKILL);
          }
          ro["state"] = "FAILED";
        }
      }
      if (const auto* cg = settled.if_contains("cgroup"); cg != nullptr && cg->is_string()) {
        const std::filesystem::path cgroup(std::string(cg->get_string()));
        if (string_or(settled, "boot_id") == local::boot_id() && local::is_app_cgroup(cgroup, dir.filename().string())) {
          local::kill_cgroup(cgroup, 2000);
        }
      }
      settled["state"] = "FAILED";
      const auto log = local::read_file(dir / local::k_supervisor_log).value_or("");
      settled["msg"] = "the supervisor (pid " + pid + ") died without writing a final state" +
                       (log.empty() ? std::string{} : ": " + log.substr(0, log.find('\n')));
    }
    try {
      local::write_atomically(dir / local::k_state_file, json::serialize(settled));
    } catch (const std::exception&) {  // reporting the state matters more than recording it
    }
    return settled;
  }

  friend class LocalLogIterator;
};

/// Reads one replica's log file in batches of whole lines; with should_tail, waits for more until
/// the app ends. Every line: the host applies --regex (payloads.md, "Log query").
class LocalLogIterator : public plugin::BatchLogIterator {
public:
  LocalLogIterator(std::filesystem::path dir, const std::filesystem::path& file, bool tail)
      : m_dir(std::move(dir)), m_file(file), m_tail(tail) {}

  std::size_t read(char* buf, std::size_t cap, bool& done) override {
    done = false;
    // Following: a call returns within about a second even when nothing comes (log_read's rule).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (true) {
      if (const std::size_t n = m_file.read(buf, cap); n > 0) {
        m_backoff_ms = 5;
        return n;
      }
      if (m_ended) {  // what is written, including a last line without a line break
        const std::size_t n = m_file.finish(buf, cap);
        done = !m_file.has_partial();
        return n;
      }
      if (!m_tail) {  // a snapshot: read to the end of what is written
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
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return 0;
      const auto left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      const int wait_ms = static_cast<int>(std::min<long long>(m_backoff_ms, left_ms));
      // Nothing new yet: wait for the supervisor to end (a pidfd of the recorded supervisor, once
      // proven to be it: no timer between the app's end and ours) or a little while for the log to
      // grow, longer the longer the replica stays quiet (5 ms to 100 ms), never past the deadline.
      // Not inotify: closing an inotify instance waits for an RCU grace period, about 20 ms here,
      // on every `torchx run`.
      if (m_supervisor.fd < 0 && !m_no_pidfd) open_supervisor_pidfd(state);
      if (m_supervisor.fd >= 0) {
        pollfd p{m_supervisor.fd, POLLIN, 0};
        if (::poll(&p, 1, wait_ms) > 0) {  // it ended: one last look, then the final state
          ::close(m_supervisor.fd);
          m_supervisor.fd = -1;
          m_no_pidfd = true;
          continue;
        }
        m_backoff_ms = std::min(m_backoff_ms * 2, 100);
        continue;
      }
      // No pidfd: wait a little.
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      m_backoff_ms = std::min(m_backoff_ms * 2, 100);
    }
  }

private:
  /// A pidfd of the supervisor recorded in `state`, only if it is provably that process (same
  /// boot, same start time, checked after the pidfd is open, so a reused pid is never waited on).
  /// Without one (an older kernel, a record without the proof) the wait is the timer alone.
  void open_supervisor_pidfd(const json::object& state) {
    const auto pid = int_or(state, "supervisor_pid");
    if (pid <= 0) return;  // not recorded yet (the supervisor is starting): asked again next time
    m_no_pidfd = true;
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
    if (fd < 0) return;
    if (!still_ours(state, state, "supervisor_pid", "supervisor_start_time")) {
      ::close(fd);
      return;
    }
    m_supervisor.fd = fd;
  }

  std::filesystem::path m_dir;
  util::LogFileReader m_file;
  bool m_tail;
  bool m_ended = false;
  int m_backoff_ms = 5;
  bool m_no_pidfd = false;  ///< no pidfd to wait on (tried, or the supervisor ended)
  Fd m_supervisor;          ///< a pidfd of the supervisor, readable once it has exited
};

std::unique_ptr<plugin::LogIterator> LocalCwdScheduler::log_iter(const specs::LogQuery& q) {
  if (q.since || q.until) throw plugin::Unsupported("scheduler 'local_cwd' does not support log since/until");
  const std::filesystem::path dir = local::state_root(false) / q.app_id;
  if (q.app_id.empty() || q.app_id.find('/') != std::string::npos || q.app_id == "." || q.app_id == "..") {
    throw plugin::NotFound("app '" + q.app_id + "' not found");
  }
  const auto text = local::read_file(dir / local::k_request_file);
  if (!text) throw plugin::NotFound("app '" + q.app_id + "' not found");
  std::filesystem::path file;
  try {
    const json::object request = json::parse(*text).as_object();
    for (const auto& role : request.at("roles").as_array()) {
      if (role.at("name") != q.role_name.c_str()) continue;
      for (const auto& r : role.at("replicas").as_array()) {
        if (r.at("id").as_int64() != q.k) continue;
        const std::string stream = q.streams ? specs::to_string(*q.streams) : "combined";
        file = std::filesystem::path(std::string(r.at("dir").as_string())) / (stream + ".log");
        break;
      }
      if (file.empty()) {
        throw plugin::NotFound("role '" + q.role_name + "' of app '" + q.app_id + "' has no replica " + std::to_string(q.k));
      }
      break;
    }
  } catch (const plugin::NotFound&) {
    throw;
  } catch (const std::exception& e) {  // a request.json edited or cut short: said, not "out of range"
    throw plugin::Error(TX_E_INTERNAL, q.app_id + ": request.json is corrupt: " + first_line_of(e.what()));
  }
  if (file.empty()) throw plugin::NotFound("app '" + q.app_id + "' has no role '" + q.role_name + "'");
  // Not tailing: whatever was written, to the last line (also one without a line break).
  return std::make_unique<LocalLogIterator>(dir, file, q.should_tail);
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
                                .scheduler<LocalCwdScheduler>("local_cwd", "durable local jobs run by a per-app supervisor");
  return p.negotiate(host, info);
}
