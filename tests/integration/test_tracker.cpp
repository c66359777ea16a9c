// SPDX-License-Identifier: BSD-3-Clause
// Trackers end to end: real local_cwd jobs record to the `file` tracker, from a shell (`torchx
// tracker add`) and from Python (torchx.apps.tracking.app_run_from_env), and a child job launched
// with --parent_run_id appears under its parent and in the lineage.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <cstdlib>

namespace fs = std::filesystem;
namespace json = boost::json;
using torchx::util::ProcessResult;

namespace {

/// A private state root, HOME, cwd (with a .torchxconfig naming the tracker) and store; runs the
/// real torchx, which the jobs find on their PATH.
struct Tracked {
  torchx::test::TempDir tmp;

  Tracked() {
    fs::create_directories(cwd());
    fs::create_directories(store());
    const auto cfg = tmp.write("tracker.cfg", "protocol=file\nroot_path=" + store().string() + "\n");
    tmp.write("cwd/.torchxconfig", "[torchx:tracker]\nfile =\n\n[tracker:file]\nconfig = " + cfg.string() + "\n");
  }
  fs::path cwd() const { return tmp.path() / "cwd"; }
  fs::path store() const { return tmp.path() / "store"; }

  ProcessResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), TORCHX_EXE);
    // The build's bundled plugins; the jobs find this torchx first on their PATH.
    auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
    const char* path = std::getenv("PATH");
    options.env.emplace_back("TORCHX_LOCAL_DIR", (tmp.path() / "state").string());
    options.env.emplace_back("PATH",
                             fs::path(TORCHX_EXE).parent_path().string() + ":" + (path != nullptr ? path : "/usr/bin:/bin"));
    return torchx::util::run_process(args, options);
  }

  /// Runs a job to its end; returns its handle (the first line of stdout).
  std::string run(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"run", "-s", "local_cwd"};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = (*this)(all);
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
  }

  json::value query(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"tracker", "list"};
    all.insert(all.end(), args.begin(), args.end());
    all.emplace_back("--json");
    const auto r = (*this)(all);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
};

}  // namespace

TEST_SUITE_BEGIN("tracker");

TEST_CASE("tracker: local_cwd jobs record from a shell and from Python, and a child shows in its parent's lineage") {
  Tracked torchx;
  // The parent: a shell job writing with `torchx tracker add` (run id from TORCHX_JOB_ID).
  const std::string parent = torchx.run(
      {"utils.sh", "--", "sh", "-c",
       "torchx tracker add metadata lr=0.1 epochs:=3 && "
       "torchx tracker add artifact --metadata format=pt model /ckpt/model.pt"});
  CHECK(parent.rfind("local_cwd://torchx/", 0) == 0);

  // The child: a Python job using app_run_from_env(), launched with --parent_run_id.
  const std::string child = torchx.run(
      {"--parent_run_id", parent, "utils.python", "-c",
       "from torchx.apps.tracking import app_run_from_env\n"
       "run = app_run_from_env()\n"
       "run.add_metadata(accuracy=0.93, split='test')\n"
       "run.add_artifact('predictions', '/out/preds.csv', {'rows': 10})\n"
       "print('job id', run.job_id())\n"});
  CHECK(child != parent);

  CHECK(torchx.query({"metadata", parent}) == json::parse(R"({"lr": "0.1", "epochs": 3})"));
  CHECK(torchx.query({"artifacts", parent}) ==
        json::parse(R"({"model": {"name": "model", "path": "/ckpt/model.pt", "metadata": {"format": "pt"}}})"));
  CHECK(torchx.query({"metadata", child}) == json::parse(R"({"accuracy": 0.93, "split": "test"})"));
  CHECK(torchx.query({"artifacts", child}) ==
        json::parse(R"({"predictions": {"name": "predictions", "path": "/out/preds.csv", "metadata": {"rows": 10}}})"));

  const auto jobs = torchx.query({"jobs"}).as_array();
  CHECK(jobs.size() == 2);
  CHECK(torchx.query({"jobs", "--parent-run-id", parent}) == json::array{json::value(child)});

  const auto down = torchx.query({"lineage", parent}).as_object();
  REQUIRE(down.at("descendants").as_array().size() == 1);
  CHECK(down.at("descendants").as_array()[0].at("run_id").as_string() == child);
  CHECK(down.at("descendants").as_array()[0].at("artifact_name").is_null());
  CHECK(down.at("ancestors").as_array().empty());
  const auto up = torchx.query({"lineage", child}).as_object();
  REQUIRE(up.at("ancestors").as_array().size() == 1);
  CHECK(up.at("ancestors").as_array()[0].at("run_id").as_string() == parent);
}

TEST_CASE("tracker: a grandchild records the artifact it used, and lineage follows two links") {
  Tracked torchx;
  const std::string a = torchx.run({"utils.sh", "--", "torchx", "tracker", "add", "artifact", "data", "/d"});
  const std::string b = torchx.run({"--parent_run_id", a, "utils.sh", "--", "torchx", "tracker", "add", "source",
                                    "--artifact", "data", a});
  const std::string c = torchx.run({"--parent_run_id", b, "utils.sh", "--", "torchx", "tracker", "add", "metadata", "k=v"});
  const auto l = torchx.query({"lineage", a}).as_object();
  const auto& d = l.at("descendants").as_array();
  REQUIRE(d.size() == 2);
  CHECK(d[0].at("run_id").as_string() == b);
  CHECK(d[0].at("artifact_name") == "data");  // the named link replaces the parent's plain one
  CHECK(d[0].at("depth") == 1);
  CHECK(d[1].at("run_id").as_string() == c);
  CHECK(d[1].at("via_run_id").as_string() == b);
  CHECK(d[1].at("depth") == 2);
}
