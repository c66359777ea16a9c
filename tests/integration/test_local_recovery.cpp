// SPDX-License-Identifier: BSD-3-Clause
// local_cwd recovery touches only its own (issue 12): a reader never signals a process it has not
// proven is the app's, never writes a final state while a supervisor may still start or run, tells
// a full disk from a failure, and contains descendants that leave their process group. Plus the
// local bits of bad input: the grace setting, a corrupt state.json, concurrent deletes, a shared
// state root. The real binary and supervisor, as a user runs them.
#include "../support/background.hpp"
#include "../support/local_cli.hpp"
#include "../support/cli_env.hpp"
#include "../support/files.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

namespace json = boost::json;
using torchx::test::first_line;
using torchx::test::slurp;
using torchx::util::ProcessResult;

namespace {

using Local = torchx::test::LocalCli;

/// Pids of live processes (not zombies) whose command line contains `marker`.
std::vector<pid_t> pids_with(const std::string& marker) {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  while (const dirent* e = ::readdir(proc)) {
    const std::string pid = e->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp("/proc/" + pid + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) == std::string::npos) continue;
    const std::string stat = slurp("/proc/" + pid + "/stat");
    const auto paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z') pids.push_back(std::stoi(pid));
  }
  ::closedir(proc);
  return pids;
}

