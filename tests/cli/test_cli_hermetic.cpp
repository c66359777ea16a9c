// SPDX-License-Identifier: BSD-3-Clause
// The tests' own hermetic environment (tests/support/cli_env.hpp): decoys planted in this
// process's environment, where the loader would otherwise look, never reach the torchx under test.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace {

/// Sets variables in this process for its lifetime, then restores them.
class ScopedEnv {
public:
  explicit ScopedEnv(const std::vector<std::pair<std::string, std::string>>& vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      m_saved.emplace_back(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : m_saved) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

/// The `TORCHX_*` and `XDG_*` lines of `env` output, sorted (env prints in environment order).
std::vector<std::string> torchx_and_xdg(const std::string& env_output) {
  std::vector<std::string> out;
  std::istringstream in(env_output);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("TORCHX_") || line.starts_with("XDG_")) out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("hermetic: decoy plugins and settings in the outer environment do not reach the torchx under test") {
  const torchx::test::TempDir outer;
  const auto data_dirs = outer.path() / "data-dirs";
  const auto data_home = outer.path() / "data-home";
  outer.write("data-dirs/torchx/plugins.d/decoy_system.json", "{this is not a manifest");
  outer.write("data-home/torchx/plugins.d/decoy_user.json", "{this is not a manifest");
  const ScopedEnv decoys({{"XDG_DATA_DIRS", data_dirs.string()},
                          {"XDG_DATA_HOME", data_home.string()},
                          {"TORCHX_DECOY_SETTING", "1"}});

  const torchx::test::TempDir tmp;
  const auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
  const auto r = torchx::util::run_process({TORCHX_EXE, "plugins"}, options);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("local_cwd") != std::string::npos);  // the build's bundled plugins are found
  CHECK(r.out.find("decoy") == std::string::npos);
  CHECK(r.err.find("decoy") == std::string::npos);

  // Exactly these TORCHX_* and XDG_* reach the child: the outer ones are all gone.
  const auto env = torchx::util::run_process({"env"}, options);
  const std::string t = tmp.path().string();
  CHECK(torchx_and_xdg(env.out) ==
        std::vector<std::string>{
            "TORCHX_PLUGIN_POLICY=",
            "TORCHX_PLUGIN_SYSTEM_PATH=" +
                (std::filesystem::path(TORCHX_EXE).parent_path() / "../share/torchx/plugins.d").lexically_normal().string(),
            "TORCHX_TEST_SCHEDULER_STATE=" + t + "/apps.json", "XDG_CONFIG_HOME=" + t + "/home/.config",
            "XDG_DATA_DIRS=" + t + "/xdg-data-dirs", "XDG_DATA_HOME=" + t + "/home/.local/share",
            "XDG_STATE_HOME=" + t + "/home/.local/state"});
}

// In-process code (the embedded runner, the loader) reads TORCHX_* too: the test binaries' main
// (support/doctest_main.cpp) removes them before any test runs. Checked in a child of this very
// binary, started with decoys set (the marker is not a TORCHX_ name, which main would remove).
TEST_CASE("hermetic: a test process starts without this machine's TORCHX_* and XDG_* settings") {
  if (std::getenv("HERMETIC_TEST_CHILD") != nullptr) {
    CHECK(std::getenv("TORCHX_DECOY_SETTING") == nullptr);
    CHECK(std::getenv("TORCHX_TRACKERS") == nullptr);
    CHECK(std::getenv("XDG_DATA_DIRS") == nullptr);
    CHECK(std::getenv("TORCHXCONFIG") == nullptr);
    return;
  }
  torchx::util::ProcessOptions options;
  options.env = {{"HERMETIC_TEST_CHILD", "1"},
                 {"TORCHX_DECOY_SETTING", "1"},
                 {"TORCHX_TRACKERS", "decoy"},
                 {"XDG_DATA_DIRS", "/decoy"},
                 {"TORCHXCONFIG", "/decoy/.torchxconfig"}};
  const auto self = std::filesystem::read_symlink("/proc/self/exe");
  const auto r = torchx::util::run_process(
      {self.string(), "--test-case=hermetic: a test process starts without*"}, options);
  INFO("child output: " << r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("1 passed") != std::string::npos);
}
