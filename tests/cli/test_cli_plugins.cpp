// SPDX-License-Identifier: BSD-3-Clause
// `torchx plugins` for site admins, black-box: crash-contained checks, the site policy (required
// plugins), TORCHX_PLUGIN_DEBUG and a setgid process ignoring the overrides. Asserts stdout,
// stderr and the exit code of the real binary.
#include "../support/files.hpp"
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>

using torchx::util::ProcessOptions;
using torchx::util::ProcessResult;

namespace {

const std::string k_test_plugins = std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d";
std::string fixture(const std::string& variant) {
  return std::string(TORCHX_FIXTURE_DIR) + "/" + variant + "/plugins.d";
}
std::string manifest_of(const std::string& variant) { return fixture(variant) + "/fx_" + variant + ".json"; }

/// Runs torchx hermetically: only the given plugin dirs, no site policy unless set, no LOGLEVEL.
struct Cli {
  torchx::test::TempDir tmp;
  std::vector<std::string> plugin_dirs{k_test_plugins};
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
  std::vector<std::string> prefix;  ///< a wrapper run before torchx (the setgid test)

  ProcessResult operator()(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = prefix;
    argv.emplace_back(TORCHX_EXE);
    for (const auto& d : plugin_dirs) {
      argv.emplace_back("--plugin-path");
      argv.push_back(d);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    auto options = torchx::test::hermetic_cli_options(tmp.path(), (tmp.path() / "no-system-plugins").string());
    options.env.insert(options.env.end(), env.begin(), env.end());
    options.timeout = std::chrono::minutes(2);  // a limit, not a timing assertion
    return torchx::util::run_process(argv, options);
  }

  /// Writes a policy file and points TORCHX_PLUGIN_POLICY at it; returns its path.
  std::string policy(const std::string& text) {
    const std::string path = tmp.write("plugins.conf", text).string();
    env.emplace_back("TORCHX_PLUGIN_POLICY", path);
    return path;
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx plugins check reports a plugin that segfaults while loading, and survives it") {
  Cli torchx;
  torchx.plugin_dirs = {fixture("segfault"), fixture("good")};
  auto r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.signaled);  // the CLI itself did not crash
  CHECK(r.out ==
        "FAILED  fx_segfault: segfault (SIGSEGV) during negotiation\n"
        "ok      fx_good (ABI 1)\n");
  r = torchx({"plugins", "check", "fx_segfault"});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.signaled);
  CHECK(r.out == "FAILED  fx_segfault: segfault (SIGSEGV) during negotiation\n");

  r = torchx({"plugins", "check", "--json"});
  CHECK(r.exit_code == 3);
  const auto results = boost::json::parse(r.out).as_array();
  REQUIRE(results.size() == 2);
  CHECK(results[0].as_object().at("plugin") == "fx_segfault");
  CHECK(results[0].as_object().at("ok") == false);
  CHECK(results[0].as_object().at("reason") == "segfault (SIGSEGV) during negotiation");
  CHECK(results[1].as_object().at("ok") == true);
  CHECK(results[1].as_object().at("abi_version") == 1);

  // Listing never loads it, so it never crashes.
  r = torchx({"plugins"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "  fx_segfault 1.0.0  "));
}

TEST_CASE("torchx plugins check kills a plugin that hangs while loading") {
  Cli torchx;
  torchx.plugin_dirs = {fixture("hangs"), k_test_plugins};
  torchx.env = {{"TORCHX_PLUGIN_CHECK_TIMEOUT", "0.5"}};
  const auto r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.signaled);
  CHECK(r.out ==
        "FAILED  fx_hangs: did not finish loading within 0.5 s (stuck during negotiation; see "
        "TORCHX_PLUGIN_CHECK_TIMEOUT)\n"
        "ok      test_plugin (ABI 1)\n");
}