bool eventually(const std::function<bool()>& pred, int ms = 30000) {
  for (int i = 0; i < ms / 20; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

/// Kills, at the end of a test, the processes it started under a unique marker (if a check failed).
struct KillAtEnd {
  std::vector<std::string> markers;
  ~KillAtEnd() {
    for (const auto& m : markers) {
      for (pid_t p : pids_with(m)) ::kill(p, SIGKILL);
    }
  }
};

/// Field 22 of /proc/PID/stat: the process's start time.
std::uint64_t start_time_of(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22 && in >> field; ++i) {
  }
  return std::stoull(field);
}

std::string boot_id() { return first_line(slurp("/proc/sys/kernel/random/boot_id")); }

/// True while a process holds the app's supervisor lock.
bool lock_held(const std::filesystem::path& app_dir) {
  const int fd = ::open((app_dir / "supervisor.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

/// A final state (what wait_state waits for).
bool ended(const std::string& s) { return s == "SUCCEEDED" || s == "FAILED" || s == "CANCELLED" || s == "UNKNOWN"; }

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

/// The id of the one app directory with an app.json that is not in `known`, once there is one.
std::string new_app_id(const std::filesystem::path& root, const std::vector<std::string>& known = {}) {
  std::string id;
  eventually([&] {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      const std::string name = e.path().filename().string();
      if (std::find(known.begin(), known.end(), name) == known.end() && std::filesystem::exists(e.path() / "app.json")) {
        id = name;
      }
    }
    return !id.empty();
  });
  return id;
}

/// Removes the app's cgroup (recorded in `state`) once its processes are gone: for tests that
/// SIGKILL a supervisor where no reader will clean up after it (the app's directory goes with the test).
void remove_cgroup(const json::object& state) {
  if (!state.contains("cgroup") || !state.at("cgroup").is_string()) return;
  const std::string dir(state.at("cgroup").as_string());
  std::ofstream(dir + "/cgroup.kill") << "1";  // what a replica left (its children have no death signal)
  eventually([&] { return ::rmdir(dir.c_str()) == 0 || errno == ENOENT; });
}

/// True once background process `pid` has exited (within 30 s), its exit code in `code`.
bool exits(pid_t pid, int& code) {
  int status = 0;
  const bool done = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
  if (!done) {  // still waiting: stop it, so the test reports rather than hangs
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return false;
  }
  code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

}  // namespace

TEST_SUITE_BEGIN("local_cwd recovery");

TEST_CASE("local_cwd recovery: a stale state.json naming a stranger's process never gets it signalled") {
  Local torchx;
  KillAtEnd cleanup{{"987661"}};
  auto r = torchx({"run", "utils.sh", "--", "true"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handle)); }));  // its supervisor is gone
  // A stranger, in its own session and group: what a recorded pid may be after a reboot or reuse.
  const pid_t stranger = torchx::test::spawn_background({"/usr/bin/setsid", "sleep", "987661"}, {},
                                                        (torchx.tmp.path() / "stranger.out").string());
  REQUIRE(eventually([&] { return pids_with("987661").size() == 1 && ::getpgid(stranger) == stranger; }));

  // The record says the app runs with the stranger as its replica (and supervisor): as an old
  // state.json (no proof at all), then from another boot, then with another start time.
  auto s = torchx.state_file(handle);
  s["state"] = "RUNNING";
  s["finished_at"] = nullptr;
  s["supervisor_pid"] = stranger;
  s.erase("boot_id");
  s.erase("supervisor_start_time");
  auto& replica = s["replicas"].as_array().at(0).as_object();
  replica["state"] = "RUNNING";
  replica["pid"] = stranger;
  replica.erase("start_time");
  const std::uint64_t started = start_time_of(stranger);
  std::vector<json::object> records{s, s, s};
  records[1]["boot_id"] = "00000000-0000-0000-0000-000000000000";
  records[1]["replicas"].as_array().at(0).as_object()["start_time"] = started;
  records[2]["boot_id"] = boot_id();
  records[2]["replicas"].as_array().at(0).as_object()["start_time"] = started + 1;
  for (const auto& record : records) {
    std::ofstream(torchx.app_dir(handle) / "state.json") << json::serialize(record);
    CHECK(torchx({"list", "-s", "local_cwd"}).exit_code == 0);
    const auto status = torchx.status(handle);
    CHECK(status.at("state") == "FAILED");  // its supervisor is gone: that much is true
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(::kill(stranger, 0) == 0);
    CHECK(pids_with("987661").size() == 1);
  }

  // cancel while "a supervisor" holds the lock: the recorded supervisor pid is the stranger's.
  auto held = records[2];
  held["supervisor_start_time"] = started + 1;
  std::ofstream(torchx.app_dir(handle) / "state.json") << json::serialize(held);
  const int lock = ::open((torchx.app_dir(handle) / "supervisor.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(::flock(lock, LOCK_EX) == 0);
  CHECK(torchx({"cancel", handle}).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(pids_with("987661").size() == 1);
  ::close(lock);
  ::kill(stranger, SIGKILL);
  torchx::test::wait_exit(stranger);
}

TEST_CASE("local_cwd recovery: a supervisor still starting is not declared dead (delay seam)") {
  Local torchx;
  // The supervisor sleeps 3 s as it starts, at the point where it used to take its lock.
  torchx.extra_env = {{"TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS", "3000"}};
  const std::string out = (torchx.tmp.path() / "launcher.out").string();
  const pid_t launcher = torchx.background({"run", "--detach", "utils.sh", "--", "sh", "-c", "echo ran"}, out);
  std::string id;
  REQUIRE(eventually([&] {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(torchx.root_dir, ec)) {
      if (std::filesystem::exists(e.path() / "app.json")) id = e.path().filename().string();
    }
    return !id.empty();
  }));
  const std::string handle = "local_cwd://torchx/" + id;
  const auto early = torchx.status(handle);
  INFO(json::serialize(early));
  CHECK(early.at("state") != "FAILED");
  CHECK(torchx({"list", "-s", "local_cwd"}).exit_code == 0);
  const auto del = torchx({"delete", handle});  // a starting app is not deleted under its supervisor
  CHECK(del.exit_code == 1);
  CHECK(del.err.find("cancel it first") != std::string::npos);
  CHECK(std::filesystem::exists(torchx.app_dir(handle) / "app.json"));
  CHECK(torchx::test::wait_exit(launcher) == 0);
  CHECK(torchx.wait_state(handle, ended) == "SUCCEEDED");
  CHECK(torchx({"log", handle}).out == "sh/0 ran\n");

  // A cancel while the supervisor is still starting is not lost: the app ends CANCELLED and its
  // replica never runs.
  const std::string out2 = (torchx.tmp.path() / "launcher2.out").string();
  const pid_t launcher2 = torchx.background({"run", "--detach", "utils.sh", "--", "touch", "ran-anyway"}, out2);
  std::string id2;
  REQUIRE(eventually([&] {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(torchx.root_dir, ec)) {
      if (e.path().filename() != id && std::filesystem::exists(e.path() / "app.json")) id2 = e.path().filename().string();
    }
    return !id2.empty();
  }));
  const std::string handle2 = "local_cwd://torchx/" + id2;
  CHECK(torchx({"cancel", handle2}).exit_code == 0);
  torchx::test::wait_exit(launcher2);
  CHECK(torchx.wait_state(handle2, ended) == "CANCELLED");
  CHECK(eventually([&] { return !lock_held(torchx.app_dir(handle2)); }));
  CHECK_FALSE(std::filesystem::exists(torchx.cwd() / "ran-anyway"));
}

namespace {

/// A small tmpfs mounted at `dir` for one test (we run as root), unmounted at the end.
struct SmallTmpfs {
  std::filesystem::path dir;
  std::string error;
  explicit SmallTmpfs(std::filesystem::path d) : dir(std::move(d)) {
    std::filesystem::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=4m,mode=0700") != 0) error = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (error.empty()) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

}  // namespace

TEST_CASE("local_cwd recovery: a full disk: a job that exited 0 is not FAILED, and the reason is told") {
  Local torchx;
  SmallTmpfs disk(torchx.root_dir);
  if (!disk.error.empty()) {
    std::cout << "TORCHX_TEST_SKIPPED: cannot mount a small tmpfs here (" << disk.error << "): the full-disk case is not tested"
              << std::endl;
    return;
  }
  // The job waits for a file outside the small disk, then exits 0.
  const std::string go = (torchx.tmp.path() / "go").string();
  auto r = torchx({"run", "--detach", "utils.sh", "--", "sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.05; done"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  CHECK(torchx.status(handle).at("state") == "RUNNING");
  {  // fill the disk
    std::ofstream fill(torchx.root_dir / "fill", std::ios::binary);
    const std::string block(1 << 16, 'x');
    for (int i = 0; i < 1000 && fill; ++i) fill.write(block.data(), static_cast<std::streamsize>(block.size())).flush();
  }
  std::ofstream(go) << "";
  REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handle)); }));
  const auto s = torchx.status(handle);
  INFO(json::serialize(s));
  CHECK(s.at("state") == "SUCCEEDED");
  CHECK(std::string(s.at("msg").as_string()).starts_with("state could not be recorded: "));
  CHECK(std::string(s.at("msg").as_string()).find("No space left on device") != std::string::npos);
  // Room again: still the same answer.
  std::filesystem::remove(torchx.root_dir / "fill");
  CHECK(torchx.status(handle).at("state") == "SUCCEEDED");
}

