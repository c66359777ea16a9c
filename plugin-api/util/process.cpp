// SPDX-License-Identifier: BSD-3-Clause
// run_process over Boost.Process v2 (header-only in Boost 1.81). Part of the SDK: plugins run
// programs (sbatch, squeue) with it, and the host does too.
#include "torchx/util/process.hpp"

// Boost 1.81 bug: with BOOST_PROCESS_USE_STD_FS, process/v2 uses boost::optional and type traits
// without including them.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2.hpp>
// Boost 1.81 bug: header-only mode never includes the definition of
// process_environment::on_setup (only src.hpp does), so linking fails without this.
#include <boost/process/v2/impl/environment.ipp>

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <functional>
#include <map>
#include <system_error>
#include <thread>

extern char** environ;

namespace torchx::util {
namespace bp = boost::process::v2;
namespace asio = boost::asio;

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

std::filesystem::path resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  auto found = bp::environment::find_executable(name);
  if (found.empty()) throw std::system_error(ENOENT, std::generic_category(), "cannot run '" + name + "'");
  return found;
}

/// In the child, before exec (after the stdio is in place): every descriptor above stderr is
/// marked close-on-exec, and with `enabled` a process group of its own and death with its parent
/// (terminal signals no longer reach it). An error here fails the start (run_process throws).
///
/// The first is a work-around: Boost 1.81's close_all (posix/detail/close_handles.ipp, the
/// close_range branch) compares each whitelisted fd with itself instead of the next one, so it
/// never closes the fds between stderr and its own exec-error pipe: the caller's descriptors
/// without O_CLOEXEC leaked into sbatch and every other program (test "the child gets ... none of
/// its other fds"). Marking them close-on-exec keeps the error pipe working until the exec.
struct ChildInit {
  bool enabled = false;
  pid_t parent = 0;
  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const std::filesystem::path&, const char* const*&) const {
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      // Kernels before 5.11: one fcntl per possible descriptor.
      const long max_fd = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
      for (int fd = 3; fd < max_fd; ++fd) {
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && (flags & FD_CLOEXEC) == 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
      }
    }
    if (!enabled) return {};
    if (::setpgid(0, 0) != 0 || ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
      return {errno, boost::system::system_category()};
    }
    if (::getppid() != parent) return {ESRCH, boost::system::system_category()};  // the parent already died
    return {};
  }
};