TEST_CASE("torchx plugins check: a plugin that loads fine but leaves a daemon holding the output is ok") {
  Cli torchx;
  torchx.plugin_dirs = {fixture("daemon"), k_test_plugins};
  const std::string pidfile = (torchx.tmp.path() / "daemon.pid").string();
  torchx.env = {{"TORCHX_FIXTURE_DAEMON_PIDFILE", pidfile}};
  // The fixture's `sleep 30` is killed whatever happens below: nothing lingers.
  struct KillDaemon {
    std::string pidfile;
    ~KillDaemon() {
      std::ifstream in(pidfile);
      long pid = 0;
      if (in >> pid && pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
  } kill_daemon{pidfile};
  const auto r = torchx({"plugins", "check"});  // default limit: 10 s per plugin
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok      fx_daemon (ABI 1)\nok      test_plugin (ABI 1)\n");
  CHECK(std::filesystem::exists(pidfile));  // the daemon was started: the test can fail
}

TEST_CASE("torchx plugins check: each discovery warning once, not once per plugin checked") {
  Cli torchx;
  torchx.tmp.write("broken/broken.json", "{nope");
  torchx.plugin_dirs = {k_test_plugins, fixture("good"), (torchx.tmp.path() / "broken").string()};
  const auto r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok      test_plugin (ABI 1)\nok      fx_good (ABI 1)\n");
  const std::string warning = "plugin 'broken' (" + (torchx.tmp.path() / "broken/broken.json").string() + "): invalid manifest";
  CHECK(count(r.err, warning) == 1);
  // What a plugin logs while it loads is still relayed from the child.
  const auto debug = torchx({"--log_level", "DEBUG", "plugins", "check", "fx_good"});
  CHECK(debug.exit_code == 0);
  CHECK(count(debug.err, warning) == 1);
  CHECK(count(debug.err, "plugin 'fx_good': fixture negotiated") == 1);
}

TEST_CASE("torchx plugins check: a bad TORCHX_PLUGIN_CHECK_TIMEOUT is one warning, then the default") {
  Cli torchx;
  torchx.env = {{"TORCHX_PLUGIN_CHECK_TIMEOUT", "soon"}};
  const auto r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok      test_plugin (ABI 1)\n");
  CHECK(r.err ==
        "torchx: warning: ignoring TORCHX_PLUGIN_CHECK_TIMEOUT='soon': expected a number of seconds above 0 "
        "(using 10 s)\n");
}

TEST_CASE("the hidden __plugin-probe verb is not in the help") {
  Cli torchx;
  const auto r = torchx({"--help"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(contains(r.out, "probe"));
  CHECK(torchx({"__plugin-probe"}).exit_code == 2);
}

TEST_CASE("site policy: required plugins that are present change nothing, and are marked") {
  Cli torchx;
  torchx.plugin_dirs = {k_test_plugins, fixture("good")};
  torchx.policy("# site policy\n[plugins]\nrequired = test_*,\n    fx_good\n");
  auto r = torchx({"plugins"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "  test_plugin 0.1.0 (required)  "));
  CHECK(contains(r.out, "  fx_good 1.0.0 (required)  "));
  CHECK(contains(r.out, "  required: test_*, fx_good\n  optional: (none)\n"));
  const auto json = boost::json::parse(torchx({"plugins", "--json"}).out).as_object();
  CHECK(json.at("plugins").as_array()[0].as_object().at("required") == true);
  CHECK(json.at("policy").as_object().at("problems").as_array().empty());
  r = torchx({"run", "-s", "test_sched", "--dryrun", "test.echo"});
  CHECK(r.exit_code == 0);
  CHECK(torchx({"plugins", "check"}).out ==
        "ok      test_plugin (required) (ABI 1)\nok      fx_good (required) (ABI 1)\n");
}

TEST_CASE("site policy: a required plugin that is missing fails every command that uses plugins") {
  Cli torchx;
  const std::string file = torchx.policy("[plugins]\nrequired = site_tracker\n");
  const std::string error =
      "torchx: error: required plugin 'site_tracker' was not found on the plugin search path "
      "(required by " +
      file + "; see: torchx plugins)\n";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"builtins"}, {"runopts"}, {"run", "-s", "test_sched", "--dryrun", "test.echo"}, {"plugins", "check"}}) {
    CAPTURE(args[0]);
    const auto r = torchx(args);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, error));
  }
  // `torchx plugins` still lists everything, then reports the problem.
  auto r = torchx({"plugins"});
  CHECK(r.exit_code == 3);
  CHECK(contains(r.out, "  test_plugin 0.1.0  "));
  CHECK(r.err == error);
  // Commands that need no plugin are not affected.
  CHECK(torchx({"--help"}).exit_code == 0);
}

