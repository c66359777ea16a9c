// SPDX-License-Identifier: BSD-3-Clause
// slurm with accounting on: once slurmctld has forgotten a job, its status comes from sacct.
// Restarts the local cluster (with accounting, then without again), so it runs alone (RUN_SERIAL).
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

namespace json = boost::json;

namespace {

const std::string k_scripts = TORCHX_SLURM_SCRIPTS;

torchx::util::ProcessResult sh(const std::string& command) { return torchx::util::run_process({"sh", "-c", command}); }

/// The cluster scripts start daemons: their output goes to a file and every other inherited fd is
/// closed first, so no daemon keeps the pipes this test reads (it would wait for EOF forever).
int cluster(const std::string& args) {
  return torchx::util::run_process({"bash", "-c", "for fd in $(ls /proc/$$/fd); do [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done; " + k_scripts +
            "/start-local-slurm.sh " + args + " </dev/null >>/var/spool/slurm-local/log/start.out 2>&1"})
      .exit_code;
}

}  // namespace

TEST_CASE("slurm with accounting: the status of a job slurmctld forgot comes from sacct") {
  torchx::test::TempDir tmp;
  REQUIRE(cluster("--accounting") == 0);
  auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);  // the build's plugins only
  options.cwd = tmp.path().string();
  options.env.emplace_back("TORCHX_SLURM_DIR", (tmp.path() / "state").string());
  auto run = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv{TORCHX_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return torchx::util::run_process(argv, options);
  };
  auto r = run({"run", "-s", "slurm", "--wait", "utils.sh", "--", "sh", "-c", "exit 6"});
  CHECK(r.exit_code == 1);
  const std::string handle = r.out.substr(0, r.out.find('\n'));
  const std::string id = handle.substr(handle.rfind('/') + 1);
  bool recorded = false;  // sacct lags slurmctld by a few seconds
  for (int i = 0; i < 100 && !recorded; ++i) {
    recorded = sh("sacct -n -X -j " + id + " --format=State | grep -q FAILED").exit_code == 0;
    if (!recorded) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(recorded);
  // slurmctld forgets everything: killed, its state wiped, started again with the same settings.
  REQUIRE(sh("pkill -x slurmctld; while pgrep -x slurmctld >/dev/null; do sleep 0.1; done; "
             "rm -rf /var/spool/slurm-local/ctld/*")
              .exit_code == 0);
  REQUIRE(cluster("--accounting") == 0);
  CHECK(sh("squeue --json -t all | grep -q '\"job_id\": " + id + ",'").exit_code != 0);
  r = run({"status", "--json", handle});
  REQUIRE(r.exit_code == 0);
  const auto status = json::parse(r.out);
  CHECK(status.at("state") == "FAILED");
  CHECK(status.at("msg") == json::value("sh-0 exited with code 6"));
  // Back to the cluster the other tests expect: accounting off.
  CHECK(cluster("") == 0);
}
