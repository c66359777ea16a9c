// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/process.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <system_error>
#include <thread>

using namespace torchx::util;

namespace {

/// Kills (SIGKILL) the process whose pid is the first line of `text`, when it ends its scope.
struct KillOnExit {
  pid_t pid = 0;
  explicit KillOnExit(const std::string& text) {
    try {
      pid = static_cast<pid_t>(std::stol(text));
    } catch (const std::exception&) {
    }
  }
  ~KillOnExit() {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
};

/// True when `pid` no longer runs (gone, or a zombie waiting for its new parent to reap it).
bool ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

}  // namespace

TEST_SUITE_BEGIN("util");

TEST_CASE("util::run_process captures stdout, stderr and the exit code") {
  const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 7"});
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.exit_code == 7);
  CHECK_FALSE(r.signaled);
}

TEST_CASE("util::run_process tells a signal from an exit code") {
  const auto killed = run_process({"sh", "-c", "kill -TERM $$"});
  CHECK(killed.signaled);
  CHECK(killed.exit_code == SIGTERM);
  const auto exited = run_process({"sh", "-c", "exit 15"});
  CHECK_FALSE(exited.signaled);
  CHECK(exited.exit_code == 15);
}

TEST_CASE("util::run_process passes arguments byte for byte, without a shell") {
  const std::string hostile = "$(touch /tmp/torchx-pwned) `id` ; | & > \"' \\ *";
  const auto r = run_process({"printf", "%s", hostile});
  CHECK(r.out == hostile);
}

TEST_CASE("util::run_process feeds stdin, sets env and cwd") {
  ProcessOptions options;
  options.stdin_data = std::string(200000, 'x');  // larger than a pipe buffer
  options.env = {{"TORCHX_TEST_VAR", "v1"}, {"HOME", std::nullopt}};
  options.cwd = "/";
  const auto r = run_process({"sh", "-c", "wc -c; echo $TORCHX_TEST_VAR; echo ${HOME-unset}; pwd"}, options);
  CHECK(r.out == "200000\nv1\nunset\n/\n");
}

TEST_CASE("util::run_process kills a process that runs past its timeout") {
  ProcessOptions options;
  options.timeout = std::chrono::milliseconds(200);
  const auto hung = run_process({"sh", "-c", "echo started; exec sleep 600"}, options);
  CHECK(hung.timed_out);
  CHECK(hung.signaled);
  CHECK(hung.exit_code == SIGKILL);
  CHECK(hung.out == "started\n");  // what it printed before is kept

  // One that closed its output first, and one whose grandchild keeps the pipes open.
  const auto closed = run_process({"sh", "-c", "exec >&- 2>&-; exec sleep 600"}, options);
  CHECK(closed.timed_out);
  CHECK(closed.exit_code == SIGKILL);
  const auto orphan = run_process({"sh", "-c", "sleep 3 & exec sleep 601"}, options);
  CHECK(orphan.timed_out);

  options.timeout = std::chrono::milliseconds(60000);
  const auto quick = run_process({"sh", "-c", "echo fine; exit 3"}, options);
  CHECK_FALSE(quick.timed_out);
  CHECK_FALSE(quick.signaled);
  CHECK(quick.exit_code == 3);
  CHECK(quick.out == "fine\n");
}

TEST_CASE("util::run_process: a process that exited is not a timeout, even when its child holds the pipes") {
  // sh exits at once; the `sleep 30` it started keeps its stdout and stderr open.
  ProcessOptions options;
  options.timeout = std::chrono::seconds(20);  // a limit: past it, the old behaviour said timed_out
  const auto r = run_process({"sh", "-c", "sleep 30 & echo $!; echo printed >&2; exit 4"}, options);
  const KillOnExit daemon(r.out);
  CHECK(daemon.pid > 0);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.signaled);
  CHECK(r.exit_code == 4);
  CHECK(r.err == "printed\n");  // everything the process itself wrote is read
  CHECK_FALSE(ended(daemon.pid));  // nothing killed what it started

  // The same without a timeout: it does not wait for the grandchild either.
  const auto untimed = run_process({"sh", "-c", "sleep 30 & echo $!; echo fine"});
  const KillOnExit daemon2(untimed.out);
  CHECK(untimed.exit_code == 0);
  CHECK(untimed.out.ends_with("\nfine\n"));
}

