// SPDX-License-Identifier: BSD-3-Clause
// The conformance checks: what every plugin must do, checked through the real C ABI boundary.
// README.md in this directory describes each check.
#pragma once

#include <torchx/manifest.hpp>
#include "report.hpp"

#include <torchx/plugin_api.h>

#include <filesystem>
#include <optional>
#include <string>

namespace torchx::conformance {

using manifests::Manifest;

/// How the harness runs.
struct Options {
  /// Seconds one check may take before its process is killed and the check fails (0: no limit).
  int timeout_s = 120;
  /// The app id no scheduler knows (describe, cancel, delete and logs of it must say not found).
  std::string unknown_app_id = "torchx-conformance-no-such-app";
  /// The scratch directory the checks run in (also the AppDef's image); see main.cpp.
  std::filesystem::path scratch_dir;
  /// Print the plugin's log messages on stderr.
  bool verbose = false;
  /// --log-query: the log query (JSON) of an app the scheduler has, on which log_read (ABI 1.1)
  /// is compared with log_next; nullopt: that check is skipped.
  std::optional<std::string> log_query;
  /// False with --library: the plugin is checked against `--name` only (no version, no provides).
  bool have_manifest = true;
};

/// Loads the plugin `manifest` names, negotiates with it and runs every check, adding each result
/// to `report`. Checks that need an earlier one (negotiation, a valid table) are left out when it
/// failed, with one SKIP line saying so.
void run_checks(const Manifest& manifest, const Options& options, Report& report);

/// The checks of one scheduler table (`scheduler/<name>/<check>`), each in its own process.
void check_scheduler(const tx_scheduler_api& api, const Options& options, Report& report);

/// log_read (ABI 1.1) on options.log_query: whole lines, never past its buffer, the same lines as
/// log_next (those longer than the buffer in pieces). SKIP without log_read or a query.
CheckResult check_log_read(const tx_scheduler_api& api, const Options& options);
/// The checks of one component table (`component/<name>/<check>`).
void check_component(const tx_component_api& api, const Options& options, Report& report);
/// The checks of one named-resources table (`named-resources/<name>/<check>`).
void check_named_resources(const tx_named_resources_api& api, const Options& options, Report& report);
/// The checks of one command table (`command/<name>/<check>`, ABI revision 1.1): `--help`, an
/// unknown flag, and the host services the harness lends (an empty host).
void check_command(const tx_command_api& api, const Options& options, Report& report);
/// The checks of one tracker table (`tracker/<name>/<check>`): only what ABI 1 requires of every tracker.
void check_tracker(const tx_tracker_api& api, const Options& options, Report& report);

}  // namespace torchx::conformance