TEST_CASE("site policy: a required plugin skipped (disabled, broken, writable by others) is an error") {
  Cli torchx;
  torchx.plugin_dirs = {k_test_plugins, fixture("good")};
  torchx.policy("[plugins]\nrequired = fx_*, test_plugin\n");
  torchx.env.emplace_back("TORCHX_PLUGINS_DISABLE", "fx_good");
  auto r = torchx({"builtins"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "torchx: error: required plugin 'fx_good' was skipped: disabled by TORCHX_PLUGINS_DISABLE (" +
                     manifest_of("good") + ")\n");

  Cli broken;
  broken.tmp.write("site/site_a.json", "{\"file_format_version\": \"1.0.0\"}");
  const auto open = broken.tmp.write("site/site_b.json", "{}");
  ::chmod(open.c_str(), 0666);
  broken.plugin_dirs = {(broken.tmp.path() / "site").string(), k_test_plugins};
  broken.policy("[plugins]\nrequired = site_*\n");
  r = broken({"builtins"});
  CHECK(r.exit_code == 3);
  const std::string site = (broken.tmp.path() / "site").string();
  CHECK(contains(r.err, "torchx: error: required plugin 'site_a' was skipped: invalid manifest: missing \"plugin\" (" +
                            site + "/site_a.json)\n"));
  CHECK(
      contains(r.err, "torchx: error: required plugin 'site_b' was skipped: manifest is writable by others (mode 0666), refused (" +
                          site + "/site_b.json)\n"));

  // A required plugin in a directory writable by others, its manifest named differently: reported
  // as refused, by a plain name and by a glob.
  Cli refused;
  const auto open_dir = refused.tmp.path() / "open";
  refused.tmp.write("open/10-site.json", torchx::test::slurp(manifest_of("good")));
  ::chmod(open_dir.c_str(), 0777);
  refused.plugin_dirs = {open_dir.string(), k_test_plugins};
  const std::string refused_error = "torchx: error: required plugin 'fx_good' was skipped: directory is writable by others (mode 0777), refused (" +
                                    (open_dir / "10-site.json").string() + ")\n";
  for (const std::string required : {"fx_good", "fx_*"}) {
    CAPTURE(required);
    refused.env.clear();
    refused.policy("[plugins]\nrequired = " + required + "\n");
    r = refused({"builtins"});
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, refused_error));
    CHECK_FALSE(contains(r.err, "was not found"));
  }

  // The same plugins, not required: one warning each, and the command works.
  broken.env.clear();
  r = broken({"builtins"});
  CHECK(r.exit_code == 0);
  CHECK(count(r.err, "warning") == 2);
}

TEST_CASE("site policy: a required plugin that fails to load stops commands that load plugins") {
  Cli torchx;
  torchx.plugin_dirs = {k_test_plugins, fixture("wrong_abi")};
  torchx.policy("[plugins]\nrequired = fx_wrong_abi\n");
  auto r = torchx({"run", "-s", "test_sched", "--dryrun", "test.echo"});  // does not use fx_wrong_abi
  CHECK(r.exit_code == 3);
  CHECK(r.err ==
        "torchx: error: required plugin 'fx_wrong_abi' failed to load: answered ABI 2, this torchx supports "
        "1..1 (" +
            manifest_of("wrong_abi") + ")\n");
  CHECK(r.out.empty());
  // Listing loads nothing, so it cannot know; `plugins check` does.
  CHECK(torchx({"builtins"}).exit_code == 0);
  r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 3);
  CHECK(contains(r.out, "FAILED  fx_wrong_abi (required): answered ABI 2, this torchx supports 1..1\n"));

  // `optional` carves an exception out of a glob.
  Cli carved;
  carved.plugin_dirs = torchx.plugin_dirs;
  carved.policy("[plugins]\nrequired = fx_* test_plugin\noptional = fx_wrong_abi\n");
  CHECK(carved({"run", "-s", "test_sched", "--dryrun", "test.echo"}).exit_code == 0);
}

