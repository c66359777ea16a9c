// SPDX-License-Identifier: BSD-3-Clause
// slurm with accounting on: once slurmctld has forgotten a job, its status comes from sacct.
// Restarts the local cluster (with accounting, then without again), so it runs alone (RUN_SERIAL).
// However it ends (a failed REQUIRE, an exception), the cluster is put back as the other tests
// expect it: accounting off (RestoreCluster).
#include "../support/cli_env.hpp"
#include "../support/slurm_cluster.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
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

/// Puts the cluster back as the other tests expect it (accounting off) when it goes out of scope,
/// also when a REQUIRE fails midway (doctest unwinds with an exception).
struct RestoreCluster {
  RestoreCluster() = default;
  RestoreCluster(const RestoreCluster&) = delete;
  RestoreCluster& operator=(const RestoreCluster&) = delete;
  ~RestoreCluster() {
    if (cluster("") != 0) std::cerr << "test_slurm_accounting: the cluster could not be restored (see /var/spool/slurm-local/log/start.out)\n";
  }
};

/// The accounting setting slurmctld runs with (scontrol show config), "" when it does not answer.
std::string accounting_storage() {
  const auto r = sh("scontrol show config | sed -n 's/^AccountingStorageType *= *//p'");
  return r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : "";
}

}  // namespace

TEST_CASE("slurm with accounting: the status of a job slurmctld forgot comes from sacct") {
  if (!torchx::test::slurm_cluster_or_skip()) return;
  torchx::test::TempDir tmp;
  const RestoreCluster restore;
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
  // The seam of the test below: fail where the cluster is furthest from its usual state.
  if (std::getenv("TORCHX_TEST_FAIL_MIDWAY") != nullptr) FAIL("failing midway on purpose (TORCHX_TEST_FAIL_MIDWAY)");
  CHECK(sh("squeue --json -t all | grep -q '\"job_id\": " + id + ",'").exit_code != 0);
  r = run({"status", "--json", handle});
  REQUIRE(r.exit_code == 0);
  const auto status = json::parse(r.out);
  CHECK(status.at("state") == "FAILED");
  CHECK(status.at("msg") == json::value("sh-0 exited with code 6"));
}

TEST_CASE("slurm with accounting: a test that fails midway leaves the cluster as the other tests expect it") {
  if (!torchx::test::slurm_cluster_or_skip()) return;
  // This same binary, running the test above with its failure seam.
  torchx::util::ProcessOptions options;
  options.env = {{"TORCHX_TEST_FAIL_MIDWAY", "1"}, {"TORCHX_TEST_REQUIRE_SLURM", "1"}};
  const auto r = torchx::util::run_process(
      {std::filesystem::read_symlink("/proc/self/exe").string(),
       "--test-case=slurm with accounting: the status of a job slurmctld forgot comes from sacct"},
      options);
  INFO(r.out, r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("failing midway on purpose") != std::string::npos);
  CHECK(accounting_storage() == "accounting_storage/none");
  CHECK(sh("sinfo -h -N -o '%T' | grep -qvE '^(idle|allocated|mixed|completing)$'").exit_code != 0);  // every node up
}
