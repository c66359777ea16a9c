// SPDX-License-Identifier: BSD-3-Clause
// How the black-box tests run the torchx binary: hermetically, inside a test's temporary directory.
#pragma once

#include "util/subprocess.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace torchx::test {

/// Options that run torchx inside `tmp`: cwd `tmp/cwd` (created), HOME `tmp/home`, the test
/// scheduler's state in `tmp/apps.json`, and none of this machine's LOGLEVEL, .torchxconfig,
/// plugin path, disable, debug, check-timeout or policy settings, nor tracker variables.
/// `system_plugins` is TORCHX_PLUGIN_SYSTEM_PATH (nullopt: unset, so the build's bundled plugins
/// are found).
inline util::ProcessOptions hermetic_cli_options(const std::filesystem::path& tmp,
                                                 std::optional<std::string> system_plugins) {
  util::ProcessOptions options;
  std::filesystem::create_directories(tmp / "cwd");
  options.cwd = (tmp / "cwd").string();
  options.env = {{"LOGLEVEL", std::nullopt},
                 {"HOME", (tmp / "home").string()},
                 {"TORCHXCONFIG", std::nullopt},
                 {"TORCHX_PLUGIN_PATH", std::nullopt},
                 {"TORCHX_PLUGIN_SYSTEM_PATH", std::move(system_plugins)},
                 {"TORCHX_PLUGINS_DISABLE", std::nullopt},
                 {"TORCHX_PLUGIN_DEBUG", std::nullopt},
                 {"TORCHX_PLUGIN_CHECK_TIMEOUT", std::nullopt},
                 {"TORCHX_PLUGIN_POLICY", ""},  // no site policy from this machine
                 {"TORCHX_TRACKERS", std::nullopt},
                 {"TORCHX_TRACKER_FILE_CONFIG", std::nullopt},
                 {"TORCHX_JOB_ID", std::nullopt},
                 {"TORCHX_PARENT_RUN_ID", std::nullopt},
                 {"TORCHX_TEST_SCHEDULER_STATE", (tmp / "apps.json").string()}};
  return options;
}

/// Runs `torchx --plugin-path DIR... ARGS...` (TORCHX_EXE) with hermetic_cli_options(tmp,
/// system_plugins) and the `extra` environment on top.
inline util::ProcessResult run_torchx(const std::filesystem::path& tmp, std::optional<std::string> system_plugins,
                                      const std::vector<std::string>& plugin_dirs, const std::vector<std::string>& args,
                                      const std::vector<std::pair<std::string, std::optional<std::string>>>& extra = {}) {
  std::vector<std::string> argv{TORCHX_EXE};
  for (const auto& d : plugin_dirs) {
    argv.push_back("--plugin-path");
    argv.push_back(d);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  auto options = hermetic_cli_options(tmp, std::move(system_plugins));
  options.env.insert(options.env.end(), extra.begin(), extra.end());
  return util::run_process(argv, options);
}

}  // namespace torchx::test
