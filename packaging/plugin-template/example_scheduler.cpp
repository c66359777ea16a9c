// SPDX-License-Identifier: BSD-3-Clause
// An out-of-tree torchx scheduler plugin: copy this directory, rename, and replace the bodies with
// calls to your cluster. "example_sh" runs each replica as a background `sh` process in its own
// session and keeps what it needs in one directory per app, so status, logs and cancel work from
// any shell. Build: see README.md.
#include <torchx/plugin.hpp>
#include <torchx/specs/macros.hpp>
#include <torchx/util/shell.hpp>

#include <csignal>
#include <fcntl.h>
#include <cstdlib>
#include <fstream>
#include <random>
#include <spawn.h>
#include <sys/types.h>
#include <unistd.h>

extern char** environ;

using namespace torchx;
namespace fs = std::filesystem;

namespace {

/// Where apps live: $EXAMPLE_SH_DIR, else ~/.local/state/torchx/example_sh.
fs::path state_root() {
  if (const char* dir = std::getenv("EXAMPLE_SH_DIR")) return dir;
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/tmp") / ".local/state/torchx/example_sh";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw plugin::Error(TX_E_INTERNAL, "cannot write " + path.string());
}

/// Writes `text` to a temporary file and renames it over `path`: readers see all of it or nothing.
void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  write_file(tmp, text);
  fs::rename(tmp, path);
}

/// The shell script of one replica: its env, its cwd and its command, macros filled in.
std::string replica_script(const specs::Role& role, const std::string& app_id, int replica, const std::string& cwd) {
  specs::macros::Values values;
  values.app_id = app_id;
  values.replica_id = std::to_string(replica);
  values.img_root = cwd;
  values.rank0_env = "TORCHX_RANK0_HOST";
  const specs::Role r = values.apply(role);
  std::string script = "cd " + util::shell_quote(cwd) + " || exit 127\nexport TORCHX_RANK0_HOST=localhost\n";
  for (const auto& [name, value] : r.env) script += "export " + name + "=" + util::shell_quote(value) + "\n";
  std::vector<std::string> argv{r.entrypoint};
  argv.insert(argv.end(), r.args.begin(), r.args.end());
  return script + "exec " + util::shell_join(argv) + "\n";
}

class ExampleScheduler : public plugin::Scheduler {
public:
  specs::RunOpts run_opts() override {
    specs::RunOpts opts;
    opts.add("cwd", specs::CfgType::str, "the directory replicas run in", std::string("."));
    return opts;
  }

  plugin::DryRunInfo dryrun(const specs::AppDef& app, const specs::Cfg& cfg) override {
    const std::string cwd = fs::absolute(std::get<std::string>(*cfg.get("cwd"))).lexically_normal().string();
    plugin::DryRunInfo info;
    for (const auto& role : app.roles) {
      for (int k = 0; k < role.num_replicas; ++k) {
        const std::string script = replica_script(role, app.name + "-<id>", k, cwd);
        info.request_text += "# " + role.name + "/" + std::to_string(k) + "\n" + script;
      }
    }
    info.request_json = specs::to_json(cfg);
    return info;
  }

