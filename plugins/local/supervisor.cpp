// SPDX-License-Identifier: BSD-3-Clause
// torchx-local-supervisor APP_DIR: runs one local_cwd app's replicas and keeps its state.
//
// Started by the local_cwd plugin in its own session, with APP_DIR/supervisor.lock already locked
// by the launcher (--lock-fd): it holds that lock while it lives. It records the boot id and each
// process's start time so that readers can prove a pid is still the app's, puts the replicas in a
// cgroup of the app's own where the machine allows (else says so in state.json and its log),
// preallocates final.record for the day state.json cannot be written, honours a cancel.requested
// found as it starts (after recording its own pid), starts each replica in its
// own process group, copies each stream to its file and whole lines to
// combined.log in arrival order (event-driven: poll() over the pipes and a signalfd, no timers
// but the cancel grace), records pids and exit codes or signals, restarts failed replicas as the
// retry policy says, and replaces state.json atomically on every change. SIGTERM, SIGINT or SIGHUP
// cancel the app: SIGTERM to every replica group, a grace period, then SIGKILL.
#include "app_dir.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace json = boost::json;
namespace local = torchx::local;
using torchx::local::write_atomically;

extern char** environ;

namespace {

double now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void write_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk must not stop the app; the loss shows in the file
    data += n;
    len -= static_cast<std::size_t>(n);
  }
}

/// The longest line combined.log keeps whole (longer lines may interleave with the other stream).
constexpr std::size_t k_max_line = 1 << 20;

int open_log(const std::string& path) { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600); }

struct Stream {
  int fd = -1;        // read end of the replica's pipe
  int file = -1;      // stdout.log or stderr.log
  std::string partial;  // the current unfinished line, for combined.log
};

struct Replica {
  std::size_t role = 0;
  int id = 0;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
  std::string dir;
  pid_t pid = -1;
  bool exited = true;  // the main process has been reaped (or never started)
  bool started = false;
  int exit_code = 0;
  int signal = 0;
  std::int64_t exited_at_ms = 0;
  std::uint64_t start_time = 0;  ///< of `pid` (/proc/PID/stat field 22): proves it is still ours
  Stream out;
  Stream err;
  int combined = -1;
  std::string state = "PENDING";
  int restarts = 0;
  std::string error = "<NONE>";  ///< the replica's error.json, once it failed
};

struct Role {
  std::string name;
  int max_retries = 0;
  std::string retry_policy = "APPLICATION";
  int retries_used = 0;
};

class Supervisor {
public:
  Supervisor(std::string app_dir, int ready_fd, int lock_fd)
      : m_dir(std::move(app_dir)), m_ready_fd(ready_fd), m_lock_fd(lock_fd) {}

  int run() {
    const auto request = torchx::local::read_file(m_dir + "/" + torchx::local::k_request_file);
    if (!request) {
      std::cerr << "torchx-local-supervisor: cannot read the request in " << m_dir << "\n";
      return 2;
    }
    load(json::parse(*request).as_object());
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);  // orphaned descendants come back to us while we live
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    m_signals = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    m_started_at = now();
    m_boot_id = local::boot_id();
    m_start_time = local::process_start_time(::getpid()).value_or(0);
    // Where the final state could never be recorded (a full disk already), the app does not
    // start: the launcher says why (the reason goes back on the readiness pipe, as our log may be
    // on that same full disk).
    if (const std::string why = preallocate_final_record(); !why.empty()) return refuse_to_start(why);
    make_cgroup();
    // First our pid (with its proof), then a look for a cancel that came while we started: a
    // `cancel` creates the file, then reads our pid; one of the two sees the other.
    m_state = "PENDING";
    if (const std::string why = save(); !why.empty()) return refuse_to_start(why);
    if (::access((m_dir + "/" + local::k_cancel_file).c_str(), F_OK) == 0) {
      m_cancelling = true;
      m_msg = "cancelled";
      m_state = "CANCELLED";
      for (auto& r : m_replicas) r.state = "CANCELLED";
    } else {
      for (auto& r : m_replicas) start(r);
      m_state = "RUNNING";
      save();
    }
    if (m_ready_fd >= 0) {  // tell the launcher the app is running
      (void)!::write(m_ready_fd, "1", 1);
      ::close(m_ready_fd);
      m_ready_fd = -1;
    }
    if (m_state == "RUNNING") loop();
    finish();
    return 0;
  }

