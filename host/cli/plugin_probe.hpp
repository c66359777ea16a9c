// SPDX-License-Identifier: BSD-3-Clause
// Crash-contained plugin checks: `torchx plugins check` loads each plugin in a child process
// (`torchx __plugin-probe NAME`), as GStreamer's plugin scanner does, so a plugin that crashes or
// hangs while loading is reported by name instead of taking the CLI down.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::cli {

struct Invocation;

/// The hidden verb the child runs; not listed in `torchx --help`.
inline constexpr std::string_view k_plugin_probe_verb = "__plugin-probe";

/// What one child check found.
struct ProbeResult {
  bool ok = false;
  std::uint32_t abi_version = 0;  ///< when ok
  /// Why not ok: the loader's reason ("answered ABI 2, ..."), or what happened to the child
  /// ("segfault (SIGSEGV) during negotiation", "did not finish loading within 10 s ...").
  std::string reason;
  std::string child_stderr;  ///< what the child wrote to stderr (plugin log lines), for relaying
};

/// The limit of one check: TORCHX_PLUGIN_CHECK_TIMEOUT seconds (a decimal number > 0), default
/// 10 s. An invalid value is reported on `err` as one warning and the default is used.
std::chrono::milliseconds plugin_check_timeout(std::ostream& err);

/// Loads and negotiates the plugin named `plugin` in a child `torchx [--plugin-path DIR]...
/// --log_level LEVEL __plugin-probe NAME` (this executable, via /proc/self/exe) with the same
/// search path and environment, except TORCHX_PLUGIN_DEBUG, in a process group of its own, and
/// kills the group past `timeout`. A child that exited is never a timeout, even when something
/// the plugin started still holds its output (see util::run_process).
/// Never throws for what the plugin does; throws std::system_error if the child cannot be started.
/// Thread-safe.
ProbeResult probe_plugin(const std::string& plugin, const std::vector<std::string>& plugin_paths,
                         std::chrono::milliseconds timeout);

/// "segfault (SIGSEGV)", "aborted (SIGABRT)", ..., "killed by signal 40".
std::string describe_signal(int signal_number);

/// "10 s", "0.5 s".
std::string format_seconds(std::chrono::milliseconds duration);

/// The child side, `torchx __plugin-probe NAME`: finds NAME on the search path (reading
/// manifests, ignoring the site policy, without logging discovery's warnings: the parent printed
/// them), loads it (what the plugin logs goes to stderr), prints `stage open|negotiate|validate` lines
/// as it goes (flushed, so they survive a crash) and one `result {json}` line. Exit 0 when the
/// plugin loaded, 3 when not. Core dumps are turned off in the child: the crash is reported.
int cmd_plugin_probe(const Invocation& inv);

}  // namespace torchx::cli
