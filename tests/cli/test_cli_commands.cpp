// SPDX-License-Identifier: BSD-3-Clause
// Commands that plugins add (`torchx <verb> ...`, ABI revision 1.1), black-box: listed by
// --help from manifests only, dispatched with argv untouched, --help of the verb, clashes with a
// built-in or between plugins reported, manifest/table mismatches, and the bundled `prune` doing
// real work through the host's services against local_cwd.
#include "../support/cli_env.hpp"
#include "../support/files.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
namespace json = boost::json;
using torchx::util::ProcessResult;

namespace {

std::string fixture(const std::string& variant) {
  return std::string(TORCHX_FIXTURE_DIR) + "/" + variant + "/plugins.d";
}
const std::string k_bundled = std::string(TORCHX_BUILD_DIR) + "/share/torchx/plugins.d";

/// Runs torchx hermetically: the build's bundled plugins (local_cwd, builtins, prune) and `dirs`
/// first; apps in tmp/state.
struct Cli {
  torchx::test::TempDir tmp;
  std::vector<std::string> dirs;
  ProcessResult operator()(const std::vector<std::string>& args) const {
    auto r = torchx::test::run_torchx(tmp.path(), k_bundled, dirs, args,
                                      {{"TORCHX_LOCAL_DIR", (tmp.path() / "state").string()}});
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    return r;
  }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Moves the finish time of local_cwd app `app_id` `days` into the past (its state.json).
void age_app(const fs::path& state_root, const std::string& app_id, double days) {
  const fs::path file = state_root / app_id / "state.json";
  auto state = json::parse(torchx::test::slurp(file)).as_object();
  REQUIRE(state.at("finished_at").is_number());
  state["finished_at"] = state.at("finished_at").to_number<double>() - days * 86400;
  std::ofstream(file, std::ios::trunc) << json::serialize(state);
}

std::string app_id_of(const std::string& handle) { return handle.substr(handle.rfind('/') + 1); }

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx --help lists the commands plugins add, from their manifests, without loading them") {
  Cli torchx;
  // This fixture lacks a verb it declares, so it fails to load: --help must not load it.
  torchx.dirs = {fixture("command_missing")};
  const auto r = torchx({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "commands added by plugins ('torchx COMMAND --help' for each):\n"));
  CHECK(contains(r.out, "  fxcmd       fixture command (plugin 'fx_command_missing')\n"));
  CHECK(contains(r.out,
                 "  prune       delete a scheduler's finished apps older than an age (--older-than 30d) "
                 "[--dry-run] (plugin 'prune')\n"));
  CHECK(contains(r.out, "  fxmissing   declared here, missing from the library (plugin 'fx_command_missing')\n"));
  CHECK(r.err == "");
  CHECK(torchx({"help"}).out == r.out);
  CHECK(torchx({"fxmissing"}).exit_code == 3);  // and it does fail to load when run
}

TEST_CASE("torchx --help: the same from a warm discovery cache, and a manifest changed since shows at once") {
  Cli torchx;
  const fs::path dir = torchx.tmp.path() / "mine/plugins.d";
  const auto write = [&](const std::string& verb) {
    torchx.tmp.write("mine/plugins.d/mine.json",
                     R"({"file_format_version": "1.2.0", "plugin": {"name": "mine", "version": "1", )"
                     R"("library_path": "../lib/libmine.so", "abi_versions": [1], "provides": {"commands": )"
                     R"([{"name": ")" +
                         verb + R"(", "description": "my command"}]}}})");
  };
  write("mycmd");
  torchx.dirs = {dir.string()};
  // A manifest younger than a second is not kept in the cache (manifest_cache.hpp): age it.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto cold = torchx({"--help"});  // discovery writes the cache
  const auto warm = torchx({"--help"});  // from the cache (loader::quick_commands)
  CHECK(cold.exit_code == 0);
  CHECK(warm.exit_code == 0);
  CHECK(contains(warm.out, "  mycmd       my command (plugin 'mine')\n"));
  CHECK(warm.out == cold.out);
  CHECK(warm.err == "");
  CHECK(torchx({"help"}).out == warm.out);

  SUBCASE("rewritten") {
    write("yourcmd");
    const auto r = torchx({"--help"});
    CHECK(contains(r.out, "  yourcmd     my command (plugin 'mine')\n"));
    CHECK(!contains(r.out, "mycmd"));
  }
  SUBCASE("made writable by its group: refused, with the warning") {
    fs::permissions(dir / "mine.json", fs::perms::group_write, fs::perm_options::add);
    const auto r = torchx({"--help"});
    CHECK(r.exit_code == 0);
    CHECK(!contains(r.out, "mycmd"));
    CHECK(contains(r.err, " warning  plugin 'mine' (" + (dir / "mine.json").string() +
                              "): manifest is writable by its group (mode 0664), refused\n"));
  }
  SUBCASE("removed") {
    fs::remove(dir / "mine.json");
    CHECK(!contains(torchx({"--help"}).out, "mycmd"));
  }
}