TEST_CASE("site policy: a broken policy file is an error naming the file") {
  Cli torchx;
  const std::string file = torchx.policy("[plugins]\nrequried = test_plugin\n[extra]\nx = 1\ny = 2\n");
  auto r = torchx({"builtins"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "torchx: error: plugin policy " + file +
                     ": unknown key 'requried' in [plugins] (expected required or optional)\n"
                     "torchx: error: plugin policy " +
                     file + ": unknown section [extra] (expected [plugins])\n");
  Cli missing;
  missing.env = {{"TORCHX_PLUGIN_POLICY", (missing.tmp.path() / "nope.conf").string()}};
  r = missing({"builtins"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "torchx: error: plugin policy " + (missing.tmp.path() / "nope.conf").string() +
                     ": not found (named by TORCHX_PLUGIN_POLICY)\n");
}

TEST_CASE("TORCHX_PLUGIN_DEBUG prints every directory, manifest and decision") {
  Cli torchx;
  const std::string extra = (torchx.tmp.path() / "extra").string();
  torchx.tmp.write("extra/broken.json", "{nope");
  torchx.tmp.write("extra/test_plugin.json", torchx::test::slurp(k_test_plugins + "/test_plugin.json"));
  const auto open = torchx.tmp.write("extra/open.json", "{}");
  ::chmod(open.c_str(), 0666);
  const std::string absent = (torchx.tmp.path() / "absent").string();
  torchx.plugin_dirs = {k_test_plugins, absent, extra, fixture("good")};
  const std::string policy = torchx.policy("[plugins]\nrequired = test_plugin\n");
  torchx.env.emplace_back("TORCHX_PLUGINS_DISABLE", "fx_good");
  torchx.env.emplace_back("TORCHX_PLUGIN_DEBUG", "1");

  auto r = torchx({"run", "-s", "test_sched", "--dryrun", "test.echo"});
  CHECK(r.exit_code == 0);
  const std::string d = "torchx: plugin-debug: ";
  for (const std::string& line :
       {d + "policy " + policy + " (TORCHX_PLUGIN_POLICY): required test_plugin; optional (none)\n",
        d + "dir " + k_test_plugins + " (--plugin-path): exists, 1 manifest(s)\n",
        d + "manifest " + k_test_plugins + "/test_plugin.json: plugin 'test_plugin' 0.1.0: used (required)\n",
        d + "dir " + absent + " (--plugin-path): absent\n",
        d + "dir " + extra + " (--plugin-path): exists, 3 manifest(s)\n",
        d + "manifest " + extra + "/broken.json: plugin 'broken': invalid manifest: not valid JSON: ",
        d + "manifest " + extra + "/open.json: plugin 'open': manifest is writable by others (mode 0666), refused\n",
        d + "manifest " + extra + "/test_plugin.json: plugin 'test_plugin': shadowed by " + k_test_plugins +
            "/test_plugin.json\n",
        d + "manifest " + manifest_of("good") + ": plugin 'fx_good': disabled by TORCHX_PLUGINS_DISABLE\n",
        d + "dir " + torchx.tmp.path().string() + "/no-system-plugins (TORCHX_PLUGIN_SYSTEM_PATH): absent\n",
        d + "plugin 'test_plugin': loaded " + std::string(TORCHX_TEST_PLUGIN_DIR) +
            "/lib/libtorchx_plugin_test_plugin.so (ABI 1)\n"}) {
    CAPTURE(line);
    CHECK(count(r.err, line) == 1);
  }

  // A load that fails, and `plugins check`, whose loads happen in a child: reported once, by the parent.
  torchx.plugin_dirs = {fixture("wrong_abi")};
  torchx.env = {{"TORCHX_PLUGIN_DEBUG", "1"}};  // no policy, nothing disabled
  r = torchx({"runopts", "fx_wrong_abi"});
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, d + "plugin 'fx_wrong_abi': failed to load: answered ABI 2, this torchx supports 1..1\n"));
  torchx.plugin_dirs = {k_test_plugins};
  r = torchx({"plugins", "check"});
  CHECK(r.exit_code == 0);
  CHECK(count(r.err, d + "dir " + k_test_plugins + " ") == 1);
  CHECK(contains(r.err, d + "plugin 'test_plugin': loaded in a child process (ABI 1)\n"));

  // A policy file that cannot be read is not traced as read, and policy errors are traced.
  const std::string missing = (torchx.tmp.path() / "missing.conf").string();
  torchx.env = {{"TORCHX_PLUGIN_DEBUG", "1"}, {"TORCHX_PLUGIN_POLICY", missing}};
  r = torchx({"plugins"});
  CHECK(r.exit_code == 3);
  CHECK(count(r.err, d + "policy " + missing + " (TORCHX_PLUGIN_POLICY): not read (see the error below)\n") == 1);
  CHECK(count(r.err, d + "policy error: plugin policy " + missing + ": not found (named by TORCHX_PLUGIN_POLICY)\n") == 1);
  CHECK_FALSE(contains(r.err, "required (none)"));
  const std::string bad = torchx.tmp.write("bad.conf", "[plugins]\nrequried = x\n").string();
  torchx.env = {{"TORCHX_PLUGIN_DEBUG", "1"}, {"TORCHX_PLUGIN_POLICY", bad}};
  r = torchx({"plugins"});
  CHECK(r.exit_code == 3);
  CHECK(count(r.err, d + "policy " + bad + " (TORCHX_PLUGIN_POLICY): required (none); optional (none)\n") == 1);
  CHECK(count(r.err, d + "policy error: plugin policy " + bad +
                         ": unknown key 'requried' in [plugins] (expected required or optional)\n") == 1);

  // Off by default, and with 0.
  torchx.env = {{"TORCHX_PLUGIN_DEBUG", "0"}};
  CHECK_FALSE(contains(torchx({"plugins"}).err, "plugin-debug"));
}