TEST_CASE("util::run_process: new_process_group kills what the process started when it times out") {
  ProcessOptions options;
  options.timeout = std::chrono::milliseconds(300);
  options.new_process_group = true;
  const auto r = run_process({"sh", "-c", "sleep 30 & echo $!; exec sleep 600"}, options);
  const KillOnExit daemon(r.out);
  CHECK(r.timed_out);
  CHECK(r.signaled);
  CHECK(r.exit_code == SIGKILL);
  REQUIRE(daemon.pid > 0);
  // Its grandchild got SIGKILL too; wait (a limit, not a timing assertion) for it to be gone.
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ended(daemon.pid) && std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(ended(daemon.pid));

  // A process in a group of its own still runs normally.
  options.timeout = std::chrono::seconds(60);
  const auto quick = run_process({"sh", "-c", "echo fine; exit 3"}, options);
  CHECK_FALSE(quick.timed_out);
  CHECK(quick.exit_code == 3);
  CHECK(quick.out == "fine\n");
}

TEST_CASE("util::run_process: the child gets the caller's signal mask and default handlers, and none of its other fds") {
  // run_process blocks every signal while it starts the child (which runs in the caller's memory
  // until its exec): the program must still start with the caller's own mask, not that one.
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigset_t before;
  pthread_sigmask(SIG_BLOCK, &usr2, &before);
  struct sigaction handler {};
  handler.sa_handler = [](int) {};
  struct sigaction old {};
  sigaction(SIGUSR1, &handler, &old);
  const int leaked = ::open("/dev/null", O_RDONLY);  // not close-on-exec: still not the child's
  REQUIRE(leaked > 2);
  // No shell (dash clears its signal mask): grep's and ls's own.
  const auto r = run_process({"grep", "-E", "^Sig(Blk|Cgt)", "/proc/self/status"});
  const auto fds = run_process({"ls", "/proc/self/fd"});
  ::close(leaked);
  sigaction(SIGUSR1, &old, nullptr);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  CHECK(r.exit_code == 0);
  // SIGUSR2 (12) is bit 11: 0x800. Our SIGUSR1 handler (bit 9, 0x200) is not the shell's.
  CHECK(r.out.find("SigBlk:\t0000000000000800\n") != std::string::npos);
  CHECK(r.out.find("SigCgt:\t0000000000000200\n") == std::string::npos);
  CHECK(fds.out == "0\n1\n2\n3\n");  // 3: ls's own directory; not `leaked`, nor our pipes' other ends
}

TEST_CASE("util::run_process finds a program in PATH by name even with another working directory") {
  ProcessOptions options;
  options.cwd = "/";
  const auto r = run_process({"sh", "-c", "echo $0"}, options);
  CHECK(r.exit_code == 0);
  CHECK(r.out.ends_with("/sh\n"));  // Boost.Process passes the path it found as argv[0]
  CHECK_THROWS_WITH_AS(run_process({"/nonexistent/torchx-no-such-program"}), doctest::Contains("cannot run '/nonexistent/torchx-no-such-program'"),
                       std::system_error);
}

TEST_CASE("util::run_process: a program that exits without reading its stdin is not a SIGPIPE for us") {
  ProcessOptions options;
  options.stdin_data = std::string(4 << 20, 'x');  // far more than a pipe holds
  const auto r = run_process({"true"}, options);  // the test process would die of SIGPIPE here
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.signaled);
  sigset_t pending;
  sigpending(&pending);
  CHECK(sigismember(&pending, SIGPIPE) == 0);  // none left pending for the caller either
}

TEST_CASE("util::run_process throws when the program cannot be found") {
  CHECK_THROWS_AS(run_process({"torchx-no-such-program-xyz"}), std::system_error);
  CHECK_THROWS_AS(run_process({}), std::system_error);
}

TEST_SUITE_END();
