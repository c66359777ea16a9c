// SPDX-License-Identifier: BSD-3-Clause
// How the black-box tests run the torchx binary: hermetically, inside a test's temporary directory.
#pragma once

#include "util/subprocess.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>  // environ (g++ defines _GNU_SOURCE)

namespace torchx::test {

/// The names of this process's environment variables that start with one of `prefixes`.
inline std::vector<std::string> environment_names_with_prefix(std::initializer_list<std::string_view> prefixes) {
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    for (const auto prefix : prefixes) {
      if (name.starts_with(prefix)) names.emplace_back(name);
    }
  }
  return names;
}

/// Options that run torchx inside `tmp`: cwd `tmp/cwd` (created), HOME `tmp/home`, the test
/// scheduler's state in `tmp/apps.json`. Nothing of this machine leaks in: every `TORCHX_*` and
/// `XDG_*` variable of this process is removed (plugin path, disable, debug, check timeout, policy,
/// trackers, job and parent run ids, and any added later), as are LOGLEVEL and TORCHXCONFIG; the
/// XDG dirs point into `tmp`; no site policy is read (TORCHX_PLUGIN_POLICY=""); and
/// TORCHX_PLUGIN_SYSTEM_PATH is `system_plugins`, or, when nullopt, the bundled plugin dir of the
/// torchx under test (`TORCHX_EXE`/../share/torchx/plugins.d), so that neither installed plugins
/// (/etc/torchx, /usr/local/share, /usr/share) nor a user's are found. A caller adds variables
/// after these (later entries win).
inline util::ProcessOptions hermetic_cli_options(const std::filesystem::path& tmp,
                                                 std::optional<std::string> system_plugins) {
  util::ProcessOptions options;
  std::filesystem::create_directories(tmp / "cwd");
  options.cwd = (tmp / "cwd").string();
  for (auto& name : environment_names_with_prefix({"TORCHX_", "XDG_"})) options.env.emplace_back(std::move(name), std::nullopt);
#ifdef TORCHX_EXE
  if (!system_plugins) {
    system_plugins = (std::filesystem::path(TORCHX_EXE).parent_path() / "../share/torchx/plugins.d").lexically_normal().string();
  }
#endif
  const std::vector<std::pair<std::string, std::optional<std::string>>> set = {
      {"LOGLEVEL", std::nullopt},
      {"HOME", (tmp / "home").string()},
      {"XDG_DATA_HOME", (tmp / "home/.local/share").string()},
      {"XDG_DATA_DIRS", (tmp / "xdg-data-dirs").string()},
      {"XDG_CONFIG_HOME", (tmp / "home/.config").string()},
      {"XDG_STATE_HOME", (tmp / "home/.local/state").string()},
      {"TORCHXCONFIG", std::nullopt},
      {"TORCHX_PLUGIN_SYSTEM_PATH", std::move(system_plugins)},
      {"TORCHX_PLUGIN_POLICY", ""},  // no site policy from this machine
      {"TORCHX_TEST_SCHEDULER_STATE", (tmp / "apps.json").string()}};
  options.env.insert(options.env.end(), set.begin(), set.end());
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
