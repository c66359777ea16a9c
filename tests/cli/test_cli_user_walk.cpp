// SPDX-License-Identifier: BSD-3-Clause
// What a new user met walking through the CLI (issue 12): each answer asserted as stdout, stderr
// and the exit code.
#include "../support/cli_env.hpp"
#include "../support/files.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using torchx::test::first_line;
using torchx::util::ProcessResult;

namespace {

/// Runs torchx hermetically with the test plugin only.
struct Cli {
  torchx::test::TempDir tmp;

  ProcessResult operator()(const std::vector<std::string>& args) const {
    return torchx::test::run_torchx(tmp.path(), (tmp.path() / "no-system-plugins").string(),
                                    {std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d"}, args);
  }

  /// With `config` as ./.torchxconfig, `run --dryrun --json test.echo`: the message it echoes and stderr.
  std::pair<std::string, std::string> echo_with_config(const std::string& config) const {
    tmp.write("cwd/.torchxconfig", config);
    const auto r = (*this)({"run", "-s", "test_sched", "--dryrun", "--json", "test.echo"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return {std::string(boost::json::parse(r.out).at("app").at("roles").at(0).at("args").at(0).as_string()), r.err};
  }
};

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx log and status: a malformed handle is exit 1 for both") {
  Cli torchx;
  auto r = torchx({"log", "garbage"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "torchx: error: invalid log identifier 'garbage': expected "
                 "SCHEDULER://[SESSION]/APP_ID[/ROLE[/REPLICA_IDS,...]]\n");
  r = torchx({"status", "garbage"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: 'garbage' is not of the form <scheduler_backend>://<session_name>/<app_id>\n");
}

TEST_CASE("usage errors name the argument the user types, not an internal option") {
  Cli torchx;
  for (const char* verb : {"status", "describe", "cancel", "delete"}) {
    CAPTURE(verb);
    const auto r = torchx({verb});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with(std::string("torchx: error: missing APP_HANDLE (usage: torchx ") + verb));
    CHECK(r.err.find("--app_handle") == std::string::npos);
  }
  auto r = torchx({"log"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: missing APP_HANDLE (usage: torchx log [--regex R] [-t] [--streams stdout|stderr|combined] "
                 "[--json] APP_HANDLE[/ROLE[/K,...]])\n");
  CHECK(r.err.find("--identifier") == std::string::npos);
  r = torchx({"runopts", "--help"});
  CHECK(r.out.find("--scheduler") == std::string::npos);  // a positional argument is not shown as an option
}

TEST_CASE("torchx run --detach with --wait or --log is a usage error") {
  Cli torchx;
  auto r = torchx({"run", "-s", "test_sched", "--detach", "--wait", "test.echo"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.starts_with("torchx: error: --detach returns at once, --wait waits for the app: pass one of them (usage: "
                          "torchx run "));
  r = torchx({"run", "-s", "test_sched", "--log", "--detach", "test.echo"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("torchx: error: --detach returns at once, --log waits for the app: pass one of them"));
  CHECK(torchx({"list", "-s", "test_sched", "--json"}).out == "[]\n");  // nothing was launched
}

TEST_CASE("torchx cancel of a finished app says it already finished, and exits 0") {
  Cli torchx;
  const std::string done = first_line(torchx({"run", "-s", "test_sched", "test.echo"}).out);
  auto r = torchx({"cancel", done});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find(done + " already finished (SUCCEEDED): nothing to cancel\n") != std::string::npos);
  CHECK(r.err.find("cancel requested") == std::string::npos);
  const std::string running = first_line(torchx({"run", "-s", "test_sched", "-cfg", "running_polls=1000", "test.echo"}).out);
  r = torchx({"cancel", running});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("cancel requested for " + running + "\n") != std::string::npos);
}

TEST_CASE(".torchxconfig: an unknown argument in [component:NAME] is a warning naming the file") {
  Cli torchx;
  const auto [msg, err] = torchx.echo_with_config("[component:test.echo]\nmgs = typo\nmsg = from config\n");
  CHECK(msg == "from config");
  CHECK(err.find("warning  " + (torchx.tmp.path() / "cwd/.torchxconfig").string() +
                   ": [component:test.echo] mgs: component 'test.echo' has no argument 'mgs', ignored: did you "
                   "mean 'msg'? (see: torchx run test.echo --help)\n") != std::string::npos);
}

TEST_CASE(".torchxconfig: a value with an inline ' #' comment keeps it, with a warning") {
  Cli torchx;
  const auto [msg, err] = torchx.echo_with_config("[component:test.echo]\nmsg = hello   # a comment\n");
  // As Python's configparser: no inline comments, the text is part of the value.
  CHECK(msg == "hello   # a comment");
  CHECK(err.find("[component:test.echo] msg: the value 'hello   # a comment' contains ' #': comments must be on "
                   "their own line (the text after '#' is part of the value)\n") != std::string::npos);
}

TEST_CASE("torchx run waits for a scheduler that declares its apps run on this machine, whatever its name") {
  Cli torchx;
  // test_sched declares runs_locally when asked: then run waits (and streams the logs) unless --detach.
  auto r = torchx({"run", "-s", "test_sched", "-cfg", "runs_locally=true,final_state=FAILED", "test.echo", "--msg", "hi"});
  CHECK(r.exit_code == 1);
  const std::string handle = first_line(r.out);
  CHECK(r.out == handle + "\n");
  CHECK(r.err.find("echo/0 hi\n") != std::string::npos);
  CHECK(r.err.find("torchx: error: app '" + handle + "' ended FAILED") != std::string::npos);
  r = torchx({"run", "-s", "test_sched", "--detach", "-cfg", "runs_locally=true,final_state=FAILED", "test.echo"});
  CHECK(r.exit_code == 0);
  r = torchx({"run", "-s", "test_sched", "-cfg", "final_state=FAILED", "test.echo"});  // not declared: returns at once
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("ended FAILED") == std::string::npos);
}

TEST_SUITE_END();
