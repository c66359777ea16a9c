// SPDX-License-Identifier: BSD-3-Clause
// `torchx run --workspace`, as TorchX: the current directory by default, `""` for none,
// `[cli:run] workspace`; it travels in the dryrun payload, and local_cwd runs its replicas in it.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

namespace fs = std::filesystem;
namespace json = boost::json;
using torchx::util::ProcessResult;

namespace {

/// Runs torchx hermetically with the test plugin and the build's bundled plugins (local_cwd).
struct Cli {
  torchx::test::TempDir tmp;

  fs::path cwd() const { return tmp.path() / "cwd"; }

  ProcessResult operator()(const std::vector<std::string>& args) const {
    return torchx::test::run_torchx(tmp.path(), std::string(TORCHX_BUILD_DIR) + "/share/torchx/plugins.d",
                                    {std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d"}, args,
                                    {{"TORCHX_LOCAL_DIR", (tmp.path() / "state").string()}});
  }

  /// The "workspace" of `run --dryrun --json` and the one the test scheduler's dryrun received.
  std::pair<json::value, json::value> workspaces(std::vector<std::string> args) const {
    args.insert(args.begin(), {"run", "-s", "test_sched", "--dryrun", "--json"});
    args.emplace_back("test.echo");
    const ProcessResult r = (*this)(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto d = json::parse(r.out).as_object();
    return {d.at("workspace"), d.at("request").at("workspace")};
  }
};

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx run --workspace: the current directory by default, a directory given, or none") {
  Cli torchx;
  fs::create_directories(torchx.tmp.path() / "ws/sub");
  const std::string cwd = torchx.cwd().string();
  const std::string ws = (torchx.tmp.path() / "ws").string();

  auto [shown, received] = torchx.workspaces({});
  CHECK(shown == json::value(cwd));
  CHECK(received == json::value(cwd));
  std::tie(shown, received) = torchx.workspaces({"--workspace", ws});
  CHECK(shown == json::value(ws));
  CHECK(received == json::value(ws));
  std::tie(shown, received) = torchx.workspaces({"--workspace", "../ws/sub/"});  // relative to the cwd, made absolute
  CHECK(shown == json::value(ws + "/sub"));
  std::tie(shown, received) = torchx.workspaces({"--workspace", ""});
  CHECK(shown.is_null());
  CHECK(received.is_null());
  std::tie(shown, received) = torchx.workspaces({"--workspace="});
  CHECK(shown.is_null());

  torchx.tmp.write("cwd/.torchxconfig", "[cli:run]\nworkspace = " + ws + "\n");
  std::tie(shown, received) = torchx.workspaces({});
  CHECK(shown == json::value(ws));
  std::tie(shown, received) = torchx.workspaces({"--workspace", cwd});  // the command line wins
  CHECK(shown == json::value(cwd));
  torchx.tmp.write("cwd/.torchxconfig", "[cli:run]\nworkspace =\n");
  std::tie(shown, received) = torchx.workspaces({});
  CHECK(shown.is_null());
}

TEST_CASE("torchx run --workspace: a missing directory or a file is a one-line error") {
  Cli torchx;
  const std::string missing = (torchx.tmp.path() / "missing").string();
  auto r = torchx({"run", "-s", "test_sched", "--workspace", missing, "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "torchx: error: workspace '" + missing +
                     "' does not exist (pass --workspace DIR, or --workspace \"\" for none)\n");
  torchx.tmp.write("cwd/file.txt", "x");
  r = torchx({"run", "-s", "test_sched", "--dryrun", "--workspace", "file.txt", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: workspace 'file.txt' is not a directory (pass --workspace DIR, or --workspace \"\" for "
                 "none)\n");
  torchx.tmp.write("cwd/.torchxconfig", "[cli:run]\nworkspace = " + missing + "\n");
  r = torchx({"run", "-s", "test_sched", "test.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: workspace '" + missing + "' does not exist"));
}

TEST_CASE("torchx run -s local_cwd runs the replicas in the workspace") {
  Cli torchx;
  fs::create_directories(torchx.tmp.path() / "ws");
  const std::string ws = (torchx.tmp.path() / "ws").string();
  auto r = torchx({"run", "--workspace", ws, "utils.sh", "pwd"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("sh/0 " + ws + "\n") != std::string::npos);
  r = torchx({"run", "utils.sh", "pwd"});  // default: the current directory
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("sh/0 " + torchx.cwd().string() + "\n") != std::string::npos);
  r = torchx({"run", "--workspace", "", "utils.sh", "pwd"});  // none: the directory torchx runs in
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("sh/0 " + torchx.cwd().string() + "\n") != std::string::npos);
  r = torchx({"run", "--dryrun", "--json", "--workspace", ws, "utils.sh", "pwd"});
  CHECK(json::parse(r.out).at("request").at("roles").at(0).at("replicas").at(0).at("cwd") == json::value(ws));
}

TEST_SUITE_END();
