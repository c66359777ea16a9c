// SPDX-License-Identifier: BSD-3-Clause
// plugins/local/app_dir: the rules readers of local_cwd apps rely on, one row each.
#include "../../plugins/local/app_dir.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace local = torchx::local;

TEST_CASE("local app_dir: parse_seconds takes a finite number in range, and names the setting otherwise") {
  struct Row {
    const char* text;
    double value;  // < 0: refused
  };
  const Row rows[] = {{"10", 10},    {"0", 0},      {"0.5", 0.5},  {"86400", 86400}, {"abc", -1}, {"nan", -1},
                      {"inf", -1},   {"1e300", -1}, {"-1", -1},    {"5s", -1},       {" 5", -1},  {"", -1},
                      {"86401", -1}, {"0x10", 16}};
  for (const auto& row : rows) {
    INFO(row.text);
    if (row.value >= 0) {
      CHECK(local::parse_seconds("GRACE", row.text, 86400) == row.value);
    } else {
      CHECK_THROWS_WITH_AS(local::parse_seconds("GRACE", row.text, 86400),
                           ("GRACE='" + std::string(row.text) + "' is not a number of seconds from 0 to 86400").c_str(),
                           std::invalid_argument);
    }
  }
}

TEST_CASE("local app_dir: a process is ours only with the same boot and start time") {
  const pid_t self = ::getpid();
  const auto started = local::process_start_time(self);
  REQUIRE(started.has_value());
  const std::string boot = local::boot_id();
  REQUIRE_FALSE(boot.empty());
  CHECK(local::same_process(self, *started, boot));
  CHECK_FALSE(local::same_process(self, *started + 1, boot));                           // a reused pid
  CHECK_FALSE(local::same_process(self, *started, "00000000-0000-0000-0000-000000000000"));  // another boot
  CHECK_FALSE(local::same_process(self, *started, ""));                                 // no proof recorded
  CHECK_FALSE(local::same_process(self, 0, boot));
  CHECK_FALSE(local::same_process(0, *started, boot));
  CHECK(local::process_group(self) == ::getpgrp());
  CHECK(local::process_group(0) == -1);
}

TEST_CASE("local app_dir: only the app's own cgroup is one to kill") {
  torchx::test::TempDir tmp;
  std::filesystem::create_directories(tmp.path() / local::cgroup_name("a-1"));
  CHECK(local::cgroup_name("a-1") == "torchx-local-a-1");
  CHECK_FALSE(local::is_app_cgroup(tmp.path() / local::cgroup_name("a-1"), "a-1"));  // not a cgroup2 file system
  CHECK_FALSE(local::is_app_cgroup("/sys/fs/cgroup", "a-1"));                         // not the app's name
  CHECK_FALSE(local::is_app_cgroup("relative/torchx-local-a-1", "a-1"));
  CHECK_FALSE(local::is_app_cgroup("/x/torchx-local-", ""));
}

TEST_CASE("local app_dir: the state root is created private, never chmod-ed, refused when shared") {
  torchx::test::TempDir tmp;
  const char* old = std::getenv("TORCHX_LOCAL_DIR");
  const std::string saved = old != nullptr ? old : "";
  auto root_at = [](const std::filesystem::path& p) {
    ::setenv("TORCHX_LOCAL_DIR", p.c_str(), 1);
    return local::state_root(true);
  };
  auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  };
  CHECK(root_at(tmp.path() / "a/b/root") == tmp.path() / "a/b/root");
  CHECK(mode(tmp.path() / "a/b/root") == 0700);

  std::filesystem::create_directories(tmp.path() / "mine");
  ::chmod((tmp.path() / "mine").c_str(), 0750);
  CHECK_NOTHROW(root_at(tmp.path() / "mine"));
  CHECK(mode(tmp.path() / "mine") == 0750);  // as it was

  std::filesystem::create_directories(tmp.path() / "shared");
  ::chmod((tmp.path() / "shared").c_str(), 01777);
  CHECK_THROWS_WITH(root_at(tmp.path() / "shared"),
                    ("the local state root '" + (tmp.path() / "shared").string() +
                     "' is writable by every user (mode 1777): set TORCHX_LOCAL_DIR to a private directory (torchx "
                     "creates a missing one with mode 0700)")
                        .c_str());
  CHECK(mode(tmp.path() / "shared") == 01777);

  std::ofstream(tmp.path() / "file") << "x";
  CHECK_THROWS_WITH(root_at(tmp.path() / "file"),
                    ("the local state root '" + (tmp.path() / "file").string() + "' is not a directory").c_str());

  if (old != nullptr) ::setenv("TORCHX_LOCAL_DIR", saved.c_str(), 1);
  else ::unsetenv("TORCHX_LOCAL_DIR");
}

TEST_CASE("local app_dir: read_file reads the whole file, any size, and nullopt only when it cannot be opened") {
  torchx::test::TempDir tmp;
  CHECK_FALSE(local::read_file(tmp.path() / "missing").has_value());
  CHECK(local::read_file(tmp.write("empty", "")) == std::string());
  std::string big(100000, 'x');  // larger than one read
  big[0] = '\0';
  big[99999] = '\n';
  CHECK(local::read_file(tmp.write("big", big)) == big);
  CHECK(local::read_file(tmp.path()) == std::string());  // a directory opens, reads nothing (as std::ifstream did)
  // A /proc file says size 0 and has content all the same.
  const auto status = local::read_file("/proc/self/status");
  REQUIRE(status.has_value());
  CHECK(status->find("Pid:") != std::string::npos);
}

TEST_CASE("local app_dir: cgroup_place is this process's own cgroup v2 directory, or says why there is none") {
  const auto place = local::cgroup_place();
  std::string own;
  for (std::string line; const auto& c : *local::read_file("/proc/self/cgroup") + "\n") {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.starts_with("0::")) own = line.substr(3);
    line.clear();
  }
  if (place.dir.empty()) {
    CHECK_FALSE(place.why_not.empty());
  } else {
    CHECK(place.why_not.empty());
    CHECK(place.dir.is_absolute());
    CHECK(std::filesystem::is_directory(place.dir));
    CHECK(place.dir.string().ends_with(own == "/" ? "" : own));
  }
}