// A setgid process (AT_SECURE) ignores --plugin-path, TORCHX_PLUGIN_PATH and the other overrides.
// The tests run as root, for whom a setuid-root binary is not AT_SECURE; a wrapper setgid to
// another group is (effective gid != real gid), and so is what it execs. Checked, not assumed.
TEST_CASE("a setgid torchx ignores the plugin path overrides and says so") {
  auto skip = [](const std::string& why) { std::cout << "TORCHX_TEST_SKIPPED: " << why << std::endl; };
  if (::geteuid() != 0) return skip("needs root to install a setgid wrapper");
  const group* nogroup = ::getgrnam("nogroup");
  if (nogroup == nullptr) nogroup = ::getgrnam("nobody");
  if (nogroup == nullptr || nogroup->gr_gid == ::getgid()) return skip("no group other than ours to setgid to");

  // In the build tree, not /tmp: /tmp may be mounted nosuid.
  const std::filesystem::path dir = std::filesystem::path(TORCHX_BUILD_DIR) / "tests/secure";
  std::filesystem::create_directories(dir);
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_NOSUID) != 0)
    return skip(dir.string() + " is mounted nosuid");
  const auto wrapper = dir / "setgid_exec";
  std::filesystem::copy_file(TORCHX_TEST_EXEC_WRAPPER, wrapper, std::filesystem::copy_options::overwrite_existing);
  REQUIRE(::chown(wrapper.c_str(), 0, nogroup->gr_gid) == 0);
  REQUIRE(::chmod(wrapper.c_str(), 02755) == 0);
  const auto probe = torchx::util::run_process({wrapper.string(), TORCHX_TEST_EXEC_WRAPPER, "--at-secure"});
  if (probe.out != "1\n")
    return skip("a program started by a setgid wrapper is not AT_SECURE here (got '" + probe.out + "')");

  Cli torchx;
  torchx.prefix = {wrapper.string()};
  torchx.plugin_dirs = {k_test_plugins};
  const std::string policy = torchx.policy("[plugins]\nrequired = not_here\n");
  torchx.env.emplace_back("TORCHX_PLUGIN_PATH", fixture("good"));
  torchx.env.emplace_back("TORCHX_PLUGIN_DEBUG", "1");
  auto r = torchx({"plugins"});
  CHECK(r.exit_code == 0);  // the policy named by the variable is ignored too
  CHECK_FALSE(contains(r.out, "test_plugin"));
  CHECK_FALSE(contains(r.out, "fx_good"));
  CHECK(contains(r.out, "\nignored in a setuid/setgid process ("));
  CHECK(contains(r.out, "\n  --plugin-path " + k_test_plugins + "\n"));
  CHECK(contains(r.out, "\n  TORCHX_PLUGIN_PATH " + fixture("good") + "\n"));
  CHECK(contains(r.out, "\n  TORCHX_PLUGIN_POLICY " + policy + "\n"));
  CHECK(contains(
      r.err, "torchx: plugin-debug: ignored in a setuid/setgid process: TORCHX_PLUGIN_PATH " + fixture("good") + "\n"));
  CHECK(contains(r.err,
                 "torchx: plugin-debug: ignored in a setuid/setgid process: --plugin-path " + k_test_plugins + "\n"));
  r = torchx({"run", "-s", "test_sched", "--dryrun", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "unknown scheduler 'test_sched'"));

  // The same invocation without the wrapper uses them: the test can fail.
  torchx.prefix.clear();
  r = torchx({"plugins"});
  CHECK(r.exit_code == 3);  // now the policy applies: not_here is missing
  CHECK(contains(r.out, "  test_plugin 0.1.0  "));
  CHECK(contains(r.out, "  fx_good 1.0.0  "));
}