private:
  /// Tells the launcher why the app cannot start ("!" and the reason on the readiness pipe) and
  /// gives up before any replica runs. Our cgroup, if made, goes too.
  int refuse_to_start(const std::string& why) {
    std::cerr << "torchx-local-supervisor: " << why << "\n";
    if (m_ready_fd >= 0) {
      const std::string msg = "!" + why;
      write_all(m_ready_fd, msg.data(), msg.size());
      ::close(m_ready_fd);
      m_ready_fd = -1;
    }
    if (!m_cgroup.empty()) ::rmdir(m_cgroup.c_str());
    return 1;
  }

  void load(const json::object& req) {
    m_app_id = std::string(req.at("app_id").as_string());
    // The plugin validated it; a hand-edited request is clamped rather than trusted.
    const double grace = req.at("grace_seconds").to_number<double>();
    m_grace_ms = static_cast<std::int64_t>(
        (std::isfinite(grace) ? std::clamp(grace, 0.0, local::k_max_grace_seconds) : 10.0) * 1000);
    for (const auto& rv : req.at("roles").as_array()) {
      const auto& ro = rv.as_object();
      Role role;
      role.name = std::string(ro.at("name").as_string());
      role.max_retries = static_cast<int>(ro.at("max_retries").as_int64());
      role.retry_policy = std::string(ro.at("retry_policy").as_string());
      for (const auto& pv : ro.at("replicas").as_array()) {
        const auto& po = pv.as_object();
        Replica r;
        r.role = m_roles.size();
        r.id = static_cast<int>(po.at("id").as_int64());
        for (const auto& a : po.at("argv").as_array()) r.argv.emplace_back(a.as_string());
        for (const auto& kv : po.at("env").as_object()) r.env[std::string(kv.key())] = std::string(kv.value().as_string());
        r.cwd = std::string(po.at("cwd").as_string());
        r.dir = std::string(po.at("dir").as_string());
        m_replicas.push_back(std::move(r));
      }
      m_roles.push_back(std::move(role));
    }
  }

  /// Starts a replica: its own process group, its cwd and env, stdin /dev/null, two pipes.
  void start(Replica& r) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      fail_to_start(r, std::string("cannot create pipes: ") + std::strerror(errno));
      return;
    }
    // The environment and argv are built before fork: the child only calls async-signal-safe functions.
    std::map<std::string, std::string> env_map;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      const auto eq = entry.find('=');
      if (eq != std::string::npos) env_map[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : r.env) env_map[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env_map) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (auto& a : r.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string exe = resolve(r.argv.front(), env_map["PATH"], r.cwd);
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = ::getpid();
    const int cgroup_procs = m_cgroup_procs;
    const int cgroup_dir = m_cgroup_dir;
    const int lock_fd = m_lock_fd;
    // Closed (close-on-exec) when the child has exec'd or died: we wait for that below, so that no
    // child of ours still holds the supervisor lock once we say the app is running.
    int exec_pipe[2] = {-1, -1};
    if (::pipe2(exec_pipe, O_CLOEXEC) != 0) exec_pipe[0] = exec_pipe[1] = -1;

    // Born in the app's cgroup where the kernel can (clone3 with CLONE_INTO_CGROUP, Linux 5.7):
    // moving a process between cgroups afterwards (a write to cgroup.procs) waits for an RCU grace
    // period, ~12 ms per replica here, which was most of a local job's launch time.
    bool born_in_cgroup = false;
    const pid_t pid = spawn_child(cgroup_dir, born_in_cgroup);
    if (pid == 0) {
      if (lock_fd >= 0) ::close(lock_fd);  // a replica must never look like a live supervisor
      ::setpgid(0, 0);
      if (!born_in_cgroup && cgroup_procs >= 0) (void)!::write(cgroup_procs, "0", 1);  // into the app's cgroup
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a SIGKILLed supervisor takes its replicas along
      if (::getppid() != parent) ::_exit(125);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);  // we ignore it; an ignored signal would stay ignored across exec
      ::dup2(devnull, 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      if (::chdir(r.cwd.c_str()) != 0) {
        const char* msg = "torchx: cannot change to the replica's working directory\n";
        (void)!::write(2, msg, std::strlen(msg));
        ::_exit(126);
      }
      ::execve(exe.c_str(), argv.data(), envp.data());
      const char* msg1 = "torchx: cannot run '";
      const char* msg2 = "': ";
      const char* reason = std::strerror(errno);
      (void)!::write(2, msg1, std::strlen(msg1));
      (void)!::write(2, argv[0], std::strlen(argv[0]));
      (void)!::write(2, msg2, std::strlen(msg2));
      (void)!::write(2, reason, std::strlen(reason));
      (void)!::write(2, "\n", 1);
      ::_exit(127);
    }
    ::close(devnull);
    ::close(out[1]);
    ::close(err[1]);
    if (exec_pipe[1] >= 0) {
      ::close(exec_pipe[1]);
      char byte = 0;
      while (pid > 0) {  // nothing is ever written: EOF, once exec'd or dead
        const ssize_t n = ::read(exec_pipe[0], &byte, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
      }
      ::close(exec_pipe[0]);
    }
    if (pid < 0) {
      ::close(out[0]);
      ::close(err[0]);
      fail_to_start(r, std::string("cannot fork: ") + std::strerror(errno));
      return;
    }
    ::setpgid(pid, pid);  // also here, so the group exists before we might signal it
    r.start_time = local::process_start_time(pid).value_or(0);  // not reaped yet: still this child
    // Born there (CLONE_INTO_CGROUP), it is there: /proc/PID/cgroup is read only after a fork and
    // a move, which can fail (three system calls less on every launch).
    if (!m_cgroup.empty() && !born_in_cgroup && !in_app_cgroup(pid)) {  // said once; the sweep still covers it while we live
      m_containment = "process " + std::to_string(pid) + " could not enter the cgroup " + m_cgroup +
                      ": descendants that leave their process group are not contained once the supervisor is killed";
      std::cerr << "torchx-local-supervisor: " << m_containment << "\n";
    }
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err[0], F_SETFL, O_NONBLOCK);
    r.pid = pid;
    r.exited = false;
    r.started = true;
    r.exit_code = 0;
    r.signal = 0;
    r.state = "RUNNING";
    r.out = Stream{out[0], open_log(r.dir + "/stdout.log"), {}};
    r.err = Stream{err[0], open_log(r.dir + "/stderr.log"), {}};
    r.combined = open_log(r.dir + "/combined.log");
  }

  /// The replica's executable: a path as given, else searched in the replica's PATH.
  static std::string resolve(const std::string& name, const std::string& path, const std::string& cwd) {
    if (name.find('/') != std::string::npos) return name[0] == '/' ? name : cwd + "/" + name;
    std::size_t start = 0;
    while (start <= path.size()) {
      const auto end = path.find(':', start);
      std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (dir.empty()) dir = cwd;
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return name;  // execve fails with ENOENT, which the child reports
  }

  void fail_to_start(Replica& r, const std::string& why) {
    const int fd = open_log(r.dir + "/stderr.log");
    const std::string line = "torchx: " + why + "\n";
    write_all(fd, line.data(), line.size());
    ::close(fd);
    r.exited = true;
    r.exit_code = 127;
    r.state = "FAILED";
  }

  static bool pipes_open(const Replica& r) { return r.out.fd >= 0 || r.err.fd >= 0; }
  bool finished(const Replica& r) const { return r.exited && !pipes_open(r); }
  bool all_finished() const {
    for (const auto& r : m_replicas) {
      if (!finished(r)) return false;
    }
    return true;
  }

  void loop() {
    while (!all_finished() || m_restart_pending) {
      if (m_restart_pending && all_finished()) {
        m_restart_pending = false;
        for (auto& r : m_replicas) {
          if (r.state == "PENDING") start(r);
        }
        save();
        continue;
      }
      std::vector<pollfd> fds{{m_signals, POLLIN, 0}};
      std::vector<std::pair<Replica*, Stream*>> owners{{nullptr, nullptr}};
      for (auto& r : m_replicas) {
        for (Stream* s : {&r.out, &r.err}) {
          if (s->fd >= 0) {
            fds.push_back({s->fd, POLLIN, 0});
            owners.emplace_back(&r, s);
          }
        }
      }
      const int rc = ::poll(fds.data(), fds.size(), timeout_ms());
      if (rc < 0 && errno != EINTR) break;
      if (fds[0].revents != 0) on_signals();
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents != 0) read_stream(*owners[i].first, *owners[i].second);
      }
      on_timers();
    }
  }

  int timeout_ms() const {
    std::int64_t next = -1;
    const std::int64_t t = monotonic_ms();
    auto consider = [&](std::int64_t deadline) {
      const std::int64_t wait = std::max<std::int64_t>(0, deadline - t);
      next = next < 0 ? wait : std::min(next, wait);
    };
    if (m_kill_at > 0) consider(m_kill_at);
    for (const auto& r : m_replicas) {
      // A replica that exited but whose pipes stay open (a background child holds them) gets 2 s.
      if (r.exited && pipes_open(r)) consider(r.exited_at_ms + 2000);
    }
    return static_cast<int>(next);
  }

  void on_timers() {
    const std::int64_t t = monotonic_ms();
    if (m_kill_at > 0 && t >= m_kill_at) {
      for (auto& r : m_replicas) {
        if (group_is_ours(r)) ::killpg(r.pid, SIGKILL);
      }
      m_kill_at = 0;
    }
    for (auto& r : m_replicas) {
      if (r.exited && pipes_open(r) && t >= r.exited_at_ms + 2000) {
        close_stream(r, r.out);
        close_stream(r, r.err);
        on_finished(r);
      }
    }
  }

  void read_stream(Replica& r, Stream& s) {
    char buf[65536];
    while (true) {
      const ssize_t n = ::read(s.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {
        close_stream(r, s);
        if (finished(r)) on_finished(r);
        return;
      }
      const auto len = static_cast<std::size_t>(n);
      write_all(s.file, buf, len);
      // Whole lines go to combined.log; only the new chunk is searched (a long line stays linear).
      const std::size_t before = s.partial.size();
      s.partial.append(buf, len);
      const void* nl = ::memrchr(buf, '\n', len);
      if (nl != nullptr) {
        const std::size_t upto = before + static_cast<std::size_t>(static_cast<const char*>(nl) - buf) + 1;
        write_all(r.combined, s.partial.data(), upto);
        s.partial.erase(0, upto);
      } else if (s.partial.size() > k_max_line) {
        // A line longer than 1 MiB is written in pieces rather than held in memory.
        write_all(r.combined, s.partial.data(), s.partial.size());
        s.partial.clear();
      }
    }
  }

  void close_stream(Replica& r, Stream& s) {
    if (s.fd < 0) return;
    ::close(s.fd);
    s.fd = -1;
    if (!s.partial.empty()) write_all(r.combined, s.partial.data(), s.partial.size());
    s.partial.clear();
    ::close(s.file);
    s.file = -1;
    if (!pipes_open(r) && r.combined >= 0) {
      ::close(r.combined);
      r.combined = -1;
    }
  }

  void on_signals() {
    signalfd_siginfo info{};
    while (::read(m_signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGCHLD) {
        reap();
      } else if (!m_cancelling) {
        cancel();
      }
    }
  }

  void reap() {
    int status = 0;
    pid_t pid = 0;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto& r : m_replicas) {
        if (r.pid != pid || r.exited) continue;
        r.exited = true;
        r.exited_at_ms = monotonic_ms();
        r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + r.signal;
        if (finished(r)) on_finished(r);
      }
    }
  }

  void cancel() {
    m_cancelling = true;
    m_restart_pending = false;
    for (auto& r : m_replicas) {
      if (r.started && !r.exited) ::killpg(r.pid, SIGTERM);
    }
    m_kill_at = monotonic_ms() + m_grace_ms;
    m_msg = "cancelled";
    save();
  }

  /// Stops every replica still running (SIGTERM, then SIGKILL after the grace).
  void stop_others() {
    for (auto& r : m_replicas) {
      if (r.started && !r.exited) ::killpg(r.pid, SIGTERM);
    }
    m_kill_at = monotonic_ms() + m_grace_ms;
  }

  void on_finished(Replica& r) {
    if (r.state != "RUNNING") return;
    const bool ok = r.exit_code == 0 && r.signal == 0;
    if (m_cancelling) {
      r.state = ok ? "SUCCEEDED" : "CANCELLED";
    } else if (ok) {
      r.state = "SUCCEEDED";
    } else {
      Role& role = m_roles[r.role];
      read_error_file(r);
      if (role.retries_used < role.max_retries && !m_restart_pending) {
        ++role.retries_used;
        ++m_num_restarts;
        ++r.restarts;
        if (role.retry_policy == "REPLICA") {
          r.state = "PENDING";
          start(r);
        } else {
          // APPLICATION restarts every replica; ROLE those of the failed replica's role.
          for (auto& other : m_replicas) {
            if (role.retry_policy == "ROLE" && other.role != r.role) continue;
            if (other.started && !other.exited) ::killpg(other.pid, SIGTERM);
            other.state = "PENDING";
          }
          m_kill_at = monotonic_ms() + m_grace_ms;
          m_restart_pending = true;
        }
        save();
        return;
      }
      r.state = "FAILED";
      if (m_failed_replica.empty()) {
        m_failed_replica = m_roles[r.role].name + "/" + std::to_string(r.id);
        m_msg = "replica " + m_failed_replica + (r.signal != 0 ? " was killed by signal " + std::to_string(r.signal)
                                                               : " exited with code " + std::to_string(r.exit_code));
        stop_others();  // as srun --kill-on-bad-exit: the app has failed
      }
    }
    save();
  }

  void read_error_file(Replica& r) {
    if (auto text = torchx::local::read_file(r.dir + "/error.json"); text && !text->empty()) {
      r.error = *text;
      if (m_structured_error == "<NONE>") m_structured_error = *text;  // the first failure's
    }
  }

  std::string app_state() const {
    if (m_state != "RUNNING") return m_state;
    if (!all_finished() || m_restart_pending) return "RUNNING";
    bool failed = false;
    bool cancelled = false;
    for (const auto& r : m_replicas) {
      failed = failed || r.state == "FAILED";
      cancelled = cancelled || r.state == "CANCELLED";
    }
    if (m_cancelling) return "CANCELLED";
    if (failed) return "FAILED";
    return cancelled ? "CANCELLED" : "SUCCEEDED";
  }

  /// Replaces state.json; returns why it could not ("" when written). A final state is written
  /// once: its finished_at is fixed when the app first becomes final, and a save that would write
  /// the same final text again (finish() after the last replica's on_finished) writes nothing, so
  /// a finished app's state.json is never replaced (the list index relies on it: list_index.hpp).
  std::string save() {
    json::array replicas;
    for (const auto& r : m_replicas) {
      replicas.push_back({{"role", m_roles[r.role].name},
                          {"id", r.id},
                          {"pid", r.pid},
                          {"start_time", r.start_time},
                          {"state", r.state},
                          {"exit_code", r.started && r.exited ? json::value(r.exit_code) : json::value(nullptr)},
                          {"signal", r.signal != 0 ? json::value(r.signal) : json::value(nullptr)},
                          {"restarts", r.restarts},
                          {"structured_error_msg", r.error}});
    }
    const std::string state = app_state();
    const bool final = state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED";
    if (final && m_finished_at == 0) m_finished_at = now();
    json::object o{{"app_id", m_app_id},
                   {"state", state},
                   {"num_restarts", m_num_restarts},
                   {"msg", m_msg},
                   {"structured_error_msg", m_structured_error},
                   {"supervisor_pid", ::getpid()},
                   {"supervisor_start_time", m_start_time},
                   {"boot_id", m_boot_id},
                   {"cgroup", m_cgroup.empty() ? json::value(nullptr) : json::value(m_cgroup)},
                   {"containment", m_containment},
                   {"started_at", m_started_at},
                   {"finished_at", state == "RUNNING" ? json::value(nullptr)
                                   : final            ? json::value(m_finished_at)
                                                      : json::value(now())},
                   {"replicas", std::move(replicas)}};
    std::string text = json::serialize(o);
    if (final && text == m_saved_final) return "";
    try {
      write_atomically(m_dir + "/" + torchx::local::k_state_file, text);
      if (final) m_saved_final = std::move(text);
      return "";
    } catch (const std::exception& e) {
      std::cerr << "torchx-local-supervisor: " << e.what() << "\n";
      return e.what();
    }
  }

  /// final.record: k_final_size bytes of real data now, so that overwriting them later needs no
  /// new block even when the disk is full (on copy-on-write file systems it still may).
  /// No fdatasync: the write itself claims the space (ext4 and XFS reserve their delayed
  /// allocations at write time and report ENOSPC then; tmpfs allocates the pages), which is all
  /// the later overwrite in place needs. A flush made every launch wait for the disk's journal
  /// (about 2 ms here), and protects nothing a machine crash would not void anyway (after a
  /// reboot the app is FAILED, its processes gone). Returns why it could not ("" when done).
  std::string preallocate_final_record() {
    const std::string path = m_dir + "/" + local::k_final_file;
    m_final_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string blank(local::k_final_size, ' ');
    if (m_final_fd >= 0 && ::pwrite(m_final_fd, blank.data(), blank.size(), 0) == static_cast<ssize_t>(blank.size())) {
      return "";
    }
    const std::string why = "cannot preallocate " + path + ": " + std::strerror(errno);
    if (m_final_fd >= 0) ::close(m_final_fd);
    m_final_fd = -1;
    return why;
  }

  /// The final state where state.json could not be written, and why (readers show both).
  void write_final_record(const std::string& why) {
    if (m_final_fd < 0) return;
    json::array states;
    for (const auto& r : m_replicas) states.emplace_back(r.state);
    json::object o{{"state", m_state},
                   {"num_restarts", m_num_restarts},
                   {"msg", m_msg.substr(0, 1000)},
                   {"why", why.substr(0, 1000)},
                   {"finished_at", now()},
                   {"replica_states", std::move(states)}};
    std::string text = json::serialize(o);
    if (text.size() > local::k_final_size) {  // too many replicas to list: the app's state alone
      o.erase("replica_states");
      text = json::serialize(o);
    }
    text.resize(local::k_final_size, ' ');
    if (::pwrite(m_final_fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
      std::cerr << "torchx-local-supervisor: cannot write " << local::k_final_file << ": " << std::strerror(errno) << "\n";
    }
    ::fdatasync(m_final_fd);
  }

  /// A cgroup v2 of the app's own (a child of ours) that every replica enters before exec: what
  /// leaves its process group (setsid) is still in it, and a reader can kill it after we die.
  void make_cgroup() {
    // TORCHX_LOCAL_TEST_NO_CGROUP: a test seam, to see what a machine without cgroups gives.
    const bool off = std::getenv("TORCHX_LOCAL_TEST_NO_CGROUP") != nullptr;
    const auto place = off ? local::CgroupPlace{{}, "TORCHX_LOCAL_TEST_NO_CGROUP is set"} : local::cgroup_place();
    std::string why = place.why_not;
    if (!place.dir.empty()) {
      const auto dir = place.dir / local::cgroup_name(m_app_id);
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        why = "cannot create " + dir.string() + ": " + std::strerror(errno);
      } else if ((m_cgroup_procs = ::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC)) < 0 ||
                 (m_cgroup_dir = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        why = "cannot open " + dir.string() + " or its cgroup.procs: " + std::strerror(errno);
        if (m_cgroup_procs >= 0) ::close(m_cgroup_procs);
        m_cgroup_procs = -1;
        ::rmdir(dir.c_str());
      } else {
        m_cgroup = dir.string();
        m_containment = "cgroup " + m_cgroup;
        // A test seam: replicas take the fork + cgroup.procs path of kernels without clone3.
        if (std::getenv("TORCHX_LOCAL_TEST_NO_CLONE_INTO_CGROUP") != nullptr) {
          ::close(m_cgroup_dir);
          m_cgroup_dir = -1;
        }
        return;
      }
    }
    m_containment = "process groups and a subreaper: descendants that leave their process group are not contained "
                    "once the supervisor is killed (no cgroup: " + why + ")";
    std::cerr << "torchx-local-supervisor: " << m_containment << "\n";
  }

  /// fork(), or with `cgroup_dir` (an open cgroup directory) a clone3 whose child starts in that
  /// cgroup; `born_in_cgroup` says which happened. The raw clone3 is fork-like (no new stack, no
  /// glibc fork handlers): the child only makes async-signal-safe calls before exec, as after fork.
  static pid_t spawn_child(int cgroup_dir, bool& born_in_cgroup) {
    born_in_cgroup = false;
    if (cgroup_dir >= 0) {
      clone_args args{};
      args.flags = CLONE_INTO_CGROUP;
      args.exit_signal = SIGCHLD;
      args.cgroup = static_cast<__u64>(cgroup_dir);
      const long pid = ::syscall(SYS_clone3, &args, sizeof args);
      if (pid >= 0) {
        born_in_cgroup = true;
        return static_cast<pid_t>(pid);
      }
      // ENOSYS (kernel < 5.3), EINVAL/E2BIG (< 5.7), EPERM/EBUSY (not allowed there): fork and move.
    }
    return ::fork();
  }

  /// False if process `pid` is, provably, not in the app's cgroup (its /proc/PID/cgroup v2 line
  /// names another); true if it is, or if that cannot be read.
  bool in_app_cgroup(pid_t pid) const {
    std::istringstream lines(local::read_file("/proc/" + std::to_string(pid) + "/cgroup").value_or(""));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("0::", 0) == 0) return line.ends_with("/" + local::cgroup_name(m_app_id));
    }
    return true;
  }

  /// True if the replica's process group provably still is the one we made: its leader is not
  /// reaped yet, or a child of ours (not reaped either) is in it. A group id is not reused while
  /// the group has a member, and only we reap our children.
  static bool group_is_ours(const Replica& r) {
    if (!r.started) return false;
    if (!r.exited) return true;
    bool found = false;
    const pid_t self = ::getpid();
    if (DIR* proc = ::opendir("/proc")) {
      while (const dirent* e = ::readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        const auto stat = pid > 0 ? torchx::local::read_file("/proc/" + std::string(e->d_name) + "/stat") : std::nullopt;
        const auto close_paren = stat ? stat->rfind(')') : std::string::npos;
        if (close_paren == std::string::npos) continue;
        int ppid = 0;
        int pgrp = 0;
        char state = 0;
        if (std::sscanf(stat->c_str() + close_paren + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && ppid == self &&
            pgrp == r.pid) {
          found = true;
          break;
        }
      }
      ::closedir(proc);
    }
    return found;
  }

  /// SIGKILLs our children (all of them descendants of the app: we are a subreaper); true if any.
  /// A child's pid cannot be reused before we reap it, so the pid is proof enough.
  static bool kill_children() {
    bool any = false;
    const pid_t self = ::getpid();
    if (DIR* proc = ::opendir("/proc")) {
      while (const dirent* e = ::readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        if (pid <= 0) continue;
        const auto stat = torchx::local::read_file("/proc/" + std::string(e->d_name) + "/stat");
        if (!stat) continue;
        const auto close_paren = stat->rfind(')');
        if (close_paren == std::string::npos) continue;
        int ppid = 0;
        char state = 0;
        if (std::sscanf(stat->c_str() + close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == self) {
          ::kill(pid, SIGKILL);
          any = true;
        }
      }
      ::closedir(proc);
    }
    return any;
  }

  /// Kills what is left: the replicas' groups that are provably still ours, the app's cgroup (which holds
  /// whatever left its group), then, round after round, every descendant reparented to us.
  void sweep() {
    // With a cgroup, killing it kills every descendant, whatever group it is in: a running
    // replica's group is killed first (its leader is our unreaped child), and no /proc scan is
    // needed (each one reads every process's stat: milliseconds per scan, per replica).
    const bool contained = !m_cgroup.empty();
    for (auto& r : m_replicas) {
      if (contained ? (r.started && !r.exited) : group_is_ours(r)) ::killpg(r.pid, SIGKILL);
    }
    if (contained) {
      if (local::kill_cgroup(m_cgroup, 5000)) {
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        return;
      }
      std::cerr << "torchx-local-supervisor: cannot empty and remove the cgroup " << m_cgroup << "\n";
    }
    for (int round = 0; round < 500; ++round) {  // bounded: 5 s of a fork bomb at most
      const bool any = kill_children();
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      if (!any) break;
      ::usleep(10000);
    }
  }

  /// Sweeps, then records the final state: not again when the state last written already was it
  /// (the usual end: the last replica's end wrote the terminal state, and the sweep changes
  /// nothing in it), so the launcher waiting for us to exit (its pidfd) is not kept waiting for a
  /// rewrite that says the same. Where that earlier write failed, this one is tried, and
  /// final.record gets the state if it fails too.
  void finish() {
    sweep();
    m_state = app_state();
    if (m_state == "RUNNING") m_state = m_cancelling ? "CANCELLED" : "FAILED";
    if (const std::string why = save(); !why.empty()) write_final_record(why);
  }

  std::string m_dir;
  int m_ready_fd = -1;
  int m_lock_fd = -1;         // supervisor.lock, held while we live
  int m_final_fd = -1;        // final.record, preallocated
  int m_cgroup_dir = -1;      // the app cgroup's directory, for clone3(CLONE_INTO_CGROUP)
  int m_cgroup_procs = -1;    // the app cgroup's cgroup.procs, written by each replica as it starts
  std::string m_cgroup;       // the app's cgroup, "" if none
  std::string m_containment;  // how descendants are contained, in words
  std::string m_boot_id;
  std::uint64_t m_start_time = 0;
  std::string m_app_id;
  std::int64_t m_grace_ms = 5000;
  std::vector<Role> m_roles;
  std::vector<Replica> m_replicas;
  int m_signals = -1;
  double m_started_at = 0;
  double m_finished_at = 0;   // when the app first became final (0: not yet)
  std::string m_saved_final;  // the final state.json last written, "" if none
  std::string m_state = "PENDING";
  std::string m_msg;
  std::string m_structured_error = "<NONE>";
  std::string m_failed_replica;
  int m_num_restarts = 0;
  bool m_cancelling = false;
  bool m_restart_pending = false;
  std::int64_t m_kill_at = 0;
};

/// The test seam of the start-up race: TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS makes the supervisor
/// sleep as it starts, before it takes over the app (tests/integration/test_local_recovery.cpp).
void test_delay() {
  if (const char* ms = std::getenv("TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS"); ms != nullptr) {
    ::usleep(static_cast<useconds_t>(std::clamp(std::atoi(ms), 0, 60000)) * 1000);
    ::unsetenv("TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS");  // the replicas never see it
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: torchx-local-supervisor APP_DIR [--ready-fd=N] [--lock-fd=N] [--detach] (started by the local_cwd "
      "scheduler plugin)\n";
  if (argc < 2 || argc > 5) {
    std::cerr << usage;
    return 2;
  }
  int ready_fd = -1;
  int lock = -1;
  bool detach = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--ready-fd=", 0) == 0) {
      ready_fd = std::atoi(a.c_str() + 11);
    } else if (a.rfind("--lock-fd=", 0) == 0) {
      lock = std::atoi(a.c_str() + 10);
    } else if (a == "--detach") {
      detach = true;
    } else {
      std::cerr << usage;
      return 2;
    }
  }
  // --detach: the launcher spawned us (posix_spawn, in a session of our own) and waits for this
  // first process; the supervisor is its child, reparented to init (or a subreaper) as this one
  // exits, so a long-lived launcher (Python's Runner) keeps no child. Forking here, in a small
  // static program, costs far less than a fork of the launcher. The lock is shared, never free.
  if (detach) {
    const pid_t child = ::fork();
    if (child < 0) {
      std::cerr << "torchx-local-supervisor: cannot fork: " << std::strerror(errno) << "\n";
      return 1;
    }
    if (child > 0) ::_exit(0);
  }
  // A launcher that dies before we say we are ready (Ctrl-C, a closed terminal) closes the
  // readiness pipe: writing to it must fail with EPIPE, not kill us with the app half started.
  ::signal(SIGPIPE, SIG_IGN);
  // Neither may reach the replicas: a replica holding the lock would look like a live supervisor.
  if (ready_fd >= 0) ::fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
  if (lock >= 0) ::fcntl(lock, F_SETFD, FD_CLOEXEC);
  const std::string dir = argv[1];
  test_delay();
  // With --lock-fd the launcher locked the file before app.json existed and we share its open
  // file: taking the lock again only confirms it. Without, we take it here (started by hand).
  if (lock < 0) lock = ::open((dir + "/" + torchx::local::k_lock_file).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "torchx-local-supervisor: another supervisor holds " << dir << "\n";
    return 3;
  }
  try {
    return Supervisor(dir, ready_fd, lock).run();
  } catch (const std::exception& e) {
    std::cerr << "torchx-local-supervisor: " << e.what() << "\n";
    return 1;
  }
}