TEST_CASE("local_cwd recovery: an app that cannot start on a full disk says why and leaves nothing behind") {
  Local torchx;
  SmallTmpfs disk(torchx.root_dir);
  if (!disk.error.empty()) {
    std::cout << "TORCHX_TEST_SKIPPED: cannot mount a small tmpfs here (" << disk.error << "): the full-disk case is not tested"
              << std::endl;
    return;
  }
  const auto fill = [&](std::uintmax_t keep) {  // fills the disk, then frees `keep` bytes (tmpfs: whole pages)
    {
      std::ofstream out(torchx.root_dir / "fill", std::ios::binary | std::ios::app);
      const std::string block(4096, 'x');
      while (out.write(block.data(), static_cast<std::streamsize>(block.size())).flush()) {
      }
    }
    const auto size = std::filesystem::file_size(torchx.root_dir / "fill");
    std::filesystem::resize_file(torchx.root_dir / "fill", size - std::min(size, keep));
  };
  // Full: app.json cannot be written. Then room for app.json and request.json only: the
  // supervisor cannot preallocate final.record, so it could never record how the app ends.
  for (const std::uintmax_t room : {std::uintmax_t{0}, std::uintmax_t{8192}}) {
    fill(room);
    const auto r = torchx({"run", "utils.echo", "--msg", "hi"});
    INFO(room, " -> ", r.err);
    CHECK(r.exit_code == 1);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find("cannot start app 'echo-") != std::string::npos);
    CHECK(r.err.find(room == 0 ? "app.json" : "final.record") != std::string::npos);
    CHECK(r.err.find("No space left on device") != std::string::npos);
    std::vector<std::string> left;
    for (const auto& e : std::filesystem::directory_iterator(torchx.root_dir)) left.push_back(e.path().filename().string());
    CHECK(left == std::vector<std::string>{"fill"});  // it used to leave a directory per try
  }
}

