// SPDX-License-Identifier: BSD-3-Clause
// AppDir: the on-disk record of one local_cwd app, shared by the plugin and the supervisor.
//
// <root>/<app_id>/
//   app.json          the AppDef as submitted
//   request.json      what to run: per replica argv, env, cwd, log paths; retry settings
//   state.json        the supervisor's view, replaced atomically (write + rename) on every change
//   supervisor.lock   flock()ed by the supervisor while it lives: a free lock means it is gone
//   supervisor.log    the supervisor's own stderr
//   <role>/<k>/{stdout.log,stderr.log,combined.log,error.json}
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace torchx::local {

/// The state root: $TORCHX_LOCAL_DIR, else $XDG_STATE_HOME/torchx/local, else
/// ~/.local/state/torchx/local. Created (mode 0700) when `create`.
std::filesystem::path state_root(bool create);

/// Writes `text` to `path` atomically: a temporary file in the same directory, then rename.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// The file's content, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

/// True if a process holds the supervisor lock of `app_dir` (the supervisor is alive).
bool supervisor_alive(const std::filesystem::path& app_dir);

inline constexpr const char* k_app_file = "app.json";
inline constexpr const char* k_request_file = "request.json";
inline constexpr const char* k_state_file = "state.json";
inline constexpr const char* k_lock_file = "supervisor.lock";
inline constexpr const char* k_supervisor_log = "supervisor.log";

}  // namespace torchx::local
