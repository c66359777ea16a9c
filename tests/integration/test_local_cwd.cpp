// SPDX-License-Identifier: BSD-3-Clause
// local_cwd end to end: the real binary, the real supervisor, separate processes.
#include "../support/background.hpp"
#include "../support/local_cli.hpp"
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <dirent.h>
#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "../support/files.hpp"

using torchx::test::slurp;
using torchx::test::first_line;

namespace json = boost::json;
using torchx::util::ProcessResult;

namespace {

using Local = torchx::test::LocalCli;

/// Processes (not zombies) whose command line contains `marker`.
int processes_with(const std::string& marker) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  while (const dirent* e = ::readdir(proc)) {
    const std::string pid = e->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp("/proc/" + pid + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) == std::string::npos) continue;
    const std::string stat = slurp("/proc/" + pid + "/stat");
    const auto paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z') ++count;
  }
  ::closedir(proc);
  return count;
}

bool eventually(const std::function<bool()>& pred, int ms = 30000) {
  for (int i = 0; i < ms / 20; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace

TEST_SUITE_BEGIN("local_cwd");

TEST_CASE("local_cwd: run waits, streams the logs, and exits 0 only if the app succeeded") {
  Local torchx;
  auto r = torchx({"run", "utils.echo", "--msg", "hi there"});
  CHECK(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  CHECK(handle.starts_with("local_cwd://torchx/echo-"));
  CHECK(r.out == handle + "\n");  // stdout is the handle alone, so h=$(torchx run ...) works
  CHECK(r.err.find("echo/0 hi there\n") != std::string::npos);
  CHECK(torchx.status(handle).at("state") == "SUCCEEDED");

  r = torchx({"run", "utils.sh", "--", "sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.exit_code == 1);
  const std::string failed = first_line(r.out);
  CHECK(r.err.find("torchx: error: app '" + failed + "' ended FAILED: replica sh/0 exited with code 3\n") != std::string::npos);
  const auto s = torchx.state_file(failed);
  CHECK(s.at("replicas").at(0).at("exit_code") == 3);
  const std::filesystem::path replica = torchx.root() / failed.substr(failed.rfind('/') + 1) / "sh/0";
  CHECK(slurp(replica / "stdout.log") == "out\n");
  CHECK(slurp(replica / "stderr.log") == "err\n");
  CHECK(slurp(replica / "combined.log") == "out\nerr\n");

  r = torchx({"run", "utils.binary", "--entrypoint", "no-such-program-xyz"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("binary/0 torchx: cannot run 'no-such-program-xyz': No such file or directory") != std::string::npos);
}

TEST_CASE("local_cwd: a signal is told apart from an exit code, and error.json becomes the structured error") {
  Local torchx;
  // (No `$$` here: it is the macros' escape for `$`, as in TorchX.)
  auto r = torchx({"run", "utils.sh", "--", "sh", "-c", "kill -KILL 0"});
  CHECK(r.exit_code == 1);
  const std::string killed = first_line(r.out);
  CHECK(torchx.status(killed).at("msg") == "replica sh/0 was killed by signal 9");
  CHECK(torchx.state_file(killed).at("replicas").at(0).at("signal") == 9);

  const std::string error =
      R"({"message": {"message": "RuntimeError: boom", "errorCode": 7, "extraInfo": {"timestamp": 1700000000}}})";
  r = torchx({"run", "utils.sh", "--", "sh", "-c", "printf '%s' '" + error + "' > \"$TORCHELASTIC_ERROR_FILE\"; exit 7"});
  CHECK(r.exit_code == 1);
  const std::string failed = first_line(r.out);
  CHECK(torchx.status(failed).at("structured_error_msg") == json::value(error));
  r = torchx({"status", failed});
  CHECK(r.out.find("State: FAILED") != std::string::npos);
  CHECK(r.out.find("Structured Error Msg: " + error) != std::string::npos);
  CHECK(r.out.find(" *sh[0]:FAILED (exitcode: 7)\n") != std::string::npos);
  CHECK(r.out.find("        error_msg: RuntimeError: boom\n") != std::string::npos);
}

TEST_CASE("local_cwd: a detached app is seen, logged, cancelled and deleted from other processes") {
  Local torchx;
  auto r = torchx({"run", "--detach", "utils.sh", "--", "sh", "-c", "echo started; sleep 987651"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  CHECK(torchx.status(handle).at("state") == "RUNNING");
  CHECK(eventually([&] { return torchx({"log", handle}).out == "sh/0 started\n"; }));
  r = torchx({"list", "-s", "local_cwd", "--json"});
  CHECK(json::parse(r.out).as_array().at(0).at("app_handle") == json::value(handle));
  r = torchx({"describe", "--json", handle});
  CHECK(json::parse(r.out).at("roles").at(0).at("entrypoint") == "sh");
  r = torchx({"delete", handle});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("is still RUNNING: cancel it first") != std::string::npos);

  CHECK(processes_with("987651") >= 1);
  CHECK(torchx({"cancel", handle}).exit_code == 0);
  CHECK(torchx.wait_state(handle, [](const std::string& s) { return s != "RUNNING"; }) == "CANCELLED");
  CHECK(eventually([] { return processes_with("987651") == 0; }));  // nothing of the app survives
  CHECK(torchx({"delete", handle}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(torchx.root() / handle.substr(handle.rfind('/') + 1)));
  CHECK(torchx({"status", handle}).exit_code == 1);
}

TEST_CASE("local_cwd: the job goes on when the launcher is killed") {
  Local torchx;
  const std::string out = (torchx.tmp.path() / "launcher.out").string();
  const pid_t launcher = torchx.background({"run", "utils.sh", "--", "sh", "-c", "sleep 1; echo done"}, out);
  std::string handle;
  REQUIRE(eventually([&] {
    handle = first_line(slurp(out));
    return handle.starts_with("local_cwd://");
  }));
  ::kill(launcher, SIGKILL);
  CHECK(torchx::test::wait_exit(launcher) == 128 + SIGKILL);
  CHECK(torchx.wait_state(handle, [](const std::string& s) { return s != "RUNNING"; }) == "SUCCEEDED");
  CHECK(torchx({"log", handle}).out == "sh/0 done\n");
}

TEST_CASE("local_cwd: a killed supervisor is reported FAILED at once, and its replicas are gone") {
  Local torchx;
  auto r = torchx({"run", "--detach", "utils.sh", "--", "sleep", "987652"});
  const std::string handle = first_line(r.out);
  const auto supervisor = static_cast<pid_t>(torchx.state_file(handle).at("supervisor_pid").as_int64());
  ::kill(supervisor, SIGKILL);
  // Once the supervisor is gone (dead or a zombie: its lock is released either way), the very
  // next status says FAILED: no waiting, no timeout to expire.
  REQUIRE(eventually([&] {
    const std::string stat = slurp("/proc/" + std::to_string(supervisor) + "/stat");
    const auto paren = stat.rfind(')');
    return stat.empty() || (paren != std::string::npos && stat[paren + 2] == 'Z');
  }));
  CHECK(torchx.status(handle).at("state") == "FAILED");
  const auto s = torchx.status(handle);
  CHECK(std::string(s.at("msg").as_string()).starts_with("the supervisor (pid " + std::to_string(supervisor) +
                                                         ") died without writing a final state"));
  CHECK(eventually([] { return processes_with("987652") == 0; }));
}

TEST_CASE("local_cwd: Ctrl-C cancels the app and exits 130") {
  Local torchx;
  const std::string out = (torchx.tmp.path() / "launcher.out").string();
  const pid_t launcher = torchx.background({"run", "utils.sh", "--", "sleep", "987653"}, out);
  std::string handle;
  REQUIRE(eventually([&] {
    handle = first_line(slurp(out));
    return handle.starts_with("local_cwd://") && processes_with("987653") > 0;
  }));
  ::kill(launcher, SIGINT);
  CHECK(torchx::test::wait_exit(launcher) == 130);
  CHECK(torchx.status(handle).at("state") == "CANCELLED");
  CHECK(slurp(out).find("torchx: error: interrupted: app '" + handle + "' ended CANCELLED") != std::string::npos);
  CHECK(eventually([] { return processes_with("987653") == 0; }));
}

TEST_CASE("local_cwd: arguments reach the replica byte for byte") {
  Local torchx;
  const std::vector<std::string> hostile = {"a b", "$(touch pwned)", "`id`", "it's \"q\"", "new\nline", "ünïcødé ✓",
                                            "*", "--", "-x", ""};
  std::vector<std::string> args{"run", "utils.binary", "--entrypoint", "printf", "--", "<%s>"};
  args.insert(args.end(), hostile.begin(), hostile.end());
  const auto r = torchx(args);
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  std::string expected;
  for (const auto& h : hostile) expected += "<" + h + ">";
  CHECK(slurp(torchx.root() / handle.substr(handle.rfind('/') + 1) / "binary/0/stdout.log") == expected);
  // torchx log shows a last line that has no line break too.
  CHECK(torchx({"log", "--streams", "stdout", handle + "/binary/0"}).out.ends_with("<ünïcødé ✓><*><--><-x><>\n"));
  CHECK_FALSE(std::filesystem::exists(torchx.cwd() / "pwned"));
}

TEST_CASE("local_cwd: a replica that writes 100 MB loses nothing") {
  Local torchx;
  const auto r = torchx({"run", "--detach", "utils.sh", "--", "sh", "-c", "head -c 100000000 /dev/zero | tr '\\0' a; echo"});
  const std::string handle = first_line(r.out);
  CHECK(torchx.wait_state(handle, [](const std::string& s) { return s != "RUNNING"; }) == "SUCCEEDED");
  const auto dir = torchx.root() / handle.substr(handle.rfind('/') + 1) / "sh/0";
  CHECK(std::filesystem::file_size(dir / "stdout.log") == 100000001);
  CHECK(std::filesystem::file_size(dir / "combined.log") == 100000001);
}

TEST_CASE("local_cwd: log returns a line longer than 1 MiB in pieces, not held whole") {
  // A progress bar redrawn with \r for a whole run is one "line" of gigabytes.
  Local torchx;
  const auto r = torchx({"run", "utils.sh", "--", "sh", "-c", "head -c 2500000 /dev/zero | tr '\\0' a; echo; echo end"});
  REQUIRE(r.exit_code == 0);
  const auto log = torchx({"log", "--streams", "stdout", first_line(r.out)});
  CHECK(log.exit_code == 0);
  CHECK(torchx::test::check_long_line_pieces(log.out) == "");
}

TEST_CASE("local_cwd: log of two replicas in batches: prefixes, order, --regex, --streams and -t as before") {
  Local torchx;
  // 30,000 lines per replica (several of the host's 1 MiB batches), then one on stderr.
  torchx.tmp.write("cwd/two.yaml", R"(two:
  app:
    name: two
    roles:
      - name: w
        image: /tmp
        entrypoint: sh
        args: [-c, "seq 1 30000 | sed \"s/^/r${replica_id} line /\"; echo r${replica_id} done >&2"]
        num_replicas: 2
)");
  auto r = torchx({"run", "two.yaml"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);

  const auto log = torchx({"log", "--streams", "stdout", handle});
  CHECK(log.exit_code == 0);
  std::vector<std::string> lines[2];
  std::size_t other = 0;
  std::istringstream in(log.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("w/0 ")) lines[0].push_back(line.substr(4));
    else if (line.starts_with("w/1 ")) lines[1].push_back(line.substr(4));
    else ++other;
  }
  CHECK(other == 0);  // every line whole and prefixed, though two threads print batches at once
  for (int k = 0; k < 2; ++k) {
    CAPTURE(k);
    REQUIRE(lines[k].size() == 30000);
    bool in_order = true;
    for (std::size_t i = 0; i < lines[k].size(); ++i) {
      in_order = in_order && lines[k][i] == "r" + std::to_string(k) + " line " + std::to_string(i + 1);
    }
    CHECK(in_order);
  }

  CHECK(torchx({"log", "--regex", "line 2999[0-9]$", handle + "/w/1"}).out == [] {
    std::string want;
    for (int i = 29990; i <= 29999; ++i) want += "w/1 r1 line " + std::to_string(i) + "\n";
    return want;
  }());
  CHECK(torchx({"log", "--streams", "stderr", handle}).out.find("w/1 r1 done\n") != std::string::npos);
  CHECK(torchx({"log", "--streams", "stderr", handle + "/w/0"}).out == "w/0 r0 done\n");
  const auto json_lines = torchx({"log", "--json", "--regex", "^r0 line 7$", handle + "/w/0"});
  CHECK(json_lines.out == "{\"role\":\"w\",\"replica\":0,\"line\":\"r0 line 7\"}\n");

  // -t follows a running replica: lines that come seconds apart, then the end with the app's.
  r = torchx({"run", "--detach", "utils.sh", "--", "sh", "-c", "echo one; sleep 2; echo two; sleep 1; printf three"});
  REQUIRE(r.exit_code == 0);
  const auto followed = torchx({"log", "-t", first_line(r.out)});
  CHECK(followed.exit_code == 0);
  CHECK(followed.out == "sh/0 one\nsh/0 two\nsh/0 three\n");  // the last line, without its break, too
}

TEST_CASE("local_cwd: 50 concurrent launches on one state root give 50 intact apps") {
  Local torchx;
  std::vector<pid_t> launchers;
  for (int i = 0; i < 50; ++i) {
    launchers.push_back(torchx.background({"run", "--detach", "utils.echo", "--msg", "n" + std::to_string(i)},
                                          (torchx.tmp.path() / ("out" + std::to_string(i))).string()));
  }
  int failures = 0;
  for (pid_t p : launchers) failures += torchx::test::wait_exit(p) == 0 ? 0 : 1;
  CHECK(failures == 0);
  auto apps = json::parse(torchx({"list", "-s", "local_cwd", "--json"}).out).as_array();
  CHECK(apps.size() == 50);
  CHECK(eventually([&] {
    apps = json::parse(torchx({"list", "-s", "local_cwd", "--json"}).out).as_array();
    return std::all_of(apps.begin(), apps.end(), [](const json::value& a) { return a.at("state") == "SUCCEEDED"; });
  }));
  std::set<std::string> messages;
  for (const auto& a : apps) messages.insert(first_line(torchx({"log", std::string(a.at("app_handle").as_string())}).out));
  CHECK(messages.size() == 50);
}

TEST_CASE("local_cwd: retries with the REPLICA and APPLICATION policies") {
  Local torchx;
  // Each replica fails the first time (no marker yet) and succeeds when restarted. It says "first"
  // before leaving its marker: APPLICATION restarts may stop a replica at any point of its run.
  const std::string component = R"(retry:
  args:
    policy: {type: str}
  app:
    name: retry
    roles:
      - name: worker
        image: /tmp
        entrypoint: sh
        args: [-c, "if [ -e marker-${replica_id} ]; then echo second; else echo first; touch marker-${replica_id}; exit 4; fi"]
        num_replicas: 2
        max_retries: 2
        retry_policy: "${policy}"
)";
  torchx.tmp.write("cwd/retry.yaml", component);
  auto r = torchx({"run", "retry.yaml", "--policy", "REPLICA"});
  CHECK(r.exit_code == 0);
  auto s = torchx.status(first_line(r.out));
  CHECK(s.at("state") == "SUCCEEDED");
  CHECK(s.at("num_restarts") == 2);  // each replica restarted once
  std::filesystem::remove(torchx.cwd() / "marker-0");
  std::filesystem::remove(torchx.cwd() / "marker-1");
  r = torchx({"run", "retry.yaml", "--policy", "APPLICATION"});
  CHECK(r.exit_code == 0);
  s = torchx.status(first_line(r.out));
  CHECK(s.at("state") == "SUCCEEDED");
  CHECK(s.at("num_restarts").as_int64() >= 1);
  const auto log = slurp(torchx.root() / first_line(r.out).substr(first_line(r.out).rfind('/') + 1) / "worker/0/stdout.log");
  CHECK(log.starts_with("first\n"));
  CHECK(log.ends_with("second\n"));
  // Retries exhausted: FAILED, with the count.
  r = torchx({"run", "utils.sh", "--max_retries", "1", "--", "sh", "-c", "exit 5"});
  CHECK(r.exit_code == 1);
  CHECK(torchx.status(first_line(r.out)).at("num_restarts") == 1);
}

TEST_CASE("local_cwd: auto_set_cuda_visible_devices hands out GPUs as TorchX does") {
  Local torchx;
  torchx.tmp.write("bin/nvidia-smi", "#!/bin/sh\necho 'GPU 0: A'\necho 'GPU 1: B'\necho 'GPU 2: C'\necho 'GPU 3: D'\n");
  std::filesystem::permissions(torchx.tmp.path() / "bin/nvidia-smi", std::filesystem::perms::owner_all);
  torchx.extra_env = {{"PATH", (torchx.tmp.path() / "bin").string() + ":" + std::getenv("PATH")}};
  torchx.tmp.write("cwd/gpus.yaml", R"(gpus:
  app:
    name: gpus
    roles:
      - {name: a, image: /tmp, entrypoint: sh, args: [-c, "echo $CUDA_VISIBLE_DEVICES"], num_replicas: 2,
         resource: {cpu: 1, gpu: 1, memMB: 10}}
      - {name: b, image: /tmp, entrypoint: sh, args: [-c, "echo $CUDA_VISIBLE_DEVICES"], num_replicas: 1,
         resource: {cpu: 1, gpu: 2, memMB: 10}}
)");
  auto r = torchx({"run", "-cfg", "auto_set_cuda_visible_devices=true", "gpus.yaml"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("a/0 0\n") != std::string::npos);
  CHECK(r.err.find("a/1 1\n") != std::string::npos);
  CHECK(r.err.find("b/0 2,3\n") != std::string::npos);
  // Without the option, nothing is set.
  r = torchx({"run", "gpus.yaml"});
  CHECK(r.err.find("b/0 \n") != std::string::npos);
}

TEST_CASE("local_cwd: the builtins' Python apps are on the replicas' PYTHONPATH") {
  Local torchx;
  const auto r = torchx({"run", "utils.booth", "--x1", "1", "--x2", "3", "--tracker_base", (torchx.tmp.path() / "b").string()});
  CHECK(r.exit_code == 0);
  CHECK(slurp(torchx.tmp.path() / "b/0") == "{\n  \"booth_eval\": 0.0\n}");
}

TEST_CASE("local_cwd: real torchrun, one node with two workers and two nodes of one") {
  Local torchx;
  std::filesystem::copy_file(TORCHX_INTEGRATION_DIR "/dist_app.py", torchx.cwd() / "dist_app.py");
  torchx.extra_env = {{"PATH", "/usr/bin:/bin"}};  // Debian's python3 and torchrun
  auto r = torchx({"run", "dist.ddp", "-j", "1x2", "--tee", "1", "--env", "PET_REDIRECTS=2", "--script", "dist_app.py"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("all_reduce=3 expected=3") != std::string::npos);
  r = torchx({"run", "dist.ddp", "-j", "2x1", "--tee", "1", "--env", "PET_REDIRECTS=2", "--rdzv_port", "29517",
              "--script", "dist_app.py"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("dist_app/0 ") != std::string::npos);
  CHECK(r.err.find("dist_app/1 ") != std::string::npos);
  CHECK(r.err.find("all_reduce=3 expected=3") != std::string::npos);
}

TEST_SUITE_END();