TEST_CASE("torchx VERB runs a plugin's command with its arguments untouched") {
  Cli torchx;
  torchx.dirs = {fixture("command")};
  const std::string long_arg(100000, 'x');
  const auto r = torchx(
      {"fxcmd", "a b", "$(rm -rf /)", "`x`;|&>", "*", "--", "-h", "\xc3\xa9", long_arg, "", "--plugin-path", "x\ny"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "argv[0]=fxcmd\nargv[1]=a b\nargv[2]=$(rm -rf /)\nargv[3]=`x`;|&>\nargv[4]=*\nargv[5]=--\n"
        "argv[6]=-h\nargv[7]=\xc3\xa9\nargv[8]=" +
            long_arg + "\nargv[9]=\nargv[10]=--plugin-path\nargv[11]=x\ny\n");
  CHECK(r.err == "");
}

TEST_CASE("torchx VERB --help is the command's own help, also as torchx help VERB") {
  Cli torchx;
  torchx.dirs = {fixture("command")};
  const auto r = torchx({"fxcmd", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("usage: torchx fxcmd "));
  CHECK(torchx({"help", "fxcmd"}).out == r.out);
  const auto prune = torchx({"prune", "--help"});
  CHECK(prune.exit_code == 0);
  CHECK(prune.out.starts_with("usage: torchx prune -s SCHEDULER --older-than AGE [--dry-run]\n"));
}

TEST_CASE("torchx VERB: a command's failure, usage error and exit code become torchx's") {
  Cli torchx;
  torchx.dirs = {fixture("command")};
  auto r = torchx({"fxcmd", "fail"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "about to fail\ntorchx: error: fxcmd: the fixture command failed\n");
  r = torchx({"fxcmd", "usage"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: fxcmd: bad fixture argument\n");
  CHECK(torchx({"fxcmd", "exit", "7"}).exit_code == 7);
  r = torchx({"fxcmd", "exit", "300"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: command 'fxcmd' of plugin 'fx_command' answered exit code 300, outside 0..125\n");
  r = torchx({"fxcmd", "log-message", "hello from the plugin"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "warning  fxcmd: hello from the plugin\n"));
}

TEST_CASE("torchx VERB: the host's services reach the runner (status of an unknown app, a scheduler without list)") {
  Cli torchx;
  torchx.dirs = {fixture("command")};
  auto r = torchx({"fxcmd", "status", "local_cwd://torchx/nope-1"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "status: 2 app 'local_cwd://torchx/nope-1' not found (it does not exist or was removed)\n");
  r = torchx({"fxcmd", "list", R"({"scheduler": "fx_command"})"});
  CHECK(r.out == "list: 3 scheduler 'fx_command' does not support list\n");
  r = torchx({"fxcmd", "list", R"({"scheduler": "local_cwd"})"});
  CHECK(r.out == "list: ok []\n");
}

TEST_CASE("torchx: a plugin command cannot shadow a built-in verb, and torchx plugins reports the clash") {
  Cli torchx;
  torchx.dirs = {fixture("command_builtin")};
  const std::string clash =
      "command 'list' not used: it is a built-in torchx command, which a plugin cannot replace "
      "(rename it in fx_command_builtin.json)";
  auto r = torchx({"list", "-s", "local_cwd"});
  CHECK(r.exit_code == 0);  // the built-in ran
  CHECK(contains(r.err, clash));
  r = torchx({"plugins"});
  CHECK(contains(r.out, fixture("command_builtin") + "/fx_command_builtin.json (fx_command_builtin): " + clash + "\n"));
  r = torchx({"plugins", "check", "fx_command_builtin"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "warning fx_command_builtin: " + clash + "\n"));
  CHECK_FALSE(contains(torchx({"--help"}).out, "fixture command that takes a built-in verb"));
}

TEST_CASE("torchx: two plugins declaring the same verb: the first found provides it, the other is reported") {
  Cli torchx;
  torchx.dirs = {fixture("command"), fixture("command_dup")};
  const auto r = torchx({"fxcmd", "x"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "argv[0]=fxcmd\nargv[1]=x\n");
  const std::string reason =
      "command 'fxcmd' not used: plugin 'fx_command' (" + fixture("command") + "/fx_command.json) provides it first";
  CHECK(contains(r.err, reason));
  const auto plugins = torchx({"plugins", "--json"});
  CHECK(contains(plugins.out, reason));
  const auto listed = json::parse(plugins.out).at("plugins").as_array();
  const auto first =
      std::find_if(listed.begin(), listed.end(), [](const json::value& p) { return p.at("name") == "fx_command"; });
  REQUIRE(first != listed.end());
  CHECK(json::serialize(first->at("commands")) == R"([{"name":"fxcmd","description":"fixture command"}])");
  CHECK(contains(torchx({"plugins"}).out, "      commands: fxcmd\n"));
}

TEST_CASE("torchx VERB: a manifest declaring a verb its library lacks, and the reverse, is a clear error") {
  Cli torchx;
  torchx.dirs = {fixture("command_missing")};
  auto r = torchx({"fxmissing"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "torchx: error: plugin 'fx_command_missing' (" + fixture("command_missing") +
                     "/fx_command_missing.json): its manifest lists command 'fxmissing', which the plugin does not "
                     "provide\n");
  torchx.dirs = {fixture("command_unlisted")};
  r = torchx({"fxcmd"});
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err,
                 "provides command 'fxextra', which its manifest does not list (it lists 'fxcmd'; rebuild "
                 "after renaming)\n"));
  torchx.dirs = {fixture("command_no_run")};
  r = torchx({"fxcmd"});
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "): command 'fxcmd' has no run\n"));
}

TEST_CASE("torchx: an unknown verb is still a usage error with a did-you-mean over plugin verbs too") {
  Cli torchx;
  torchx.dirs = {fixture("command")};
  auto r = torchx({"fxcdm"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: unknown command 'fxcdm': did you mean 'fxcmd'? (see: torchx --help)\n");
  r = torchx({"lsit"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: unknown command 'lsit': did you mean 'list'? (see: torchx --help)\n");
}

TEST_CASE("torchx prune deletes the finished local_cwd apps older than the age, lists them, keeps the rest") {
  Cli torchx;
  const fs::path state = torchx.tmp.path() / "state";
  std::vector<std::string> handles;
  for (const char* msg : {"old", "new"}) {
    const auto r = torchx({"run", "-s", "local_cwd", "utils.echo", "--msg", msg});
    REQUIRE(r.exit_code == 0);
    handles.push_back(torchx::test::first_line(r.out));
  }
  age_app(state, app_id_of(handles[0]), 40);

  auto r = torchx({"prune", "-s", "local_cwd", "--older-than", "30d", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == handles[0] + "\n");
  CHECK(contains(r.err, "prune: would delete " + handles[0] + " (SUCCEEDED, finished 40.0 days ago)\n"));
  CHECK(contains(r.err, "prune: would delete 1 app(s) of 'local_cwd' finished at least 30d ago; kept 1\n"));
  CHECK(fs::exists(state / app_id_of(handles[0])));

  r = torchx({"prune", "-s", "local_cwd", "--older-than=30d"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == handles[0] + "\n");
  CHECK(contains(r.err, "prune: deleted 1 app(s) of 'local_cwd' finished at least 30d ago; kept 1\n"));
  CHECK_FALSE(fs::exists(state / app_id_of(handles[0])));
  CHECK(torchx({"status", handles[0]}).exit_code == 1);
  CHECK(torchx({"status", handles[1]}).exit_code == 0);

  r = torchx({"prune", "--scheduler", "local_cwd", "--older-than", "0s"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == handles[1] + "\n");
  const auto list = torchx({"list", "-s", "local_cwd"});
  CHECK(list.exit_code == 0);
  CHECK_FALSE(contains(list.out, "local_cwd://"));
}

TEST_CASE("torchx prune refuses bad input with one clear line and exit 2") {
  Cli torchx;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"prune", "--older-than", "30d"}, "the option -s/--scheduler is required (see: torchx prune --help)"},
      {{"prune", "-s", "local_cwd"}, "the option --older-than is required, e.g. --older-than 30d"},
      {{"prune", "-s", "local_cwd", "--older-than", "30"},
       "invalid --older-than '30': expected a number and a unit (s, m, h, d or w), e.g. 30d or 12h"},
      {{"prune", "-s", "local_cwd", "--older-than", "-3d"},
       "invalid --older-than '-3d': expected a number and a unit (s, m, h, d or w), e.g. 30d or 12h"},
      {{"prune", "-s", "local_cwd", "--older-than", "1e400d"},
       "invalid --older-than '1e400d': expected a number and a unit (s, m, h, d or w), e.g. 30d or 12h"},
      {{"prune", "-s", "local_cwd", "--older-than", "30d", "--force"},
       "unrecognized argument '--force' (see: torchx prune --help)"},
      {{"prune", "-s"}, "option -s needs a value (see: torchx prune --help)"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = torchx(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "torchx: error: prune: " + message + "\n");
    CHECK(r.out == "");
  }
  const auto r = torchx({"prune", "-s", "slurn", "--older-than", "1d"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: prune: unknown scheduler 'slurn'"));
}
