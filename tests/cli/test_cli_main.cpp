// SPDX-License-Identifier: BSD-3-Clause
// Black-box tests of the real `torchx` binary: stdout, stderr and the exit code.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>

using torchx::util::ProcessOptions;
using torchx::util::ProcessResult;

namespace {

/// Runs torchx hermetically (cli_env.hpp), with `env` on top.
ProcessResult run_torchx(std::vector<std::string> args,
                         std::vector<std::pair<std::string, std::optional<std::string>>> env = {}) {
  static const torchx::test::TempDir tmp;
  args.insert(args.begin(), TORCHX_EXE);
  auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
  options.env.insert(options.env.end(), env.begin(), env.end());
  return torchx::util::run_process(args, options);
}

/// Runs `script` in /bin/sh with $0 the torchx binary, hermetically, with `env` on top.
ProcessResult run_torchx_in_shell(const std::string& script,
                                  std::vector<std::pair<std::string, std::optional<std::string>>> env = {}) {
  static const torchx::test::TempDir tmp;
  auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
  options.env.insert(options.env.end(), env.begin(), env.end());
  return torchx::util::run_process({"/bin/sh", "-c", script, TORCHX_EXE}, options);
}

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx --help prints usage, commands and exit codes on stdout") {
  for (const char* flag : {"--help", "-h"}) {
    CAPTURE(flag);
    const auto r = run_torchx({flag});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.starts_with("usage: torchx [--log_level LEVEL] [--plugin-path DIR]... [--version] [-h] <command> [<args>]\n"));
    CHECK(r.out.find("\n  help        show the help of torchx or of one command\n") != std::string::npos);
    CHECK(r.out.find("\nexit codes:\n  0    ok\n") != std::string::npos);
    CHECK(r.out.find("Kubernetes") == std::string::npos);  // not supported yet (README): not claimed
    CHECK(r.out.find("  2    usage error: unknown command or flag, bad or missing argument of a command or component\n") != std::string::npos);
  }
  const auto help = run_torchx({"help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out == run_torchx({"--help"}).out);
}

TEST_CASE("torchx --version prints the version") {
  const auto r = run_torchx({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "torchx-" TORCHX_TEST_VERSION "\n");
  CHECK(r.err.empty());
}

TEST_CASE("torchx --version, --help and -h alone mean what the parser makes of them among other flags") {
  // Alone on the line they skip the global flags' parser (start-up): the same output either way.
  const auto version = run_torchx({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out == run_torchx({"--log_level", "INFO", "--version"}).out);
  const auto help = run_torchx({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.starts_with("usage: torchx "));
  for (const std::vector<std::string>& other : std::vector<std::vector<std::string>>{
           {"-h"}, {"--log_level", "INFO", "--help"}, {"--version", "--help"}, {"-h", "--version"}}) {
    CAPTURE(other.front());
    const auto r = run_torchx(other);
    CHECK(r.exit_code == 0);
    CHECK(r.out == help.out);
    CHECK(r.err == help.err);
  }
  // Not alone: still parsed, and still refused when wrong.
  const auto twice = run_torchx({"--version", "--versoin"});
  CHECK(twice.exit_code == 2);
  CHECK(twice.err == "torchx: error: unrecognized option '--versoin': did you mean '--version'? (see: torchx --help)\n");
}

TEST_CASE("torchx without a command is a usage error") {
  const auto r = run_torchx({});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "usage: torchx [--log_level LEVEL] [--plugin-path DIR]... [--version] [-h] <command> [<args>]\n"
                 "torchx: error: no command given (see: torchx --help)\n");
}

TEST_CASE("torchx with an unknown command suggests the closest one") {
  const auto r = run_torchx({"hepl"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "torchx: error: unknown command 'hepl': did you mean 'help'? (see: torchx --help)\n");
  const auto far = run_torchx({"launch"});
  CHECK(far.exit_code == 2);
  CHECK(far.err == "torchx: error: unknown command 'launch' (see: torchx --help)\n");
}

TEST_CASE("torchx with an unknown flag is a usage error with a suggestion") {
  auto r = run_torchx({"--versoin"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: unrecognized option '--versoin': did you mean '--version'? (see: torchx --help)\n");
  r = run_torchx({"--log-level=DEBUG", "help"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: unrecognized option '--log-level': did you mean '--log_level'? (see: torchx --help)\n");
  r = run_torchx({"-x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("torchx: error: unrecognized option '-x'"));
}

TEST_CASE("torchx --log_level takes TorchX's level names in any case") {
  CHECK(run_torchx({"--log_level", "debug", "--version"}).exit_code == 0);
  CHECK(run_torchx({"--log_level=WARNING", "help"}).exit_code == 0);
  auto r = run_torchx({"--log_level", "LOUD", "help"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: invalid --log_level 'LOUD': expected DEBUG, INFO, WARNING, ERROR or CRITICAL\n");
  r = run_torchx({"--log_level"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: the required argument for option '--log_level' is missing (see: torchx --help)\n");
}

TEST_CASE("torchx warns about a bad LOGLEVEL and goes on") {
  const auto r = run_torchx({"help"}, {{"LOGLEVEL", "chatty"}});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "torchx: warning: ignoring LOGLEVEL='chatty': expected DEBUG, INFO, WARNING, ERROR or CRITICAL\n");
}

TEST_CASE("torchx help COMMAND shows that command's help") {
  auto r = run_torchx({"help", "help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("usage: torchx help [COMMAND]\n"));
  r = run_torchx({"help", "hlep"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: unknown command 'hlep': did you mean 'help'? (see: torchx --help)\n");
  r = run_torchx({"help", "a", "b"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: help takes one command, given 2\n");
}

TEST_CASE("torchx echoes a hostile argument literally and does not crash") {
  const std::string hostile = "$(touch /tmp/torchx-pwned);`id`|&>\"'\\\n\t*";
  const auto r = run_torchx({hostile});
  CHECK(r.exit_code == 2);
  CHECK_FALSE(r.signaled);
  CHECK(r.err == "torchx: error: unknown command '" + hostile + "' (see: torchx --help)\n");
  const auto flag = run_torchx({"--" + hostile});
  CHECK(flag.exit_code == 2);
  CHECK_FALSE(flag.signaled);
}

TEST_CASE("torchx whose output cannot be written says so and fails") {
  // stdout on /dev/full: every write fails with ENOSPC, as on a full disk.
  const auto r = run_torchx_in_shell("exec \"$0\" builtins > /dev/full");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: cannot write the output: No space left on device\n");
}

TEST_CASE("what torchx prints on stdout comes before what it says next on stderr") {
  // plugins check: a plugin's debug line (stderr), then its result (stdout), plugin by plugin.
  const auto r = run_torchx_in_shell("exec \"$0\" plugins check 2>&1", {{"TORCHX_PLUGIN_DEBUG", "1"}});
  CHECK(r.exit_code == 0);
  for (const char* name : {"builtins", "local", "slurm"}) {
    CAPTURE(name);
    const auto debug = r.out.find("plugin '" + std::string(name) + "': loaded in a child process");
    const auto ok = r.out.find("ok      " + std::string(name) + " ");
    REQUIRE(debug != std::string::npos);
    REQUIRE(ok != std::string::npos);
    CHECK(debug < ok);
    // ... and the next plugin's debug line comes after this plugin's result.
    const auto next_debug = r.out.find("loaded in a child process", r.out.find('\n', debug));
    if (next_debug != std::string::npos) CHECK(ok < next_debug);
  }
}

TEST_SUITE_END();
