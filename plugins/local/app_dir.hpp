// SPDX-License-Identifier: BSD-3-Clause
// AppDir: the on-disk record of one local_cwd app, shared by the plugin and the supervisor.
//
// <root>/<app_id>/
//   supervisor.lock   flock()ed from BEFORE app.json exists until the supervisor ends: the launcher
//                     creates and locks it, the supervisor inherits the locked open file. A free
//                     lock means no supervisor runs or will ever run for this app.
//   app.json          the AppDef as submitted
//   request.json      what to run: per replica argv, env, cwd, log paths; retry settings
//   state.json        the supervisor's view, replaced atomically (write + rename) on every change;
//                     it records the boot id, and per process (supervisor, replicas) the pid and
//                     its start time, so that nobody signals a pid that is no longer ours
//   final.record      k_final_size bytes the supervisor preallocates at start; if it cannot write
//                     its final state.json (a full disk), it overwrites this file in place (no new
//                     blocks needed) with the final state and why state.json failed
//   cancel.requested  created by `cancel`; a supervisor still starting reads it and cancels
//   supervisor.log    the supervisor's own stderr
//   <role>/<k>/{stdout.log,stderr.log,combined.log,error.json}
//
// The concurrency contract: only the supervisor writes state.json while the lock is held; a reader
// may write a final state.json only after it has taken the lock itself (so the supervisor is gone
// and can never come back), and signals only processes it has proven are still the app's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace torchx::local {

/// The state root: $TORCHX_LOCAL_DIR, else $XDG_STATE_HOME/torchx/local, else
/// ~/.local/state/torchx/local, made absolute (a relative one is taken from the current
/// directory). With `create`, the missing directories are created, the last one
/// with mode 0700; a directory that exists already is never chmod-ed, and one that other users can
/// write to (or that another user owns) is refused with a one-line error.
std::filesystem::path state_root(bool create);

/// Writes `text` to `path` atomically: a temporary file in the same directory, then rename.
/// Throws std::system_error (with errno's message) if it cannot.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// The file's content, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

/// True if a process holds the supervisor lock of `app_dir` (a supervisor runs or is starting).
bool supervisor_alive(const std::filesystem::path& app_dir);

/// The supervisor lock of `app_dir` taken by this process (non-blocking), or -1 if someone else
/// holds it (or the file cannot be opened). Close the fd to release it.
int try_lock_supervisor(const std::filesystem::path& app_dir);

/// This boot's id (/proc/sys/kernel/random/boot_id), "" if it cannot be read.
std::string boot_id();

/// The start time of process `pid` (field 22 of /proc/PID/stat, clock ticks since boot), or
/// nullopt if there is no such process.
std::optional<std::uint64_t> process_start_time(pid_t pid);

/// True only if `pid` is, now, the process that was recorded: same boot, same start time. A
/// reused pid, a reboot or a record without the proof gives false.
bool same_process(pid_t pid, std::uint64_t start_time, const std::string& recorded_boot_id);

/// The process group of `pid`, or -1 if there is no such process.
pid_t process_group(pid_t pid);

/// Where this process can make per-app cgroups: its own cgroup v2 directory; `why_not` says why
/// none is usable (no cgroup v2 mount, not writable, ...). Empty `dir` when none.
struct CgroupPlace {
  std::filesystem::path dir;
  std::string why_not;
};
CgroupPlace cgroup_place();

/// The name of app `app_id`'s cgroup (a child of the supervisor's cgroup).
std::string cgroup_name(const std::string& app_id);

/// True if `dir` is app `app_id`'s cgroup: named as cgroup_name() says and on a cgroup2 file system.
bool is_app_cgroup(const std::filesystem::path& dir, const std::string& app_id);

/// Kills every process in cgroup `dir` (cgroup.kill, else SIGKILL each pid in cgroup.procs), waits
/// up to `wait_ms` for it to empty and removes it. True if it is gone. An empty cgroup (no
/// process, no cgroup below) is removed with one rmdir, nothing killed.
bool kill_cgroup(const std::filesystem::path& dir, int wait_ms);

/// The number of seconds in `text` (a setting named `name`): a finite number in [0, max].
/// Throws std::invalid_argument with a one-line message naming the setting otherwise.
double parse_seconds(const std::string& name, const std::string& text, double max);

inline constexpr const char* k_app_file = "app.json";
inline constexpr const char* k_request_file = "request.json";
inline constexpr const char* k_state_file = "state.json";
inline constexpr const char* k_lock_file = "supervisor.lock";
inline constexpr const char* k_supervisor_log = "supervisor.log";
inline constexpr const char* k_final_file = "final.record";
inline constexpr const char* k_cancel_file = "cancel.requested";
/// The size of final.record: enough for the app-level final state and a reason.
inline constexpr std::size_t k_final_size = 4096;
/// The longest grace period TORCHX_LOCAL_GRACE_SECONDS may ask for (one day).
inline constexpr double k_max_grace_seconds = 86400;

}  // namespace torchx::local
