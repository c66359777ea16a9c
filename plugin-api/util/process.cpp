// SPDX-License-Identifier: BSD-3-Clause
// run_process over clone(CLONE_VM | CLONE_VFORK) and poll(2). Part of the SDK: plugins run
// programs (sbatch, squeue) with it, and the host does too.
//
// Why not fork (Boost.Process v2, until 2026-12-02): fork copies the page tables of a process with
// its plugins mapped, and every page either side writes before the child's exec is copied; the
// child then ran asio's notify_fork (a new epoll, timerfd and eventfd) before exec. A submit spent
// ~0.4 ms from fork to sbatch's exec. A vfork-style child shares our memory and runs on a small
// stack of its own until it execs; we are suspended meanwhile, as glibc's posix_spawn does it
// (which cannot set PR_SET_PDEATHSIG, hence our own child function).
#include "torchx/util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

extern char** environ;

namespace torchx::util {
namespace {

std::vector<std::string> merged_environment(const ProcessOptions& options) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : options.env) {
    if (value) vars[key] = *value;
    else vars.erase(key);
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [key, value] : vars) out.push_back(key + "=" + value);
  return out;
}

/// `name` itself when it holds a '/', else the first regular, executable file of that name in
/// this process's PATH (an empty entry is the current directory). Throws ENOENT.
std::string resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      // Absolute: the child changes to ProcessOptions::cwd before its exec.
      return candidate.front() == '/' ? candidate : std::filesystem::absolute(candidate).string();
    }
    start = end + 1;
  }
  throw std::system_error(ENOENT, std::generic_category(), "cannot run '" + name + "'");
}

/// A file descriptor closed at the end of its scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd = std::exchange(other.fd, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

/// A pipe whose two ends are close-on-exec and above 2 (so that the child's dup2 onto 0, 1 and 2
/// never overwrites another of them, even when this process runs with a standard stream closed).
std::pair<Fd, Fd> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "run_process: pipe");
  Fd r(p[0]);
  Fd w(p[1]);
  for (Fd* f : {&r, &w}) {
    if (f->fd <= 2) {
      const int moved = ::fcntl(f->fd, F_DUPFD_CLOEXEC, 3);
      if (moved < 0) throw std::system_error(errno, std::generic_category(), "run_process: fcntl");
      f->reset();
      f->fd = moved;
    }
  }
  return {std::move(r), std::move(w)};
}

/// What the child needs, prepared by the parent: the child only makes system calls (no malloc,
/// no lock: it runs in our memory while we wait for it to exec).
struct ChildSetup {
  const char* exe = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr;  ///< nullptr: ours
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  bool new_process_group = false;
  pid_t parent = 0;
  sigset_t mask{};     ///< the caller's signal mask, the child's from exec on
  int error = 0;       ///< errno of the step that failed, written by the child
};

int child_main(void* arg) {
  auto* s = static_cast<ChildSetup*>(arg);
  // A handler of ours must never run here (the memory is ours): every caught signal goes back to
  // its default while all are still blocked (exec would reset them anyway).
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa {};
    if (::sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
      sa.sa_handler = SIG_DFL;
      sa.sa_flags = 0;
      ::sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  }
  if (s->new_process_group) {
    // A process group of its own, and death with its parent (terminal signals no longer reach it).
    if (::setpgid(0, 0) != 0 || ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
      s->error = errno;
      ::_exit(127);
    }
    if (::getppid() != s->parent) {  // the parent already died
      s->error = ESRCH;
      ::_exit(127);
    }
  }
  if (::dup2(s->stdin_fd, 0) < 0 || ::dup2(s->stdout_fd, 1) < 0 || ::dup2(s->stderr_fd, 2) < 0) {
    s->error = errno;
    ::_exit(127);
  }
  ::syscall(SYS_close_range, 3U, ~0U, 0U);  // nothing else of ours (ENOSYS before Linux 5.9: ours are close-on-exec)
  if (s->cwd != nullptr && ::chdir(s->cwd) != 0) {
    s->error = errno;
    ::_exit(127);
  }
  ::sigprocmask(SIG_SETMASK, &s->mask, nullptr);
  ::execve(s->exe, s->argv, s->envp);
  s->error = errno;
  ::_exit(127);
}

