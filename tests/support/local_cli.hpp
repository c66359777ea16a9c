// SPDX-License-Identifier: BSD-3-Clause
// One local_cwd test's world: a private state root, HOME and cwd (hermetic_cli_options), and the
// real torchx (TORCHX_EXE) run against them, in the foreground or in the background. Shared by
// the local_cwd integration tests (run, recovery, list).
#pragma once

#include "background.hpp"
#include "cli_env.hpp"
#include "files.hpp"
#include "temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace torchx::test {

struct LocalCli {
  TempDir tmp;
  /// TORCHX_LOCAL_DIR; a test may point it elsewhere before its first run.
  std::filesystem::path root_dir = tmp.path() / "state";
  /// Variables set (nullopt: removed) on top of the hermetic environment, last.
  std::vector<std::pair<std::string, std::optional<std::string>>> extra_env;

  LocalCli() { std::filesystem::create_directories(cwd()); }

  [[nodiscard]] std::filesystem::path root() const { return root_dir; }
  [[nodiscard]] std::filesystem::path cwd() const { return tmp.path() / "cwd"; }
  /// The app's directory under the state root, from its handle `local_cwd://sess/<id>`.
  [[nodiscard]] std::filesystem::path app_dir(const std::string& handle) const {
    return root_dir / handle.substr(handle.rfind('/') + 1);
  }

  /// hermetic_cli_options, the state root, a 2 s grace period, none of the test seams set.
  [[nodiscard]] util::ProcessOptions options() const {
    auto o = hermetic_cli_options(tmp.path(), std::nullopt);
    o.env.emplace_back("TORCHX_LOCAL_DIR", root_dir.string());
    o.env.emplace_back("TORCHX_LOCAL_GRACE_SECONDS", "2");
    o.env.emplace_back("TORCHX_LOCAL_TEST_SUPERVISOR_DELAY_MS", std::nullopt);
    o.env.emplace_back("TORCHX_LOCAL_TEST_DELETE_DELAY_MS", std::nullopt);
    o.env.emplace_back("TORCHX_LOCAL_TEST_NO_CGROUP", std::nullopt);
    o.env.emplace_back("TORCHX_LOCAL_TEST_CANCEL_FAILS", std::nullopt);
    for (const auto& kv : extra_env) o.env.push_back(kv);
    return o;
  }

  /// Runs `torchx args...` from cwd() and waits for it.
  util::ProcessResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), TORCHX_EXE);
    return util::run_process(args, options());
  }

  /// Starts `torchx args...` in the background from cwd(), its output in the file `out`.
  pid_t background(std::vector<std::string> args, const std::string& out) const {
    args.insert(args.begin(), TORCHX_EXE);
    // spawn_background has no cwd option: run through sh -c 'cd ... && exec "$@"'.
    std::vector<std::string> argv{"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env;
    for (const auto& [k, v] : options().env) env[k] = v.value_or("");
    return spawn_background(argv, env, out);
  }

  /// `status --json handle`, which must exit 0.
  boost::json::object status(const std::string& handle) const {
    const auto r = (*this)({"status", "--json", handle});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return boost::json::parse(r.out).as_object();
  }

  /// Polls the app's state until `pred` holds (60 s at most: CI runs tests side by side); the last state seen.
  std::string wait_state(const std::string& handle, const std::function<bool(const std::string&)>& pred) const {
    std::string state;
    for (int i = 0; i < 1200; ++i) {
      state = std::string(status(handle).at("state").as_string());
      if (pred(state)) return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return state;
  }

  /// The app's state.json as the supervisor wrote it.
  boost::json::object state_file(const std::string& handle) const {
    return boost::json::parse(slurp(app_dir(handle) / "state.json")).as_object();
  }
};

}  // namespace torchx::test
