// SPDX-License-Identifier: BSD-3-Clause
#include "util/subprocess.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <system_error>

using namespace torchx::util;

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

TEST_CASE("util::run_process throws when the program cannot be found") {
  CHECK_THROWS_AS(run_process({"torchx-no-such-program-xyz"}), std::system_error);
  CHECK_THROWS_AS(run_process({}), std::system_error);
}

TEST_SUITE_END();