TEST_CASE("local_cwd recovery: descendants that setsid away do not survive a cancel") {
  Local torchx;
  KillAtEnd cleanup{{"987672", "987673"}};
  auto r = torchx({"run", "--detach", "utils.sh", "--", "sh", "-c", "setsid sleep 987672 & sleep 987673"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  REQUIRE(eventually([] { return !pids_with("987672").empty() && !pids_with("987673").empty(); }));
  CHECK(torchx({"cancel", handle}).exit_code == 0);
  CHECK(torchx.wait_state(handle, ended) == "CANCELLED");
  CHECK(eventually([] { return pids_with("987672").empty() && pids_with("987673").empty(); }));
}

TEST_CASE("local_cwd recovery: descendants that setsid away do not survive a SIGKILLed supervisor") {
  Local torchx;
  // Replicas are born in the app's cgroup (clone3); where the kernel cannot, they move into it.
  SUBCASE("born in the cgroup") {}
  SUBCASE("moved into the cgroup") { torchx.extra_env = {{"TORCHX_LOCAL_TEST_NO_CLONE_INTO_CGROUP", "1"}}; }
  KillAtEnd cleanup{{"987674", "987675"}};
  auto r = torchx({"run", "--detach", "utils.sh", "--", "sh", "-c", "setsid sleep 987674 & sleep 987675"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  REQUIRE(eventually([] { return !pids_with("987674").empty() && !pids_with("987675").empty(); }));
  const auto state = torchx.state_file(handle);
  const auto supervisor = static_cast<pid_t>(state.at("supervisor_pid").as_int64());
  ::kill(supervisor, SIGKILL);
  REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handle)); }));
  CHECK(torchx.status(handle).at("state") == "FAILED");
  if (state.contains("containment") && !(state.contains("cgroup") && state.at("cgroup").is_string())) {
    // Said plainly where the machine has no usable cgroup v2: the record says why.
    std::cout << "TORCHX_TEST_SKIPPED: the containment check after kill -9 needs a cgroup: "
              << json::serialize(state.at("containment")) << std::endl;
    CHECK(std::string(state.at("containment").as_string()).find("not contained") != std::string::npos);
    return;
  }
  CHECK(eventually([] { return pids_with("987674").empty() && pids_with("987675").empty(); }));
  if (state.contains("cgroup") && state.at("cgroup").is_string()) {
    CHECK(eventually([&] { return !std::filesystem::exists(std::string(state.at("cgroup").as_string())); }));
  }
}