/// Starts the child described by `setup` and returns its pid once it has exec'd. Throws
/// std::system_error (what failed in the child, else clone's error) when it could not.
pid_t spawn(ChildSetup& setup, const std::string& name) {
  constexpr std::size_t k_stack = 64 * 1024;  // the child's system-call wrappers need a few hundred bytes
  const std::unique_ptr<char[]> stack(new char[k_stack]);
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &setup.mask);
  // The stack grows down on every architecture Linux runs us on: its top, 16-byte aligned.
  auto top = reinterpret_cast<std::uintptr_t>(stack.get() + k_stack) & ~static_cast<std::uintptr_t>(15);
  const pid_t pid = ::clone(child_main, reinterpret_cast<void*>(top), CLONE_VM | CLONE_VFORK | SIGCHLD, &setup);
  const int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &setup.mask, nullptr);
  if (pid < 0) throw std::system_error(clone_errno, std::generic_category(), "cannot run '" + name + "'");
  if (setup.error != 0) {  // it failed before or at exec, and has exited
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw std::system_error(setup.error, std::generic_category(), "cannot run '" + name + "'");
  }
  return pid;
}

/// write(2) to a pipe whose reader may be gone (a program that exits without reading all its
/// stdin): EPIPE, without the SIGPIPE that would kill this process. The signal is blocked in this
/// thread for the call and, if the write raised it, taken back (unless one was pending already).
ssize_t write_no_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set;
  ::sigemptyset(&pipe_set);
  ::sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  ::sigpending(&pending);
  const bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
  sigset_t old;
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t n = ::write(fd, data, size);
  const int write_errno = errno;
  if (n < 0 && write_errno == EPIPE && !was_pending) {
    const timespec now{};
    while (::sigtimedwait(&pipe_set, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = write_errno;
  return n;
}

/// Reads what `fd` holds now, without waiting (it is non-blocking), into `into`; bounded, as a
/// grandchild may keep writing. Closes it.
void drain(Fd& fd, std::string& into) {
  if (fd.fd < 0) return;
  char buffer[65536];
  for (int i = 0; i < 256; ++i) {
    const ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
    if (n > 0) into.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;  // EOF, EAGAIN (nothing more now) or an error
  }
  fd.reset();
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::system_error(EINVAL, std::generic_category(), "run_process: empty argv");
  const std::string exe = resolve_executable(argv[0]);
  std::vector<std::string> args = argv;
  std::vector<char*> argv_c;
  for (auto& a : args) argv_c.push_back(a.data());
  argv_c.push_back(nullptr);
  // Our environment as it is when nothing is changed (sbatch, squeue): no copy.
  std::vector<std::string> env;
  std::vector<char*> envp;
  if (!options.env.empty()) {
    env = merged_environment(options);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
  }

  auto [out_r, out_w] = make_pipe();
  auto [err_r, err_w] = make_pipe();
  Fd in_r;
  Fd in_w;
  if (options.stdin_data) {
    std::tie(in_r, in_w) = make_pipe();
  } else {
    in_r.fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in_r.fd < 0) throw std::system_error(errno, std::generic_category(), "run_process: /dev/null");
    if (in_r.fd <= 2) {
      const int moved = ::fcntl(in_r.fd, F_DUPFD_CLOEXEC, 3);
      in_r.reset();
      in_r.fd = moved;
    }
  }

  ChildSetup setup;
  setup.exe = exe.c_str();
  setup.argv = argv_c.data();
  setup.envp = options.env.empty() ? environ : envp.data();
  setup.cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();
  setup.stdin_fd = in_r.fd;
  setup.stdout_fd = out_w.fd;
  setup.stderr_fd = err_w.fd;
  setup.new_process_group = options.new_process_group;
  setup.parent = ::getpid();
  const pid_t pid = spawn(setup, argv[0]);
  // Ours no longer: the child's ends close here, so that its exit (or its closing them) is EOF.
  in_r.reset();
  out_w.reset();
  err_w.reset();
  for (const Fd* f : {&out_r, &err_r, &in_w}) {
    if (f->fd >= 0) ::fcntl(f->fd, F_SETFL, ::fcntl(f->fd, F_GETFL) | O_NONBLOCK);
  }
  // Readable once the process has exited (Linux 5.3); without it, waitpid now and then.
  Fd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  ProcessResult result;
  bool exited = false;  // reaped: `status` holds its wait status
  int status = 0;
  auto check_exited = [&] {
    if (!exited) {
      pid_t r;
      while ((r = ::waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
      }
      exited = r == pid;
    }
    return exited;
  };
  auto kill_it = [&] {
    if (options.new_process_group) ::kill(-pid, SIGKILL);  // what it started, too
    ::kill(pid, SIGKILL);
  };

  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + options.timeout.value_or(std::chrono::milliseconds{0});
  std::optional<clock::time_point> exited_at;  // then reading goes on for k_output_grace_after_exit at most
  std::size_t written = 0;
  std::chrono::milliseconds poll_every{5};  // without a pidfd: how often to ask whether it exited
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    const auto now = clock::now();
    if (!exited_at && exit_fd.fd < 0 && check_exited()) exited_at = now;
    if (exited_at && now >= *exited_at + k_output_grace_after_exit) break;  // what it started holds the pipes
    if (options.timeout && now >= deadline) {
      // A timeout only when the process itself is still running; when it has exited and only
      // something it started holds the pipes, reading just stops.
      if (!check_exited()) {
        result.timed_out = true;
        kill_it();
      }
      break;
    }
    long wait_ms = -1;
    if (exited_at) wait_ms = std::chrono::ceil<std::chrono::milliseconds>(*exited_at + k_output_grace_after_exit - now).count();
    else if (exit_fd.fd < 0) wait_ms = poll_every.count();
    if (options.timeout) {
      const long left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
      wait_ms = wait_ms < 0 ? left : std::min(wait_ms, left);
    }
    pollfd fds[4];
    nfds_t n = 0;
    auto add = [&](const Fd& f, short events) {
      if (f.fd >= 0) fds[n++] = pollfd{f.fd, events, 0};
    };
    add(out_r, POLLIN);
    add(err_r, POLLIN);
    add(in_w, POLLOUT);
    if (!exited_at) add(exit_fd, POLLIN);
    const int ready = ::poll(fds, n, static_cast<int>(std::max(wait_ms, -1L)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) {
      if (exit_fd.fd < 0) poll_every = std::min(poll_every * 2, std::chrono::milliseconds{100});
      continue;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == exit_fd.fd) {
        exited_at = clock::now();
        check_exited();
      } else if (fds[i].fd == in_w.fd) {
        const std::string& data = *options.stdin_data;
        const ssize_t w = written < data.size() ? write_no_sigpipe(in_w.fd, data.data() + written, data.size() - written) : 0;
        if (w > 0) written += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written >= data.size()) in_w.reset();  // all given, or EPIPE
      } else {
        Fd& f = fds[i].fd == out_r.fd ? out_r : err_r;
        std::string& into = fds[i].fd == out_r.fd ? result.out : result.err;
        char buffer[65536];
        const ssize_t r = ::read(f.fd, buffer, sizeof buffer);
        if (r > 0) into.append(buffer, static_cast<std::size_t>(r));
        else if (r == 0 || (errno != EAGAIN && errno != EINTR)) f.reset();  // EOF
      }
    }
  }
  in_w.reset();
  // What is still buffered (what the process wrote just before it exited), without waiting.
  drain(out_r, result.out);
  drain(err_r, result.err);

  if (!exited && options.timeout && !result.timed_out) {
    // The pipes can close before the process ends (it closed them itself): wait until the deadline.
    while (!check_exited()) {
      if (clock::now() >= deadline) {
        result.timed_out = true;
        kill_it();
        break;
      }
      if (exit_fd.fd >= 0) {
        pollfd p{exit_fd.fd, POLLIN, 0};
        const long left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
        ::poll(&p, 1, static_cast<int>(std::max(left, 0L)));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  }
  while (!exited) {
    const pid_t r = ::waitpid(pid, &status, 0);
    if (r == pid || (r < 0 && errno != EINTR)) exited = true;
  }
  result.signaled = WIFSIGNALED(status);
  result.exit_code = result.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  return result;
}

}  // namespace torchx::util
