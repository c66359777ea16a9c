// SPDX-License-Identifier: BSD-3-Clause
// Which trackers a run records to, and opening them (TorchX's tracker env flow, reference §7.1).
#pragma once

#include "config.hpp"
#include "registry.hpp"
#include "tracker_proxy.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torchx::runner {

/// One configured tracker: its name and config string ("" for none) and where each came from.
struct TrackerSetting {
  std::string name;
  std::string config;
  std::string origin;  ///< "TORCHX_TRACKERS", a .torchxconfig path, or "--tracker"
};

/// Reads an environment variable (empty counts as unset). A seam for tests.
using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
/// The process environment.
GetEnv process_env();

/// `TORCHX_TRACKER_<NAME upper-cased>_CONFIG` (TorchX's tracker_config_env_var_name).
std::string tracker_config_env_var_name(const std::string& name);

/// The trackers a job launched now records to, as TorchX decides them: the names in
/// $TORCHX_TRACKERS (comma-separated, blanks dropped) when it is set, else the keys of
/// `[torchx:tracker]` in file order. Each one's config: $TORCHX_TRACKER_<NAME>_CONFIG, else
/// `[tracker:<name>] config`, else the value of its key in `[torchx:tracker]` (TorchX ignores
/// those values; we take them as a shorthand for the config). Never throws.
std::vector<TrackerSetting> tracker_settings(const Config& config, const GetEnv& getenv = process_env());

/// The setting of `name` alone (`--tracker NAME`): its config as in tracker_settings, found
/// whether or not `name` is among the configured trackers.
TrackerSetting tracker_setting(const std::string& name, const Config& config, const GetEnv& getenv = process_env());

/// The env TorchX injects for trackers into every role: TORCHX_TRACKERS=n1,n2 (when any) and
/// TORCHX_TRACKER_<N>_CONFIG for each non-empty config, in order.
std::vector<std::pair<std::string, std::string>> tracker_env(const std::vector<TrackerSetting>& trackers);

/// The trackers a command that reads or writes runs uses (`torchx tracker`): `only` (a
/// `--tracker NAME`) when given, else the configured ones (tracker_settings) that a plugin
/// provides. Like TorchX's build_trackers, a configured name no plugin provides (say a
/// Python-only tracker) is skipped with a warning, unless none is left: then the first one is
/// returned, for open_tracker to report. Throws UnknownTrackerError when none is configured.
std::vector<TrackerSetting> select_trackers(const loader::Registry& registry, const Config& config,
                                            const std::optional<std::string>& only,
                                            const std::function<void(const std::string&)>& warn,
                                            const GetEnv& getenv = process_env());

/// The run a job records to, and the run it comes from (TorchX's `AppRun.run_from_env()`).
struct AppRun {
  std::string run_id;                        ///< $TORCHX_JOB_ID
  std::optional<std::string> parent_run_id;  ///< $TORCHX_PARENT_RUN_ID
};

/// The job's run from its environment, or nullopt when TORCHX_JOB_ID is not set (not in a job).
std::optional<AppRun> app_run_from_env(const GetEnv& getenv = process_env());

/// Links `run` to its parent in `tracker` (the parent becomes a source of the run), as TorchX's
/// app_run_from_env() does for each tracker; idempotent. Nothing to do without a parent or when
/// the parent is the run itself. Returns the tracker's reason when it refuses the parent as
/// invalid (say, too long for its store), so that one bad parent does not fail every write of a
/// job; throws loader::PluginCallError for other failures.
std::optional<std::string> link_parent(loader::TrackerProxy& tracker, const AppRun& run);

/// Loads the plugin providing tracker `setting.name` and creates an instance with its config.
/// Throws UnknownTrackerError ("unknown tracker 'fiel': did you mean 'file'? (available: ...)"),
/// loader::PluginLoadError, loader::PluginCallError (the tracker refused its config).
std::unique_ptr<loader::TrackerProxy> open_tracker(const loader::Registry& registry, const TrackerSetting& setting);

}  // namespace torchx::runner