TEST_CASE("local_cwd recovery: without a cgroup, containment is said plainly and the subreaper still sweeps") {
  Local torchx;
  KillAtEnd cleanup{{"987676"}};
  torchx.extra_env = {{"TORCHX_LOCAL_TEST_NO_CGROUP", "1"}};  // a seam: as on a machine without cgroups
  const auto r = torchx({"run", "utils.sh", "--", "sh", "-c", "setsid sleep 987676 & echo started"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("info     plugin 'local': local_cwd: process groups and a subreaper: descendants that leave their "
                   "process group are not contained once the supervisor is killed (no cgroup: "
                   "TORCHX_LOCAL_TEST_NO_CGROUP is set)\n") != std::string::npos);
  const auto state = torchx.state_file(first_line(r.out));
  CHECK(state.at("cgroup").is_null());
  CHECK(std::string(state.at("containment").as_string()).starts_with("process groups and a subreaper"));
  CHECK(eventually([] { return pids_with("987676").empty(); }));  // swept at the end, while the supervisor lives
}

TEST_CASE("local_cwd recovery: at the end, what a replica left in the cgroup is killed and the cgroup removed") {
  // The supervisor removes an empty cgroup with one rmdir; one that still holds a process (here
  // a setsid'd sleep) refuses it, and the kill must still follow. The final state stays the one
  // written as the replica ended.
  Local torchx;
  KillAtEnd cleanup{{"987679"}};
  const auto r = torchx({"run", "utils.sh", "--", "sh", "-c", "setsid sleep 987679 >/dev/null 2>&1 & echo started"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto state = torchx.state_file(first_line(r.out));
  CHECK(state.at("state") == "SUCCEEDED");
  CHECK(state.at("finished_at").is_number());
  if (!(state.contains("cgroup") && state.at("cgroup").is_string())) {
    std::cout << "TORCHX_TEST_SKIPPED: needs a cgroup: " << json::serialize(state.at("containment")) << std::endl;
    return;
  }
  CHECK(eventually([] { return pids_with("987679").empty(); }));
  CHECK(eventually([&] { return !std::filesystem::exists(std::string(state.at("cgroup").as_string())); }));
}

TEST_CASE("local_cwd recovery: TORCHX_LOCAL_GRACE_SECONDS is validated in one line") {
  Local torchx;
  for (const std::string bad : {"abc", "nan", "1e300", "-1", "inf", "5s"}) {
    torchx.extra_env = {{"TORCHX_LOCAL_GRACE_SECONDS", bad}};
    const auto r = torchx({"run", "utils.echo", "--msg", "hi"});
    INFO(bad, " -> ", r.err);
    CHECK(r.exit_code != 0);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find("TORCHX_LOCAL_GRACE_SECONDS='" + bad + "' is not a number of seconds from 0 to 86400") !=
          std::string::npos);
  }
  torchx.extra_env = {{"TORCHX_LOCAL_GRACE_SECONDS", "0.5"}};
  CHECK(torchx({"run", "utils.echo", "--msg", "hi"}).exit_code == 0);
}

TEST_CASE("local_cwd recovery: one corrupt state.json is reported by list and hides no other app") {
  Local torchx;
  std::vector<std::string> handles;
  for (int i = 0; i < 3; ++i) {
    const auto r = torchx({"run", "utils.echo", "--msg", std::to_string(i)});
    REQUIRE(r.exit_code == 0);
    handles.push_back(first_line(r.out));
    // The supervisor may still be sweeping after its app ended: gone before we edit its state.
    REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handles.back())); }));
  }
  std::ofstream(torchx.app_dir(handles[0]) / "state.json") << R"({"state": 5})";  // valid JSON, wrong shape
  std::ofstream(torchx.app_dir(handles[1]) / "state.json") << "{\"state\": \"RUNN";  // cut short
  const auto r = torchx({"list", "-s", "local_cwd", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto apps = json::parse(r.out).as_array();
  CHECK(apps.size() == 3);
  for (const auto& a : apps) {
    const std::string h(a.at("app_handle").as_string());
    CHECK(a.at("state") == (h == handles[2] ? "SUCCEEDED" : "UNKNOWN"));
  }
  CHECK(r.err.find(handles[0].substr(handles[0].rfind('/') + 1) + ": state.json is corrupt") != std::string::npos);
  CHECK(r.err.find(handles[1].substr(handles[1].rfind('/') + 1) + ": state.json is corrupt") != std::string::npos);
  // Reading never replaces what it cannot read.
  CHECK(slurp(torchx.app_dir(handles[1]) / "state.json") == "{\"state\": \"RUNN");
  const auto s = torchx({"status", handles[0]});
  CHECK(s.exit_code == 0);
  CHECK(s.out.find("state.json is corrupt") != std::string::npos);
  const auto c = torchx({"cancel", handles[0]});
  CHECK(c.exit_code == 1);
  CHECK(lines(c.err) == 1);
  CHECK(c.err.find("cannot cancel app " + handles[0].substr(handles[0].rfind('/') + 1) + ": state.json is corrupt") !=
        std::string::npos);
  // Its supervisor is gone, so it can be deleted.
  CHECK(torchx({"delete", handles[0]}).exit_code == 0);
}

TEST_CASE("local_cwd recovery: a corrupt app.json or request.json is reported, never hidden or a raw error") {
  Local torchx;
  std::vector<std::string> handles;
  for (int i = 0; i < 2; ++i) {
    const auto r = torchx({"run", "utils.echo", "--msg", std::to_string(i)});
    REQUIRE(r.exit_code == 0);
    handles.push_back(first_line(r.out));
    REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handles.back())); }));
  }
  const std::string id = handles[0].substr(handles[0].rfind('/') + 1);
  std::ofstream(torchx.app_dir(handles[0]) / "app.json") << "{\"name\": 5";  // cut short
  const auto l = torchx({"list", "-s", "local_cwd", "--json"});
  INFO(l.err);
  REQUIRE(l.exit_code == 0);
  const auto apps = json::parse(l.out).as_array();
  REQUIRE(apps.size() == 2);  // it used to vanish from list, and status/delete said "not found"
  CHECK(l.err.find(id + ": app.json is corrupt: ") != std::string::npos);
  const auto s = torchx({"status", handles[0]});
  INFO(s.err);
  CHECK(s.exit_code == 0);
  CHECK(s.out.find("app.json is corrupt") != std::string::npos);
  const std::string request = slurp(torchx.app_dir(handles[1]) / "request.json");
  std::ofstream(torchx.app_dir(handles[1]) / "request.json") << "{}";
  const auto g = torchx({"log", handles[1]});
  INFO(g.err);
  CHECK(g.exit_code == 1);
  CHECK(lines(g.err) == 1);
  CHECK(g.err.find("request.json is corrupt") != std::string::npos);  // it was "log: out of range"
  // log waited forever for an UNKNOWN app to start: a corrupt app.json says why, a corrupt
  // state.json still gives the logs.
  auto o = torchx.options();
  o.timeout = std::chrono::seconds(30);
  const auto la = torchx::util::run_process({TORCHX_EXE, "log", handles[0]}, o);
  INFO(la.err);
  CHECK_FALSE(la.timed_out);
  CHECK(la.exit_code == 1);
  CHECK(lines(la.err) == 1);
  CHECK(la.err.find("its state is UNKNOWN: " + id + ": app.json is corrupt") != std::string::npos);
  std::ofstream(torchx.app_dir(handles[1]) / "state.json") << "{\"state\": \"RUNN";
  std::ofstream(torchx.app_dir(handles[1]) / "request.json") << request;
  const auto ls = torchx::util::run_process({TORCHX_EXE, "log", handles[1]}, o);
  INFO(ls.err);
  CHECK_FALSE(ls.timed_out);
  CHECK(ls.exit_code == 0);
  CHECK(ls.out == "echo/0 1\n");
  CHECK(torchx({"delete", handles[0]}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(torchx.app_dir(handles[0])));
}

