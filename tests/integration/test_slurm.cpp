// SPDX-License-Identifier: BSD-3-Clause
// slurm end to end against the real local cluster (tests/slurm/start-local-slurm.sh; scripts/test.sh
// starts it). Accounting is off: status comes from squeue alone.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "../support/files.hpp"

using torchx::test::slurp;
using torchx::test::first_line;

namespace json = boost::json;
using torchx::util::ProcessResult;

namespace {

struct Slurm {
  torchx::test::TempDir tmp;
  Slurm() {
    std::filesystem::create_directories(tmp.path() / "cwd");
    const auto sinfo = torchx::util::run_process({"sinfo", "-h", "-o", "%D"});
    INFO("no Slurm cluster: start it with tests/slurm/start-local-slurm.sh (scripts/test.sh does)");
    REQUIRE(sinfo.exit_code == 0);
  }
  std::filesystem::path cwd() const { return tmp.path() / "cwd"; }

  ProcessResult operator()(std::vector<std::string> args, const std::string& dir = {}) const {
    args.insert(args.begin(), TORCHX_EXE);
    auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);  // the build's plugins only
    options.cwd = dir.empty() ? cwd().string() : dir;
    options.env.insert(options.env.end(), {{"TORCHX_SLURM_DIR", (tmp.path() / "state").string()},
                                           {"PATH", std::string("/usr/bin:/bin:/usr/sbin:/sbin")}});
    return torchx::util::run_process(args, options);
  }

  json::object status(const std::string& handle) const {
    const auto r = (*this)({"status", "--json", handle});
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out).as_object();
  }

  std::string wait_terminal(const std::string& handle) const {
    std::string state;
    for (int i = 0; i < 600; ++i) {
      state = std::string(status(handle).at("state").as_string());
      if (state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED") return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return state;
  }
};

}  // namespace

TEST_SUITE_BEGIN("slurm");

TEST_CASE("slurm: utils.echo with hostile arguments reaches the process byte for byte, and its logs are read from anywhere") {
  Slurm slurm;
  const std::string hostile = "a b $(touch pwned) `id` it's \"q\" ünï,comma=eq *";
  auto r = slurm({"run", "-s", "slurm", "--wait", "utils.echo", "--msg", hostile});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  CHECK(handle.starts_with("slurm://torchx/"));
  CHECK(slurm({"log", handle}, "/").out == "echo/0 " + hostile + "\n");  // from another directory
  CHECK_FALSE(std::filesystem::exists(slurm.cwd() / "pwned"));
  const auto s = slurm.status(handle);
  CHECK(s.at("roles").as_array()[0].at("replicas").as_array()[0].at("hostname") == "node1");
  r = slurm({"describe", "--json", handle});
  CHECK(json::parse(r.out).at("roles").as_array()[0].at("args").as_array()[0] == json::value(hostile));
  r = slurm({"list", "-s", "slurm", "--json"});
  bool listed = false;
  const json::value apps = json::parse(r.out);
  for (const auto& a : apps.as_array()) listed = listed || a.at("app_handle") == json::value(handle);
  CHECK(listed);
}

TEST_CASE("slurm: a 2-role, 3-replica app runs as one het job") {
  Slurm slurm;
  slurm.tmp.write("cwd/two.yaml", R"(two:
  app:
    name: two
    roles:
      - {name: trainer, image: /tmp, entrypoint: sh, args: [-c, "echo trainer ${replica_id} on $SLURMD_NODENAME"], num_replicas: 2}
      - {name: ps, image: /tmp, entrypoint: sh, args: [-c, "echo ps"], num_replicas: 1}
)");
  auto r = slurm({"run", "-s", "slurm", "--wait", "--log", "two.yaml"});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("trainer/0 trainer 0 on node") != std::string::npos);
  CHECK(r.err.find("trainer/1 trainer 1 on node") != std::string::npos);
  CHECK(r.err.find("ps/0 ps\n") != std::string::npos);
  const auto s = slurm.status(first_line(r.out));
  CHECK(s.at("roles").as_array().size() == 2);
  CHECK(s.at("roles").as_array()[0].at("replicas").as_array().size() == 2);
}

TEST_CASE("slurm: a failing job is FAILED with its exit code, a cancelled one CANCELLED") {
  Slurm slurm;
  auto r = slurm({"run", "-s", "slurm", "--wait", "utils.sh", "--", "sh", "-c", "exit 3"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("ended FAILED: sh-0 exited with code 3") != std::string::npos);
  r = slurm({"run", "-s", "slurm", "utils.sh", "--", "sleep", "600"});
  const std::string handle = first_line(r.out);
  for (int i = 0; i < 100 && slurm.status(handle).at("state") != "RUNNING"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(slurm({"cancel", handle}).exit_code == 0);
  CHECK(slurm.wait_terminal(handle) == "CANCELLED");
  r = slurm({"cancel", "slurm://torchx/99999999"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not found") != std::string::npos);
}

TEST_CASE("slurm: a retry through requeue") {
  Slurm slurm;
  auto r = slurm({"run", "-s", "slurm", "--wait", "utils.sh", "--max_retries", "1", "--", "sh", "-c",
                  "if [ -e marker ]; then echo second; else touch marker; exit 4; fi"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(slurm({"log", first_line(r.out)}).out == "sh/0 second\n");
}

TEST_CASE("slurm: a job_dir workspace honours .torchxignore and the job runs there") {
  Slurm slurm;
  slurm.tmp.write("cwd/keep.txt", "kept");
  slurm.tmp.write("cwd/secret.key", "not copied");
  slurm.tmp.write("cwd/.torchxignore", "# comment\n*.key\n");
  const std::string job_dir = (slurm.tmp.path() / "job").string();
  auto r = slurm({"run", "-s", "slurm", "--wait", "--log", "-cfg", "job_dir=" + job_dir, "utils.sh", "--", "sh", "-c",
                  "pwd; ls -1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("sh/0 " + job_dir + "\n") != std::string::npos);
  CHECK(r.err.find("sh/0 keep.txt\n") != std::string::npos);
  CHECK(r.out.find("secret.key") == std::string::npos);
  r = slurm({"run", "-s", "slurm", "-cfg", "job_dir=" + job_dir, "utils.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("already exists") != std::string::npos);
}

TEST_CASE("slurm: an app larger than the partition is refused before submitting, with the reason") {
  Slurm slurm;
  auto r = slurm({"run", "-s", "slurm", "utils.echo", "--num_replicas", "50"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the app has 50 replicas, each a het-job component that needs its own node, but partition 'debug' has") !=
        std::string::npos);
  r = slurm({"run", "-s", "slurm", "dist.ddp", "-j", "1x1", "--script", "missing.py"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("role 'missing' runs 'missing.py', which is not in the workspace " + slurm.cwd().string() +
                   ": the job would fail on the nodes") != std::string::npos);
}

TEST_CASE("slurm: dist.ddp -j 2x1 rendezvouses across het components with real torchrun") {
  Slurm slurm;
  std::filesystem::copy_file(TORCHX_INTEGRATION_DIR "/dist_app.py", slurm.cwd() / "dist_app.py");
  const auto r = slurm({"run", "-s", "slurm", "--wait", "--log", "dist.ddp", "-j", "2x1", "--tee", "1", "--env",
                        "PET_REDIRECTS=2", "--rdzv_port", "29541", "--script", "dist_app.py"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("dist_app/0 ") != std::string::npos);
  CHECK(r.err.find("dist_app/1 ") != std::string::npos);
  CHECK(r.err.find("all_reduce=3 expected=3") != std::string::npos);
}

TEST_SUITE_END();