  std::string schedule(const plugin::ScheduleRequest& request) override {
    const std::string cwd = fs::absolute(std::get<std::string>(*request.cfg.get("cwd"))).string();
    fs::create_directories(state_root());
    // A fresh directory per app: create_directory is false when the name is taken, so never reuse.
    std::string app_id;
    std::mt19937_64 random{std::random_device{}()};
    do {
      app_id = request.app.name + "-" + std::to_string(random() % 100000000000ULL);
    } while (!fs::create_directory(state_root() / app_id));
    const fs::path dir = state_root() / app_id;
    // app.json first, so describe and cancel see every replica schedule starts.
    write_file_atomic(dir / "app.json", specs::to_json(request.app));
    for (const auto& role : request.app.roles) {
      for (int k = 0; k < role.num_replicas; ++k) {
        const std::string base = (dir / (role.name + "." + std::to_string(k))).string();
        write_file(base + ".sh", replica_script(role, app_id, k, cwd));
        // The exit code lands in <replica>.exit (written whole, by rename) when the replica ends.
        const std::string exit_file = util::shell_quote(base + ".exit");
        const std::string wrapper = "sh " + util::shell_quote(base + ".sh") + " >" + util::shell_quote(base + ".log") +
                                    " 2>&1; echo $? >" + exit_file + ".tmp && mv " + exit_file + ".tmp " + exit_file;
        const char* argv[] = {"sh", "-c", wrapper.c_str(), nullptr};
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);  // survives the torchx process
        // Detached: nothing of torchx's (its stdout may be a pipe someone reads to the end) stays open.
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        for (int fd = 0; fd < 3; ++fd) posix_spawn_file_actions_addopen(&files, fd, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_addclosefrom_np(&files, 3);
        pid_t pid = 0;
        const int rc = posix_spawn(&pid, "/bin/sh", &files, &attr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&files);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) {
          cancel(app_id);  // stop the replicas already started
          throw plugin::Error(TX_E_INTERNAL, "cannot start /bin/sh: " + std::string(std::strerror(rc)));
        }
        write_file_atomic(base + ".pid", std::to_string(pid));
      }
    }
    return app_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    const fs::path dir = state_root() / app_id;
    if (app_id.empty() || app_id.find('/') != std::string::npos || !fs::exists(dir / "app.json")) return std::nullopt;
    const specs::AppDef app = specs::app_def_from_json(read_file(dir / "app.json"));
    const bool cancelled = fs::exists(dir / "cancelled");
    specs::DescribeAppResponse r;
    r.app_id = app_id;
    r.roles = app.roles;
    bool running = false;
    bool failed = false;
    bool stopped = false;
    for (const auto& role : app.roles) {
      specs::RoleStatus status{role.name, {}};
      for (int k = 0; k < role.num_replicas; ++k) {
        const std::string base = (dir / (role.name + "." + std::to_string(k))).string();
        specs::ReplicaStatus replica{k, specs::AppState::RUNNING, role.name, "localhost"};
        const int pid = std::atoi(read_file(base + ".pid").c_str());  // 0 while schedule is starting it
        const bool gone = pid > 0 && ::kill(pid, 0) != 0;             // looked at before .exit: no gap
        if (fs::exists(base + ".exit")) {
          const int code = std::atoi(read_file(base + ".exit").c_str());
          replica.state = code == 0 ? specs::AppState::SUCCEEDED : specs::AppState::FAILED;
          if (code != 0) r.msg += role.name + "/" + std::to_string(k) + " exited with " + std::to_string(code) + "; ";
        } else if (cancelled) {
          replica.state = specs::AppState::CANCELLED;
        } else if (gone) {
          replica.state = specs::AppState::FAILED;  // gone without leaving an exit code
          r.msg += role.name + "/" + std::to_string(k) + " vanished without an exit code; ";
        }
        running = running || replica.state == specs::AppState::RUNNING;
        failed = failed || replica.state == specs::AppState::FAILED;
        stopped = stopped || replica.state == specs::AppState::CANCELLED;
        status.replicas.push_back(replica);
      }
      r.roles_statuses.push_back(std::move(status));
    }
    // An app that ended on its own before a cancel arrived keeps the state its replicas gave it.
    r.state = running   ? specs::AppState::RUNNING
              : stopped ? specs::AppState::CANCELLED
              : failed  ? specs::AppState::FAILED
                        : specs::AppState::SUCCEEDED;
    return r;
  }

  std::vector<specs::ListAppResponse> list() override {
    std::vector<specs::ListAppResponse> apps;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(state_root(), ec)) {
      if (auto r = describe(entry.path().filename().string())) {
        const auto app = specs::app_def_from_json(read_file(entry.path() / "app.json"));
        apps.push_back({r->app_id, r->state, "", app.name});
      }
    }
    return apps;
  }

  void cancel(const std::string& app_id) override {
    auto app = describe(app_id);
    if (!app) throw plugin::NotFound("app '" + app_id + "' not found in " + state_root().string());
    if (specs::is_terminal(app->state)) return;  // idempotent: nothing left to stop
    write_file(state_root() / app_id / "cancelled", "");
    for (const auto& role : app->roles_statuses) {
      for (const auto& replica : role.replicas) {
        if (replica.state != specs::AppState::RUNNING) continue;  // ended: its pid may be another's now
        const auto base = state_root() / app_id / (role.role + "." + std::to_string(replica.id));
        const int pid = std::atoi(read_file(base.string() + ".pid").c_str());
        if (pid > 0) ::kill(-pid, SIGTERM);  // the replica's whole session
      }
    }
  }

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& query) override {
    if (!describe(query.app_id)) throw plugin::NotFound("app '" + query.app_id + "' not found");
    if (query.since || query.until) throw plugin::Unsupported("scheduler 'example_sh' does not support log since/until");
    // Reads <role>.<k>.log; with should_tail, waits for more lines until the replica's .exit appears.
    // Every line: the host applies --regex itself (query.regex is always null).
    struct Lines : plugin::LogIterator {
      std::string base;
      std::ifstream in;
      bool tail = false;
      std::optional<std::string> next() override {
        for (;;) {
          std::string line;
          if (std::getline(in, line)) return line;
          const bool ended = fs::exists(base + ".exit");  // before the last look, so no line is lost
          if (!in.is_open()) in.open(base + ".log");
          in.clear();
          if (in.peek() != std::ifstream::traits_type::eof()) continue;  // written meanwhile
          in.clear();
          if (!tail || ended) return std::nullopt;
          ::usleep(100000);
        }
      }
    };
    auto it = std::make_unique<Lines>();
    it->base = (state_root() / query.app_id / (query.role_name + "." + std::to_string(query.k))).string();
    it->in.open(it->base + ".log");
    it->tail = query.should_tail;
    return it;
  }
};

}  // namespace

/// `torchx example-apps [--help]`: a command (a CLI verb; ABI revision 1.1) that works through
/// the host's services: it lists the example_sh apps with their state, one per line.
int example_apps(const plugin::CommandContext& ctx) {
  for (const auto& a : ctx.args) {
    if (a == "-h" || a == "--help") {
      ctx.out("usage: torchx example-apps\n\nLists the apps of example_sh with their state.\n");
      return 0;
    }
    throw plugin::InvalidArgument("unrecognized argument '" + a + "' (see: torchx example-apps --help)");
  }
  for (const auto& app : ctx.services.list("example_sh")) {
    ctx.out(app.app_handle + " " + torchx::specs::to_string(app.state) + "\n");
  }
  return 0;
}

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin plugin =
      plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)  // from torchx_add_plugin(NAME, VERSION)
         .scheduler<ExampleScheduler>("example_sh", "replicas as background sh processes")
         .command({"example-apps", "list the example_sh apps and their state", &example_apps});
  return plugin.negotiate(host, info);
}