TEST_CASE("local_cwd recovery: a relative TORCHX_LOCAL_DIR still gives replicas in another workspace usable paths") {
  Local torchx;
  std::filesystem::create_directories(torchx.cwd() / "ws");
  torchx.extra_env = {{"TORCHX_LOCAL_DIR", "apps"}};  // relative to the directory torchx runs in
  const auto r = torchx({"run", "--workspace", "ws", "utils.sh", "--", "sh", "-c",
                         "echo '{}' > \"$TORCHELASTIC_ERROR_FILE\" && echo \"$TORCHELASTIC_ERROR_FILE\""});
  INFO(r.err);
  CHECK(r.exit_code == 0);  // the replica, in ws/, got apps/... and could not write its error file
  const std::string id = first_line(r.out).substr(first_line(r.out).rfind('/') + 1);
  CHECK(r.err.find("sh/0 " + (torchx.cwd() / "apps" / id / "sh/0/error.json").string() + "\n") != std::string::npos);
  CHECK(std::filesystem::exists(torchx.cwd() / "apps" / id / "sh/0/error.json"));
}

TEST_CASE("local_cwd recovery: torchx run from a deleted directory runs in --workspace, else says why in one line") {
  Local torchx;
  std::filesystem::create_directories(torchx.cwd() / "ws");
  const auto in_deleted_dir = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"/bin/sh", "-c", "mkdir gone && cd gone && rmdir ../gone && exec \"$0\" \"$@\"", TORCHX_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return torchx::util::run_process(argv, torchx.options());
  };
  const auto ok = in_deleted_dir({"run", "--workspace", (torchx.cwd() / "ws").string(), "utils.sh", "--", "pwd"});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);  // it failed: "filesystem error: cannot get current path"
  CHECK(ok.err.find("sh/0 " + (torchx.cwd() / "ws").string() + "\n") != std::string::npos);
  const auto bad = in_deleted_dir({"run", "utils.echo", "--msg", "hi"});
  INFO(bad.err);
  CHECK(bad.exit_code != 0);
  CHECK(lines(bad.err) == 1);
  CHECK(bad.err.find("filesystem error") == std::string::npos);
  CHECK(bad.err.find("pass --workspace DIR") != std::string::npos);
}

TEST_CASE("local_cwd recovery: of concurrent deletes one wins, the others say so in one line") {
  Local torchx;
  auto r = torchx({"run", "utils.sh", "--", "sh", "-c",
                   "cd \"$(dirname \"$TORCHELASTIC_ERROR_FILE\")\" && mkdir many && cd many && seq 300 | xargs touch"});
  REQUIRE(r.exit_code == 0);
  const std::string handle = first_line(r.out);
  REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handle)); }));
  // A seam in delete: each waits 1 s after it has found the app, so that all of them overlap.
  torchx.extra_env = {{"TORCHX_LOCAL_TEST_DELETE_DELAY_MS", "1000"}};
  std::vector<pid_t> deleters;
  for (int i = 0; i < 8; ++i) {
    deleters.push_back(torchx.background({"delete", handle}, (torchx.tmp.path() / ("d" + std::to_string(i))).string()));
  }
  int winners = 0;
  for (std::size_t i = 0; i < deleters.size(); ++i) {
    const int code = torchx::test::wait_exit(deleters[i]);
    const std::string err = slurp(torchx.tmp.path() / ("d" + std::to_string(i)));
    INFO(err);
    if (code == 0) {
      ++winners;
      continue;
    }
    CHECK(lines(err) == 1);
    CHECK(err.find("filesystem error") == std::string::npos);
    CHECK(err.find("not found") != std::string::npos);
  }
  CHECK(winners == 1);
  CHECK_FALSE(std::filesystem::exists(torchx.app_dir(handle)));
  CHECK(std::filesystem::is_empty(torchx.root_dir));
}