// As root, another user's plugin is never loaded: `torchx plugins` says why, and so does the debug log.
TEST_CASE("torchx plugins shows why a plugin dir owned by another user is refused") {
  auto skip = [](const std::string& why) { std::cout << "TORCHX_TEST_SKIPPED: " << why << std::endl; };
  if (::getuid() != 0) return skip("needs root to chown a directory to nobody");
  Cli torchx;
  const auto theirs = torchx.tmp.path() / "theirs";
  torchx.tmp.write("theirs/fx_good.json", torchx::test::slurp(manifest_of("good")));
  REQUIRE(::chown(theirs.c_str(), 65534, 65534) == 0);
  torchx.plugin_dirs = {k_test_plugins, theirs.string()};
  torchx.env.emplace_back("TORCHX_PLUGIN_DEBUG", "1");
  const auto r = torchx({"plugins"});
  CHECK(r.exit_code == 0);
  const std::string reason = "directory is owned by uid 65534, not by root or the invoking user (uid 0), refused";
  CHECK(contains(r.out, "\n  " + theirs.string() + ": " + reason + "\n"));
  CHECK(contains(r.out, "\n  " + (theirs / "fx_good.json").string() + " (fx_good): " + reason + "\n"));
  CHECK_FALSE(contains(r.out, "  fx_good 1.0.0  "));
  CHECK(contains(r.err, "torchx: plugin-debug: dir " + theirs.string() + " (--plugin-path): " + reason + "\n"));
}

TEST_CASE("torchx plugins: a plugin dir that is a symlink loop is shown absent, not a filesystem error") {
  Cli torchx;
  const auto loop = torchx.tmp.path() / "loop";
  std::filesystem::create_symlink(torchx.tmp.path() / "loop2", loop);
  std::filesystem::create_symlink(loop, torchx.tmp.path() / "loop2");
  torchx.plugin_dirs = {k_test_plugins, loop.string()};
  for (const std::vector<std::string>& args : {std::vector<std::string>{"plugins"}, {"plugins", "--json"}}) {
    const auto r = torchx(args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(contains(r.err, "filesystem error"));
  }
  CHECK(contains(torchx({"plugins"}).out, "\n  " + loop.string() + "  (--plugin-path, absent)\n"));
}

TEST_SUITE_END();
