// SPDX-License-Identifier: BSD-3-Clause
// The verbs over the plugin layer, black-box: the real binary, the test scheduler plugin and the
// fixture plugins, through the real ABI. Asserts stdout, stderr and the exit code.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "../support/files.hpp"

using torchx::test::first_line;

using torchx::util::ProcessOptions;
using torchx::util::ProcessResult;

namespace {

const std::string k_test_plugins = std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d";
std::string fixture(const std::string& variant) { return std::string(TORCHX_FIXTURE_DIR) + "/" + variant + "/plugins.d"; }

/// Runs torchx hermetically: only the given plugin dirs, its own state file, no LOGLEVEL.
struct Cli {
  torchx::test::TempDir tmp;
  std::vector<std::string> plugin_dirs{k_test_plugins};
  std::vector<std::pair<std::string, std::optional<std::string>>> env;

  ProcessResult operator()(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{TORCHX_EXE};
    for (const auto& d : plugin_dirs) {
      argv.push_back("--plugin-path");
      argv.push_back(d);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    auto options = torchx::test::hermetic_cli_options(tmp.path(), (tmp.path() / "no-system-plugins").string());
    options.env.insert(options.env.end(), env.begin(), env.end());
    return torchx::util::run_process(argv, options);
  }
};

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx builtins lists the components of the plugins found") {
  Cli torchx;
  auto r = torchx({"builtins"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Found 2 builtin components:\n  1. test.args\n  2. test.echo\n");
  r = torchx({"builtins", "--json"});
  CHECK(r.out == R"([{"name":"test.args","plugin":"test_plugin"},{"name":"test.echo","plugin":"test_plugin"}])"
                 "\n");
}

TEST_CASE("torchx plugins explains what it found, what it skipped and why") {
  Cli torchx;
  torchx.tmp.write("extra/broken.json", "{\"file_format_version\": \"1.0.0\"}");
  torchx.tmp.write("extra/test_plugin.json", "{}");  // broken too: reported, not shadowing
  torchx.plugin_dirs.push_back((torchx.tmp.path() / "extra").string());
  torchx.plugin_dirs.push_back(fixture("good"));
  torchx.plugin_dirs.push_back(k_test_plugins + "/../plugins.d");  // the same dir again: listed once
  const auto r = torchx({"plugins"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("  " + k_test_plugins + "  (--plugin-path)\n") != std::string::npos);
  CHECK(r.out.find("\nplugins (2):\n  test_plugin 0.1.0  " + k_test_plugins + "/test_plugin.json\n") != std::string::npos);
  CHECK(r.out.find("      schedulers: test_sched\n      components: test.echo, test.args\n") != std::string::npos);
  CHECK(r.out.find("  fx_good 1.0.0  ") != std::string::npos);
  const std::string extra = (torchx.tmp.path() / "extra").string();
  CHECK(r.out.find("\nnot used (2):\n  " + extra + "/broken.json (broken): invalid manifest: missing \"plugin\"\n") !=
        std::string::npos);
  // One warning per broken manifest, naming the plugin, the manifest and the reason.
  CHECK(r.err.find("warning  plugin 'broken' (" + extra + "/broken.json): invalid manifest: missing \"plugin\"\n") !=
        std::string::npos);

  const auto json = boost::json::parse(torchx({"plugins", "--json"}).out).as_object();
  CHECK(json.at("plugins").as_array().size() == 2);
  CHECK(json.at("skipped").as_array().size() == 2);
}

TEST_CASE("torchx plugins check loads each plugin and reports failures with exit 3") {
  Cli torchx;
  auto r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok      test_plugin (ABI 1)\n");

  torchx.plugin_dirs = {fixture("wrong_abi"), fixture("throws"), fixture("good")};
  r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.signaled);
  CHECK(r.out == "FAILED  fx_wrong_abi: answered ABI 2, this torchx supports 1..1\n"
                 "FAILED  fx_throws: threw an exception from tx_plugin_negotiate (exceptions must not cross the ABI)\n"
                 "ok      fx_good (ABI 1)\n");
  r = torchx({"plugins", "check", "fx_good"});
  CHECK(r.exit_code == 0);
  r = torchx({"plugins", "check", "fx_godo"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: no plugin named 'fx_godo': did you mean 'fx_good'? (see: torchx plugins)\n");
  r = torchx({"plugins", "chekc"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("torchx: error: unknown plugins action 'chekc': did you mean 'check'?"));
}

TEST_CASE("torchx --help, builtins and plugins dlopen no plugin") {
  Cli torchx;
  torchx.env = {{"LD_DEBUG", "files"}};
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"builtins"}, {"plugins"}}) {
    const auto r = torchx(args);
    CAPTURE(args[0]);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("libtorchx_plugin_") == std::string::npos);
  }
  // The check itself can fail: `plugins check` does load.
  CHECK(torchx({"plugins", "check"}).err.find("libtorchx_plugin_test_plugin.so") != std::string::npos);
}

TEST_CASE("torchx runopts shows a scheduler's run options") {
  Cli torchx;
  auto r = torchx({"runopts", "test_sched"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("test_sched:\n    usage:\n        [final_state=FINAL_STATE],[running_polls=RUNNING_POLLS]"));
  CHECK(r.out.find("        tags=TAGS (typing.List[str], None)\n") != std::string::npos);
  r = torchx({"runopts", "--json"});
  const auto opts = boost::json::parse(r.out).as_object().at("test_sched").as_array();
  CHECK(opts.size() == 7);
  CHECK(opts[0].as_object().at("name") == "final_state");
  r = torchx({"runopts", "slurm"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: unknown scheduler 'slurm' (available: test_sched; see: torchx plugins)\n");
}

TEST_CASE("torchx run --dryrun prints the AppDef and the request, and launches nothing") {
  Cli torchx;
  auto r = torchx({"run", "-s", "test_sched", "--dryrun", "test.echo", "--msg", "hi"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("=== APPLICATION ===\n{\n  \"name\": \"echo\",\n"));
  CHECK(r.out.find("\n=== SCHEDULER REQUEST ===\necho/0: echo hi\n") != std::string::npos);
  CHECK(torchx({"list", "-s", "test_sched", "--json"}).out == "[]\n");

  r = torchx({"run", "-s", "test_sched", "--dryrun", "--json", "-cfg", "priority=2,tags=a;b", "test.echo"});
  CHECK(r.exit_code == 0);
  const auto d = boost::json::parse(r.out).as_object();
  std::vector<std::string> keys;
  for (const auto& kv : d) keys.emplace_back(kv.key());
  CHECK(keys == std::vector<std::string>{"app", "scheduler", "cfg", "workspace", "request", "request_text"});
  CHECK(d.at("scheduler") == "test_sched");
  CHECK(d.at("cfg").as_object().at("priority") == 2.0);
  CHECK(boost::json::serialize(d.at("cfg").as_object().at("tags")) == R"(["a","b"])");
  CHECK(d.at("app").as_object().at("roles").as_array()[0].as_object().at("env").as_object().at("TORCHX_JOB_ID") ==
        "test_sched://torchx/${app_id}");
}

TEST_CASE("torchx run, status, describe, list, log, cancel and delete work across processes") {
  Cli torchx;
  const std::string hostile = "$(touch /tmp/pwned); `id` | & > \"' \\ *";
  auto r = torchx({"run", "-s", "test_sched", "test.echo", "--msg", hostile, "--num_replicas", "2"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  CHECK(handle.starts_with("test_sched://torchx/echo-"));
  CHECK(r.out == handle + "\n");

  r = torchx({"status", handle});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("AppStatus:\n    State: SUCCEEDED\n    Num Restarts: 0\n    Roles: \n *echo[0]:SUCCEEDED\n  echo[1]:SUCCEEDED\n"));
  r = torchx({"status", "--json", handle});
  CHECK(boost::json::parse(r.out).as_object().at("state") == "SUCCEEDED");

  r = torchx({"describe", "--json", handle});
  CHECK(r.exit_code == 0);
  const auto app = boost::json::parse(r.out).as_object();
  CHECK(std::string(app.at("roles").as_array()[0].as_object().at("args").as_array()[0].as_string()) == hostile);

  r = torchx({"log", handle});
  CHECK(r.exit_code == 0);
  // One thread per replica: whole lines, in either order.
  CHECK((r.out == "echo/0 " + hostile + "\necho/1 " + hostile + "\n" || r.out == "echo/1 " + hostile + "\necho/0 " + hostile + "\n"));
  r = torchx({"log", handle + "/echo/1"});
  CHECK(r.out == "echo/1 " + hostile + "\n");
  r = torchx({"log", "--json", handle + "/echo/0"});
  CHECK(r.out == boost::json::serialize(boost::json::object{{"role", "echo"}, {"replica", 0}, {"line", hostile}}) + "\n");
  r = torchx({"log", "--regex", "^nothing$", handle + "/echo/0"});
  CHECK(r.out.empty());
  r = torchx({"log", handle + "/nope"});
  CHECK(r.exit_code == 1);  // as an unknown replica or app
  CHECK(r.err == "torchx: error: app '" + handle + "' has no role 'nope' (roles: echo)\n");
  r = torchx({"log", "not-a-handle"});
  CHECK(r.exit_code == 1);  // a malformed handle, as for status

  r = torchx({"run", "-s", "test_sched", "-cfg", "running_polls=1000", "test.echo"});
  const std::string running = first_line(r.out);
  r = torchx({"list", "-s", "test_sched"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("APP HANDLE"));
  CHECK(r.out.find(handle) != std::string::npos);
  CHECK(r.out.find(running) != std::string::npos);
  CHECK(r.out.find("RUNNING") != std::string::npos);

  r = torchx({"delete", running});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("is still running: cancel it first") != std::string::npos);
  CHECK(torchx({"cancel", running}).exit_code == 0);
  CHECK(torchx({"cancel", running}).exit_code == 0);  // idempotent
  CHECK(torchx({"status", "--json", running}).out.find("\"state\":\"CANCELLED\"") != std::string::npos);
  CHECK(torchx({"delete", running}).exit_code == 0);
  r = torchx({"status", running});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: app '" + running + "' not found (it does not exist or was removed)\n");
}

TEST_CASE("torchx run --wait exits 1 when the app does not succeed") {
  Cli torchx;
  auto r = torchx({"run", "-s", "test_sched", "--wait", "-cfg", "final_state=FAILED", "test.echo"});
  CHECK(r.exit_code == 1);
  const std::string handle = first_line(r.out);
  CHECK(r.err.find("torchx: error: app '" + handle + "' ended FAILED: failed as asked (final_state=FAILED)\n") !=
        std::string::npos);
  r = torchx({"run", "-s", "test_sched", "--log", "test.echo", "--msg", "bye"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == first_line(r.out) + "\n");  // stdout: the handle only (TorchX: logs on stderr)
  CHECK(r.err.find("echo/0 bye\n") != std::string::npos);
}

TEST_CASE("torchx run and log ask the scheduler only what they need: run_opts once, one describe before the logs") {
  Cli torchx;
  const auto calls = torchx.tmp.path() / "calls";
  torchx.env.emplace_back("TORCHX_TEST_SCHEDULER_CALLS", calls.string());
  auto count = [&](const std::string& call) {
    const std::string text = torchx::test::slurp(calls);
    std::size_t n = 0;
    for (std::size_t pos = 0; (pos = text.find(call + "\n", pos)) != std::string::npos; pos += call.size()) ++n;
    return n;
  };
  // -cfg and the dryrun's cfg both need the run options: asked once.
  auto r = torchx({"run", "-s", "test_sched", "--dryrun", "-cfg", "final_state=SUCCEEDED", "test.echo"});
  REQUIRE(r.exit_code == 0);
  CHECK(count("run_opts") == 1);
  CHECK(count("describe") == 0);
  std::filesystem::remove(calls);

  // Waiting with the logs: one describe for the state and the roles, the log stream (no describe
  // per replica), then the waits (the app ends after `running_polls` describes).
  r = torchx({"run", "-s", "test_sched", "--log", "-cfg", "running_polls=2", "test.echo", "--msg", "hi", "--num_replicas",
              "2"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("echo/1 hi\n") != std::string::npos);
  CHECK(count("run_opts") == 1);
  CHECK(count("describe") == 2);  // the logs' (RUNNING, 1 left) and the wait's (SUCCEEDED); 5 before
  std::filesystem::remove(calls);

  // `torchx log` of a running app: one describe, whatever the number of replicas.
  r = torchx({"run", "-s", "test_sched", "-cfg", "running_polls=1000", "test.echo", "--num_replicas", "3"});
  const std::string handle = first_line(r.out);
  std::filesystem::remove(calls);
  r = torchx({"log", handle});
  CHECK(r.exit_code == 0);
  CHECK(count("describe") == 1);
}

TEST_CASE("torchx run reports each kind of mistake with its exit code") {
  Cli torchx;
  torchx.plugin_dirs.push_back(fixture("wrong_abi"));
  torchx.plugin_dirs.push_back(fixture("fails"));
  auto r = torchx({"run", "-s", "test_shed", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: unknown scheduler 'test_shed': did you mean 'test_sched'? (available: "));
  r = torchx({"run", "-s", "test_sched", "test.ecko"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'test.ecko' not found: did you mean 'test.echo'? (see: torchx builtins)\n");
  r = torchx({"run", "-s", "test_sched", "test.echo", "--mgs", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: component 'test.echo': unknown argument '--mgs': did you mean '--msg'?\n");
  r = torchx({"run", "-s", "test_sched", "-cfg", "final_sate=FAILED", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: unknown run option 'final_sate' of scheduler 'test_sched': did you mean 'final_state'? "
                 "(see: torchx runopts test_sched)\n");
  r = torchx({"run", "-s", "test_sched", "-cfg", "running_polls=soon", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: run option 'running_polls' must be an int, but was 'soon' (see: torchx runopts test_sched)\n");
  r = torchx({"run", "-s", "test_sched", "-cfg", "nonsense", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: -cfg: invalid key=value list 'nonsense': expected at least one 'key=value' pair\n");
  r = torchx({"run", "-s", "test_sched", "-s", "test_sched", "test.echo"});
  CHECK(r.exit_code == 2);
  r = torchx({"run", "-s", "test_sched"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("torchx: error: missing component name"));
  r = torchx({"run", "-s", "fx_wrong_abi", "test.echo"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.starts_with("torchx: error: plugin 'fx_wrong_abi' ("));
  CHECK(r.err.ends_with("): answered ABI 2, this torchx supports 1..1\n"));
  r = torchx({"run", "-s", "fx_fails", "test.echo"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "torchx: error: scheduler 'fx_fails' schedule: the fixture cluster is down\n");
  r = torchx({"status", "test_sched://torchx/never-was"});
  CHECK(r.exit_code == 1);
  r = torchx({"status", "garbage"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: 'garbage' is not of the form <scheduler_backend>://<session_name>/<app_id>\n");
  r = torchx({"list", "-s", "fx_fails"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: scheduler 'fx_fails' does not support list\n");
}

TEST_CASE("torchx run COMPONENT --help shows the component's arguments") {
  Cli torchx;
  const auto r = torchx({"run", "-s", "test_sched", "test.args", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("usage: torchx run [run options] test.args --name name [script_args ...]\n\nRecords its arguments"));
  CHECK(r.out.find("  --name (str)\n      the app name (required)\n") != std::string::npos);
  CHECK(r.out.find("  -j, --j (str)\n      nodes x procs (default: 1x2)\n") != std::string::npos);
}

TEST_CASE(".torchxconfig: run options, the default scheduler and component, argument defaults, and the CLI wins") {
  Cli torchx;
  torchx.tmp.write("home/.torchxconfig", "[test_sched]\nfinal_state = CANCELLED\npriority = 0.25\n");
  torchx.tmp.write("cwd/.torchxconfig",
                   "[test_sched]\nfinal_state = FAILED\nbogus = 1\n\n[cli:run]\nscheduler = test_sched\n"
                   "component = test.echo\n\n[component:test.echo]\nmsg = from config\n\n[nonsense]\na = b\n");
  auto r = torchx({"run", "--dryrun", "--json"});
  REQUIRE(r.exit_code == 0);
  auto d = boost::json::parse(r.out).as_object();
  CHECK(d.at("scheduler") == "test_sched");
  CHECK(d.at("cfg").at("final_state") == "FAILED");  // the project's file beats the user's
  CHECK(d.at("cfg").at("priority") == 0.25);         // ... key by key
  CHECK(d.at("app").at("roles").at(0).at("args").at(0) == "from config");
  CHECK(r.err.find("warning  " + (torchx.tmp.path() / "cwd/.torchxconfig").string() +
                   ": [nonsense]: unknown section, ignored") != std::string::npos);
  CHECK(r.err.find("[test_sched] bogus: not a run option of scheduler 'test_sched', ignored") != std::string::npos);

  r = torchx({"run", "--dryrun", "--json", "-cfg", "final_state=SUCCEEDED", "test.echo", "--msg", "from cli"});
  d = boost::json::parse(r.out).as_object();
  CHECK(d.at("cfg").at("final_state") == "SUCCEEDED");
  CHECK(d.at("app").at("roles").at(0).at("args").at(0) == "from cli");

  torchx.tmp.write("cwd/.torchxconfig", "[test_sched]\nrunning_polls = soon\n");
  r = torchx({"run", "-s", "test_sched", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: " + (torchx.tmp.path() / "cwd/.torchxconfig").string() +
                     ": [test_sched] run option 'running_polls' must be an int, but was 'soon' (see: torchx runopts "
                     "test_sched)\n");
  torchx.tmp.write("cwd/.torchxconfig", "not ini at all\n");
  r = torchx({"run", "-s", "test_sched", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: " + (torchx.tmp.path() / "cwd/.torchxconfig").string() +
                     ":1: syntax error (expected [section] or key = value)\n");
  torchx.env = {{"TORCHXCONFIG", (torchx.tmp.path() / "nope.ini").string()}};
  r = torchx({"run", "-s", "test_sched", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("does not exist or is not a file") != std::string::npos);
}

TEST_CASE("torchx configure writes a .torchxconfig once, and prints one") {
  Cli torchx;
  auto r = torchx({"configure", "--print", "--all"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("[test_sched]\nfinal_state = SUCCEEDED\nrunning_polls = 0\n"));
  CHECK(torchx({"configure"}).exit_code == 0);
  CHECK(std::filesystem::exists(torchx.tmp.path() / "cwd/.torchxconfig"));
  r = torchx({"configure", "--all"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("already exists: not overwritten") != std::string::npos);
  CHECK(torchx({"configure", "-s", "nope"}).exit_code == 1);
}

TEST_CASE("torchx resources lists presets, plugin sets and the built-in tables") {
  Cli torchx;
  torchx.tmp.write("cwd/.torchxconfig", "[named_resource:site.big]\ncpu = 64\ngpu = 8\nmemMB = 1000\n");
  auto r = torchx({"resources"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("NAME"));
  CHECK(r.out.find("\nsite.big ") != std::string::npos);
  const auto all = boost::json::parse(torchx({"resources", "--json"}).out).as_object();
  CHECK(all.at("site.big").at("source") == "config");
  CHECK(all.at("site.big").at("resource").at("cpu") == 64);
  CHECK(all.at("aws_p4d.24xlarge").at("source") == "builtin");
  CHECK(all.at("test.big").at("source") == "test_plugin");
  CHECK(all.at("test.big").at("resource").at("devices").at("example.com/fpga") == 2);
  CHECK(all.size() == 54);
  // A config preset shadows plugins and the built-in tables.
  torchx.tmp.write("cwd/.torchxconfig", "[named_resource:gpu.small]\ncpu = 1\n[named_resource:test.big]\ncpu = 2\n");
  const auto shadowed = boost::json::parse(torchx({"resources", "--json"}).out).as_object();
  CHECK(shadowed.at("gpu.small").at("source") == "config");
  CHECK(shadowed.at("test.big").at("resource").at("cpu") == 2);
  CHECK(shadowed.size() == 53);
}

TEST_CASE("every verb has --help") {
  Cli torchx;
  for (const char* verb : {"run", "builtins", "runopts", "status", "describe", "log", "list", "cancel", "delete", "plugins",
                           "resources", "configure"}) {
    CAPTURE(verb);
    const auto r = torchx({verb, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with(std::string("usage: torchx ") + verb));
    CHECK(r.err.empty());
    CHECK(torchx({"help", verb}).out == r.out);
  }
}

TEST_CASE("run --help says a component may be a YAML file or a Python function") {
  Cli torchx;
  const auto r = torchx({"run", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("FILE.yaml[:NAME]") != std::string::npos);
  CHECK(r.out.find("FILE.py:FN") != std::string::npos);
}

TEST_SUITE_END();