TEST_CASE("local_cwd recovery: a shared state root is never chmod-ed, and refused") {
  Local torchx;
  torchx.root_dir = torchx.tmp.path() / "shared";
  std::filesystem::create_directories(torchx.root_dir);
  ::chmod(torchx.root_dir.c_str(), 01777);
  const auto r = torchx({"run", "utils.echo", "--msg", "hi"});
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(lines(r.err) == 1);
  CHECK(r.err.find("is writable by every user (mode 1777)") != std::string::npos);
  struct stat st {};
  ::stat(torchx.root_dir.c_str(), &st);
  CHECK((st.st_mode & 07777) == 01777);
  // A missing root is created private; an existing private one is used as it is.
  torchx.root_dir = torchx.tmp.path() / "fresh/state";
  CHECK(torchx({"run", "utils.echo", "--msg", "hi"}).exit_code == 0);
  ::stat(torchx.root_dir.c_str(), &st);
  CHECK((st.st_mode & 07777) == 0700);
}

TEST_CASE("local_cwd recovery: a launcher killed while its supervisor starts does not take the app down") {
  // The supervisor used to die of SIGPIPE telling a dead launcher it was ready: FAILED, "died
  // without writing a final state", its replicas killed with it.
  Local torchx;
  torchx.extra_env = {{"TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS", "1500"}};
  const pid_t launcher =
      torchx.background({"run", "--detach", "utils.sh", "--", "sh", "-c", "echo ran"}, (torchx.tmp.path() / "l.out").string());
  const std::string id = new_app_id(torchx.root_dir);
  REQUIRE_FALSE(id.empty());
  // app.json appears just before the launcher starts the supervisor: kill the launcher only once
  // the supervisor runs (and sleeps in its start-up), or the app never had one and is rightly
  // FAILED (seen under ASan at -O0 on a loaded machine).
  REQUIRE(eventually([&] { return !pids_with((torchx.root_dir / id).string() + " --ready-fd=3").empty(); }));
  ::kill(launcher, SIGKILL);
  torchx::test::wait_exit(launcher);
  const std::string handle = "local_cwd://torchx/" + id;
  CHECK(torchx.wait_state(handle, ended) == "SUCCEEDED");
  CHECK(torchx({"log", handle}).out == "sh/0 ran\n");
}

TEST_CASE("local_cwd recovery: Ctrl-C while the app starts cancels it, and its handle is shown") {
  Local torchx;
  KillAtEnd cleanup{{"987681"}};
  torchx.extra_env = {{"TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS", "1500"}};
  const std::string out = (torchx.tmp.path() / "l.out").string();
  const pid_t launcher = torchx.background({"run", "utils.sh", "--", "sleep", "987681"}, out);
  const std::string id = new_app_id(torchx.root_dir);
  REQUIRE_FALSE(id.empty());
  ::kill(launcher, SIGINT);
  int code = -1;
  REQUIRE(exits(launcher, code));
  const std::string output = slurp(out);
  INFO(output);
  CHECK(code == 130);
  const std::string handle = "local_cwd://torchx/" + id;
  CHECK(output.find(handle + "\n") != std::string::npos);
  CHECK(torchx.wait_state(handle, ended) == "CANCELLED");
  CHECK(eventually([] { return pids_with("987681").empty(); }));
}