/// Blocks SIGPIPE in the calling thread for its life and takes back one raised meanwhile (unless
/// one was pending before): a program that exits without reading all of stdin_data makes asio's
/// write(2) to the pipe raise it, which would kill this process (status 141); blocked, the write
/// fails with EPIPE and the exit status is reported. Armed before the first async_write, which
/// may write at once.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    ::sigemptyset(&m_pipe);
    ::sigaddset(&m_pipe, SIGPIPE);
    sigset_t pending;
    ::sigpending(&pending);
    m_was_pending = ::sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &m_pipe, &m_old);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    ::sigpending(&pending);
    if (!m_was_pending && ::sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{};
      while (::sigtimedwait(&m_pipe, nullptr, &now) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t m_pipe{};
  sigset_t m_old{};
  bool m_was_pending = false;
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::system_error(EINVAL, std::generic_category(), "run_process: empty argv");
  asio::io_context ctx;
  asio::readable_pipe out_pipe{ctx};
  asio::readable_pipe err_pipe{ctx};
  asio::writable_pipe in_pipe{ctx};
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  const std::vector<std::string> env = options.env.empty() ? std::vector<std::string>{} : merged_environment(options);
  const std::filesystem::path exe = resolve_executable(argv[0]);
  const ChildInit group{options.new_process_group, ::getpid()};

  // process_stdio must be passed as a temporary: in Boost 1.81 a named one leaves the parent's
  // copies of the pipes' write ends open, so reading the child's output never sees EOF.
  // Without changes to the environment the child inherits ours as it is (no copy, no merge).
  auto spawn = [&](bp::process_stdio&& stdio) {
    if (options.env.empty()) {
      if (options.cwd.empty()) return bp::process(ctx, exe, args, std::move(stdio), group);
      return bp::process(ctx, exe, args, std::move(stdio), bp::process_start_dir(options.cwd), group);
    }
    if (options.cwd.empty()) {
      return bp::process(ctx, exe, args, std::move(stdio), bp::process_environment(env), group);
    }
    return bp::process(ctx, exe, args, std::move(stdio), bp::process_environment(env),
                       bp::process_start_dir(options.cwd), group);
  };
  auto start = [&] {
    try {
      return options.stdin_data ? spawn(bp::process_stdio{in_pipe, out_pipe, err_pipe})
                                : spawn(bp::process_stdio{nullptr, out_pipe, err_pipe});
    } catch (const boost::system::system_error& e) {
      // Boost says "default_launcher: No such file or directory [system:2]": name the program.
      throw std::system_error(e.code().value(), std::generic_category(), "cannot run '" + argv[0] + "'");
    }
  };
  bp::process proc = start();
  const pid_t pid = proc.id();
  // Also here, so that a timeout right after the start cannot miss the group (EACCES once the
  // child has exec'd: it did it itself then).
  if (options.new_process_group) ::setpgid(pid, pid);

  ProcessResult result;
  bool exited = false;  // the process has ended and running() reaped it (its status is kept)
  auto check_exited = [&] {
    if (!exited) {
      boost::system::error_code ec;
      exited = !proc.running(ec) || ec;
    }
    return exited;
  };
  auto kill_it = [&] {
    boost::system::error_code ignored;
    if (options.new_process_group) ::kill(-pid, SIGKILL);  // what it started, too
    proc.terminate(ignored);
  };

  asio::steady_timer deadline_timer{ctx};
  asio::steady_timer poll_timer{ctx};
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.value_or(std::chrono::milliseconds{0});
  // A timer's handler may already be queued when the last I/O ends (cancel cannot take it back):
  // it must then do nothing, or the poll would re-arm itself for as long as the process lives.
  bool io_done = false;
  // Ends the I/O: pending reads complete (aborted) and ctx.run() returns; what is still buffered
  // in the pipes is read below.
  auto stop_io = [&] {
    io_done = true;
    boost::system::error_code ignored;
    out_pipe.cancel(ignored);
    err_pipe.cancel(ignored);
    in_pipe.close(ignored);
    deadline_timer.cancel();
    poll_timer.cancel();
  };
  int pending = options.stdin_data ? 3 : 2;  // the reads and the write; then no timer is needed
  auto one_done = [&] {
    if (--pending == 0) {
      io_done = true;
      deadline_timer.cancel();
      poll_timer.cancel();
    }
  };
  auto read_all = [&](asio::readable_pipe& pipe, std::string& into) {
    asio::async_read(pipe, asio::dynamic_buffer(into),
                     [&](const boost::system::error_code&, std::size_t) { one_done(); });
  };
  std::optional<SigpipeGuard> sigpipe_guard;
  if (options.stdin_data) sigpipe_guard.emplace();
  read_all(out_pipe, result.out);
  read_all(err_pipe, result.err);
  if (options.stdin_data) {
    asio::async_write(in_pipe, asio::buffer(*options.stdin_data), [&](const boost::system::error_code&, std::size_t) {
      boost::system::error_code ignored;
      in_pipe.close(ignored);
      one_done();
    });
  }
  if (options.timeout) {
    deadline_timer.expires_at(deadline);
    deadline_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec || io_done) return;
      // A timeout only when the process itself is still running; when it has exited and only
      // something it started holds the pipes, reading just stops.
      if (!check_exited()) {
        result.timed_out = true;
        kill_it();
      }
      stop_io();
    });
  }
  // While the pipes are open, look now and then whether the process has exited: something it
  // started may hold the pipes for a long time after it.
  std::chrono::milliseconds poll_every{5};
  std::optional<std::chrono::steady_clock::time_point> exited_at;
  std::function<void()> schedule_poll = [&] {
    poll_timer.expires_after(poll_every);
    poll_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec || io_done) return;
      const auto now = std::chrono::steady_clock::now();
      if (!exited_at && check_exited()) exited_at = now;
      if (exited_at && now >= *exited_at + k_output_grace_after_exit) {
        stop_io();
        return;
      }
      poll_every = exited_at ? std::chrono::milliseconds{20} : std::min(poll_every * 2, std::chrono::milliseconds{100});
      schedule_poll();
    });
  };
  schedule_poll();
  ctx.run();
  sigpipe_guard.reset();

  // Read what is still buffered (what the process wrote just before it exited), without waiting.
  auto drain = [](asio::readable_pipe& pipe, std::string& into) {
    if (!pipe.is_open()) return;
    const int fd = pipe.native_handle();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    char buffer[65536];
    for (int i = 0; i < 256; ++i) {  // bounded: a grandchild may keep writing
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) into.append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR) break;  // EOF, EAGAIN (nothing more now) or an error
    }
    boost::system::error_code ignored;
    pipe.close(ignored);
  };
  drain(out_pipe, result.out);
  drain(err_pipe, result.err);

  if (!exited && options.timeout && !result.timed_out) {
    // The pipes can close before the process ends (it closed them itself): poll until the deadline.
    while (!check_exited()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        result.timed_out = true;
        kill_it();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  boost::system::error_code ec;
  if (!exited && proc.running(ec) && !ec) proc.wait();
  const int status = proc.native_exit_code();
  result.signaled = WIFSIGNALED(status);
  result.exit_code = result.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  return result;
}

}  // namespace torchx::util
