// SPDX-License-Identifier: BSD-3-Clause
#include "isolate.hpp"

#include "calls.hpp"

#include <boost/json.hpp>

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace json = boost::json;

namespace torchx::conformance {
namespace {

/// The child's side: runs the check and writes `{"outcome", "reason", "error_returns",
/// "problems"}` to `fd`.
[[noreturn]] void child_main(const std::function<CheckResult()>& check, int fd) {
  ::setpgid(0, 0);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ledger() = MessageLedger{};
  CheckResult result;
  try {
    result = check();
  } catch (const std::exception& e) {
    result = fail(e.what());
  } catch (...) {
    result = fail("an exception of unknown type escaped");
  }
  json::array problems;
  for (const auto& p : ledger().problems) problems.emplace_back(p);
  const std::string text = json::serialize(json::object{{"outcome", static_cast<int>(result.outcome)},
                                                        {"reason", result.reason},
                                                        {"error_returns", ledger().error_returns},
                                                        {"problems", std::move(problems)}});
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  std::fflush(nullptr);
  ::_exit(0);
}

/// Reads `fd` to its end, or until `timeout_s` passes (0: no limit). False on a timeout.
bool read_all(int fd, int timeout_s, std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buffer[4096];
  while (true) {
    int wait_ms = -1;
    if (timeout_s > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return false;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

CheckResult decode(const std::string& text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return fail("the check's process answered garbage (harness bug)");
  const json::object& o = v.get_object();
  CheckResult r;
  r.outcome = static_cast<Outcome>(o.at("outcome").as_int64());
  r.reason = std::string(o.at("reason").as_string());
  ledger().error_returns += static_cast<int>(o.at("error_returns").as_int64());
  for (const auto& p : o.at("problems").as_array()) ledger().problems.emplace_back(p.as_string());
  return r;
}

}  // namespace

CheckResult run_isolated(const std::function<CheckResult()>& check, int timeout_s) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return fail(std::string("cannot create a pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return fail(std::string("cannot fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(check, fds[1]);
  }
  ::close(fds[1]);
  std::string text;
  const bool finished = read_all(fds[0], timeout_s, text);
  ::close(fds[0]);
  if (!finished) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return fail("did not finish within " + std::to_string(timeout_s) + " s (see --timeout); the plugin was killed");
  }
  if (WIFSIGNALED(status) && text.empty()) {
    const int sig = WTERMSIG(status);
    return fail("the plugin crashed: signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")");
  }
  if (text.empty()) {
    return fail("the plugin ended the process (exit code " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ") during the check");
  }
  return decode(text);
}

}  // namespace torchx::conformance