TEST_CASE("local_cwd recovery: Ctrl-C ends torchx run even when the app cannot be cancelled") {
  Local torchx;
  KillAtEnd cleanup{{"987682"}};
  // The launcher's cancel fails (a seam of the local scheduler). It used to be a state.json
  // corrupted under the running launcher, whose log follower then failed first in 1 run of 4.
  torchx.extra_env = {{"TORCHX_LOCAL_TEST_CANCEL_FAILS", "1"}};
  const std::string out = (torchx.tmp.path() / "l.out").string();
  const pid_t launcher = torchx.background({"run", "utils.sh", "--", "sleep", "987682"}, out);
  const std::string id = new_app_id(torchx.root_dir);
  REQUIRE_FALSE(id.empty());
  const std::string handle = "local_cwd://torchx/" + id;
  REQUIRE(torchx.wait_state(handle, [](const std::string& s) { return s == "RUNNING"; }) == "RUNNING");
  const auto state = torchx.state_file(handle);
  const auto supervisor = static_cast<pid_t>(state.at("supervisor_pid").as_int64());
  ::kill(launcher, SIGINT);
  int code = -1;
  const bool exited = exits(launcher, code);
  ::kill(supervisor, SIGKILL);  // the app's replica dies with it
  remove_cgroup(state);
  const std::string output = slurp(out);
  INFO(output);
  REQUIRE(exited);  // it used to wait forever, Ctrl-C blocked
  CHECK(code == 130);
  CHECK(output.find("torchx: error: interrupted: cannot cancel app '" + handle + "': ") != std::string::npos);
  CHECK(output.find("TORCHX_LOCAL_TEST_CANCEL_FAILS is set") != std::string::npos);
}

TEST_CASE("local_cwd recovery: a second Ctrl-C stops waiting for a cancelled app") {
  Local torchx;
  KillAtEnd cleanup{{"987683"}};
  torchx.extra_env = {{"TORCHX_LOCAL_GRACE_SECONDS", "600"}};  // the replica ignores SIGTERM
  const std::string out = (torchx.tmp.path() / "l.out").string();
  std::filesystem::create_directories(torchx.cwd());
  std::ofstream(torchx.cwd() / "c.yaml")  // sh itself is the replica: nothing between it and the SIGTERM
      << "c:\n  doc: x\n  args: {}\n  app:\n    name: x\n    roles:\n      - name: sh\n        image: /tmp\n"
         "        entrypoint: sh\n        args: [-c, \"trap '' TERM; echo up; while :; do sleep 0.1; done\", '987683']\n";
  const pid_t launcher = torchx.background({"run", "./c.yaml"}, out);
  const std::string id = new_app_id(torchx.root_dir);
  REQUIRE_FALSE(id.empty());
  const std::string handle = "local_cwd://torchx/" + id;
  REQUIRE(eventually([&] { return torchx({"log", handle}).out == "sh/0 up\n"; }));
  const auto supervisor = static_cast<pid_t>(torchx.state_file(handle).at("supervisor_pid").as_int64());
  ::kill(launcher, SIGINT);
  REQUIRE(eventually([&] { return slurp(out).find("interrupted: cancelling") != std::string::npos; }));
  ::kill(launcher, SIGINT);
  int code = -1;
  const bool exited = exits(launcher, code);
  ::kill(supervisor, SIGKILL);
  REQUIRE(eventually([&] { return !lock_held(torchx.app_dir(handle)); }));
  CHECK(torchx.status(handle).at("state") == "FAILED");  // the reader also removes its cgroup
  const std::string output = slurp(out);
  INFO(output);
  REQUIRE(exited);
  CHECK(code == 130);
  CHECK(output.find("torchx: error: interrupted again: app '" + handle + "' was asked to cancel") != std::string::npos);
}

TEST_CASE("local_cwd recovery: names that would clash with the app's own files are refused in one line") {
  Local torchx;
  std::filesystem::create_directories(torchx.cwd());
  for (const std::string role : {"state.json", "app.json", "supervisor.lock", "final.record"}) {
    const auto file = torchx.cwd() / "c.yaml";
    std::ofstream(file) << "c:\n  doc: x\n  args: {}\n  app:\n    name: x\n    roles:\n      - name: " << role
                        << "\n        image: /tmp\n        entrypoint: sh\n        args: [-c, 'echo hi']\n";
    auto o = torchx.options();
    o.timeout = std::chrono::seconds(30);  // it used to hang: the supervisor could not write state.json
    const auto r = torchx::util::run_process({TORCHX_EXE, "run", file.string()}, o);
    INFO(role, " -> ", r.err);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 1);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find("role name '" + role + "' is the name of one of the app's own files") != std::string::npos);
  }
  const auto r = torchx({"run", "dist.ddp", "--name", ".hidden", "--script", "x.py"});  // list would not show it
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(lines(r.err) == 1);
  CHECK(r.err.find("app name '.hidden' starts with '.'") != std::string::npos);
  CHECK((!std::filesystem::exists(torchx.root_dir) || std::filesystem::is_empty(torchx.root_dir)));
}

TEST_SUITE_END();
