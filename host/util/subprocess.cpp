// SPDX-License-Identifier: BSD-3-Clause
// run_process over Boost.Process v2 (header-only in Boost 1.81).
#include "subprocess.hpp"

// Boost 1.81 bug: with BOOST_PROCESS_USE_STD_FS, process/v2 uses boost::optional and type traits
// without including them (see ../shared/reference/environment.md §1).
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

#include <sys/wait.h>

#include <cerrno>
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

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::system_error(EINVAL, std::generic_category(), "run_process: empty argv");
  asio::io_context ctx;
  asio::readable_pipe out_pipe{ctx};
  asio::readable_pipe err_pipe{ctx};
  asio::writable_pipe in_pipe{ctx};
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  const std::vector<std::string> env = merged_environment(options);
  const std::filesystem::path exe = resolve_executable(argv[0]);

  // process_stdio must be passed as a temporary: in Boost 1.81 a named one leaves the parent's
  // copies of the pipes' write ends open, so reading the child's output never sees EOF.
  auto spawn = [&](bp::process_stdio&& stdio) {
    if (options.cwd.empty()) return bp::process(ctx, exe, args, std::move(stdio), bp::process_environment(env));
    return bp::process(ctx, exe, args, std::move(stdio), bp::process_environment(env), bp::process_start_dir(options.cwd));
  };
  bp::process proc = options.stdin_data ? spawn(bp::process_stdio{in_pipe, out_pipe, err_pipe})
                                        : spawn(bp::process_stdio{nullptr, out_pipe, err_pipe});

  ProcessResult result;
  // Past the timeout: SIGKILL, and close our ends of the pipes so that the reads end even when a
  // grandchild still holds the write ends.
  asio::steady_timer timer{ctx};
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.value_or(std::chrono::milliseconds{0});
  auto kill_on_timeout = [&] {
    boost::system::error_code ignored;
    result.timed_out = true;
    proc.terminate(ignored);
    out_pipe.close(ignored);
    err_pipe.close(ignored);
    in_pipe.close(ignored);
  };
  int pending = options.stdin_data ? 3 : 2;  // the reads and the write; then the timer is not needed
  auto one_done = [&] {
    if (--pending == 0) timer.cancel();
  };
  auto read_all = [&](asio::readable_pipe& pipe, std::string& into) {
    asio::async_read(pipe, asio::dynamic_buffer(into),
                     [&](const boost::system::error_code&, std::size_t) { one_done(); });
  };
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
    timer.expires_at(deadline);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) kill_on_timeout();
    });
  }
  ctx.run();
  if (options.timeout) {
    // The pipes can close before the process ends (it closed them itself): poll until the deadline.
    // running() reaps the process and keeps its status once it has ended.
    boost::system::error_code ec;
    while (!result.timed_out && proc.running(ec) && !ec) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill_on_timeout();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (proc.running(ec) && !ec) proc.wait();
  } else {
    proc.wait();
  }
  const int status = proc.native_exit_code();
  result.signaled = WIFSIGNALED(status);
  result.exit_code = result.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  return result;
}

}  // namespace torchx::util
