// SPDX-License-Identifier: BSD-3-Clause
// Runner: the C++ API of torchx (TorchX's `torchx.runner.Runner`). No process argv, no printing,
// no exit: a component's own arguments are parsed here (build_component), because every front
// door (the CLI, the Python module) must apply the same rules; so are the run rules that layer
// `.torchxconfig` under what the caller gives (use_config).
#pragma once

#include "config.hpp"
#include "list_filter.hpp"
#include "python_evaluator.hpp"
#include "registry.hpp"
#include "scheduler_proxy.hpp"
#include "trackers.hpp"

#include <torchx/specs/app_status.hpp>
#include <torchx/specs/role.hpp>
#include <torchx/specs/run_opts.hpp>
#include <torchx/specs/scheduler_types.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torchx::runner {

struct ComponentSignature;
class OpenComponent;

/// What a dryrun produced: everything `schedule` needs, and what `--dryrun` shows.
struct DryRunResult {
  specs::AppDef app;     ///< as built, with TorchX's env injected, macros not yet substituted
  std::string scheduler;
  specs::Cfg cfg;        ///< resolved against the scheduler's run options
  std::string request_json{"null"};  ///< the scheduler's native request
  std::string request_text;          ///< its printable form
  /// The directory the job is built from or runs in (absolute), or nullopt for none
  /// (plugin-api/docs/payloads.md, "Workspace"). Schedulers that have no use for it ignore it.
  std::optional<std::string> workspace;
  /// The scheduler declared that the app runs on this machine (`"runs_locally": true` in its
  /// dryrun answer): `torchx run` then waits and streams its logs unless --detach, as TorchX
  /// does for its local schedulers.
  bool runs_locally = false;

  /// `{"app", "scheduler", "cfg", "workspace", "request", "request_text"}` (DESIGN §2;
  /// `workspace` is null when there is none).
  [[nodiscard]] std::string to_json() const;
};

/// Which parts of a `.torchxconfig` a Runner applies (Runner::use_config). `torchx` applies all of
/// them; an embedder picks what it wants.
struct ConfigUse {
  bool scheduler_cfg = true;       ///< `[<scheduler>]` run-option defaults, under the cfg given to dryrun
  bool component_defaults = true;  ///< `[component:NAME]` argument defaults, under the component's arguments
  bool named_resources = true;     ///< `[named_resource:NAME]` presets
  bool trackers = true;            ///< `[torchx:tracker]` and `[tracker:NAME]` (TORCHX_TRACKERS wins)
  /// What TorchX's Python `get_runner()` takes from `.torchxconfig`: the trackers only (the
  /// caller passes scheduler cfg and component defaults), plus our named-resource presets.
  static ConfigUse library() { return {false, false, true, true}; }
};

/// Launches and manages apps through scheduler plugins. Embeddable: a program links
/// torchx_runner, discovers a Registry and makes a Runner. One Runner is used from one thread.
class Runner {
public:
  /// `session_name` is the middle part of app handles (TorchX's runner name, "torchx").
  explicit Runner(const loader::Registry& registry, std::string session_name = "torchx");
  ~Runner();

  [[nodiscard]] const std::string& session_name() const { return m_session; }
  /// The scheduler names the registry knows, in search-path order (reads manifests only).
  [[nodiscard]] std::vector<std::string> scheduler_backends() const;

  /// The run options of `scheduler`, asked of its plugin once per Runner (a plugin is never
  /// unloaded, and its run options are a constant of it: cfg_from_str and dryrun's resolve_cfg
  /// both need them). The reference lives as long as the Runner. Not thread-safe (neither is the
  /// Runner). Throws UnknownSchedulerError, loader::PluginLoadError, loader::PluginCallError (not
  /// remembered: the next call asks again).
  const specs::RunOpts& run_opts(const std::string& scheduler);
  /// Parses run options given as text (`k1=v1,k2=v2`, TorchX's `cfg_from_str`), typed by the
  /// scheduler's run options. Throws specs::InvalidRunConfigError, specs::KeyValueParseError.
  specs::Cfg cfg_from_str(const std::string& scheduler, const std::string& text);
  /// The cfg a dryrun on `scheduler` uses: `overrides` over the `[<scheduler>]` section of the
  /// config in use (when use_config applies it), resolved against the run options (defaults
  /// filled in, types and required options checked). A config key that is no run option is a
  /// warning. Throws specs::InvalidRunConfigError.
  specs::Cfg resolve_cfg(const std::string& scheduler, const specs::Cfg& overrides = {});

  /// Applies `config` as `use` says (replacing what an earlier call applied): its scheduler
  /// sections in resolve_cfg, component defaults in build_component, named-resource presets,
  /// and trackers (tracker_settings). The next dryrun warns about the sections and keys torchx
  /// does not read (a runner used only for status or logs stays quiet).
  /// Without a call, a Runner reads no `.torchxconfig` (TorchX's Runner, except for trackers:
  /// pass ConfigUse::library() to get those as TorchX's `get_runner()` does).
  void use_config(Config config, ConfigUse use = {});
  /// Where warnings go (one line each, without a prefix). Default: spdlog at warning level.
  void set_warning_handler(std::function<void(const std::string&)> handler) { m_warn = std::move(handler); }

  /// Validates `app` (every problem at once), injects TORCHX_JOB_ID,
  /// TORCHX_INTERNAL_SESSION_ID, TORCHX_PARENT_RUN_ID and the trackers' TORCHX_TRACKERS and
  /// TORCHX_TRACKER_<NAME>_CONFIG (see set_trackers) into every role, resolves `cfg` (see
  /// resolve_cfg), checks the workspace, and asks the scheduler for its request. Submits nothing.
  /// `workspace`: a directory (made absolute; it must exist) the scheduler may build from or run
  /// in; nullopt or "" for none. `parent_run_id`: the run this one comes from ("" for none);
  /// when nullopt, $TORCHX_PARENT_RUN_ID (an explicit value wins over the variable, unlike
  /// TorchX: see docs/design-notes.md). Throws WorkspaceError, specs::InvalidRunConfigError,
  /// specs::AppDefValidationError, UnknownSchedulerError, loader errors.
  DryRunResult dryrun(specs::AppDef app, const std::string& scheduler, const specs::Cfg& cfg = {},
                      const std::optional<std::string>& workspace = std::nullopt,
                      const std::optional<std::string>& parent_run_id = std::nullopt);
  /// Builds the AppDef of `component` from its command-line `args`, then dryrun.
  DryRunResult dryrun_component(const std::string& component, const std::vector<std::string>& args,
                                const std::string& scheduler, const specs::Cfg& cfg = {},
                                const std::optional<std::string>& workspace = std::nullopt,
                                const std::optional<std::string>& parent_run_id = std::nullopt);
  /// Builds the AppDef of `component` (a plugin's, or a YAML or Python file's: see
  /// component_source.hpp) from its command-line `args`, without validating or scheduling it.
  specs::AppDef build_component(const std::string& component, const std::vector<std::string>& args);
  /// Builds the AppDef of `component` (any source, as build_component) from its build request
  /// (plugin-api/docs/payloads.md, "Build request": every declared argument present and typed),
  /// resolving a named resource `h` as build_component does: for front doors that bind the
  /// arguments themselves (Python's `torchx.components.dist.ddp(...)`). Throws
  /// ComponentNotFoundError, ComponentArgsError (a malformed request, or the component refused it).
  specs::AppDef build_component_request(const std::string& component, const std::string& request_json);
  /// Submits what dryrun produced; returns the app handle `<scheduler>://<session>/<app_id>`.
  std::string schedule(const DryRunResult& dryrun);
  /// dryrun + schedule.
  std::string run(const specs::AppDef& app, const std::string& scheduler, const specs::Cfg& cfg = {},
                  const std::optional<std::string>& workspace = std::nullopt,
                  const std::optional<std::string>& parent_run_id = std::nullopt);

  /// The component's signature (doc and arguments). Throws ComponentNotFoundError.
  std::string component_signature(const std::string& component);

  /// The status of the app, or nullopt if the scheduler does not know it.
  std::optional<specs::AppStatus> status(const std::string& app_handle);
  /// Polls status every `interval` until the app is terminal (or unknown: nullopt). `on_poll` is
  /// called with each status seen.
  std::optional<specs::AppStatus> wait(const std::string& app_handle, std::chrono::milliseconds interval,
                                       const std::function<void(const specs::AppStatus&)>& on_poll = {});
  /// Requests cancellation (idempotent) and returns the state the app was in: a terminal one
  /// (SUCCEEDED, FAILED, CANCELLED) means it had already finished and nothing was asked of the
  /// scheduler. Throws UnknownAppError for an unknown app.
  specs::AppState cancel(const std::string& app_handle);
  /// The AppDef of the app as the scheduler describes it, or nullopt if unknown.
  std::optional<specs::AppDef> describe(const std::string& app_handle);
  /// What one describe of an app says: its status and its AppDef.
  struct DescribedApp {
    specs::AppStatus status;
    specs::AppDef app;
  };
  /// status and describe from one call of the scheduler's describe (for a caller that needs
  /// both, as `torchx log` and `run`'s log follow: each call reads the app's state again), or
  /// nullopt if the scheduler does not know the app. Throws as status.
  std::optional<DescribedApp> describe_app(const std::string& app_handle);
  /// The scheduler's apps that `filter` keeps (every one by default, however many), with their
  /// handles filled in, in the scheduler's order. The filter is applied here, for every scheduler
  /// alike; an age filter leaves out the apps whose scheduler gives no start time, and warns how
  /// many it left out. Throws UnknownSchedulerError, loader::PluginCallError.
  std::vector<specs::ListAppResponse> list(const std::string& scheduler, const ListFilter& filter = {});
  /// Removes a finished app. Throws UnknownAppError, loader::PluginCallError.
  void delete_app(const std::string& app_handle);
  /// The log lines of replica `k` of `role_name`; with `regex`, only the lines it matches
  /// somewhere (RE2 syntax, applied here: the plugin is asked for every line). Throws
  /// InvalidLogRegexError (log_filter.hpp) for a pattern RE2 refuses, UnknownAppError.
  std::unique_ptr<loader::LogStream> log_lines(const std::string& app_handle, const std::string& role_name, int k,
                                               const std::optional<std::string>& regex = std::nullopt,
                                               bool should_tail = false,
                                               std::optional<specs::Stream> streams = std::nullopt,
                                               std::optional<double> since = std::nullopt,
                                               std::optional<double> until = std::nullopt);
  /// As log_lines, for an app the caller has just found with describe_app or describe: the
  /// scheduler is not asked again whether it exists (if it went meanwhile, its plugin's log_iter
  /// says so: loader::PluginCallError with TX_E_NOT_FOUND).
  std::unique_ptr<loader::LogStream> log_lines_of_known_app(const std::string& app_handle, const std::string& role_name,
                                                            int k, const std::optional<std::string>& regex = std::nullopt,
                                                            bool should_tail = false,
                                                            std::optional<specs::Stream> streams = std::nullopt,
                                                            std::optional<double> since = std::nullopt,
                                                            std::optional<double> until = std::nullopt);

  /// A named resource: from `set_named_resources` (e.g. `.torchxconfig` presets) first, then the
  /// named-resource plugins in search-path order, then the built-in tables. Throws
  /// specs::UnknownNamedResourceError with "did you mean".
  specs::Resource named_resource(const std::string& name);
  /// Every named resource name with where it comes from ("config", a plugin's name, "builtin"),
  /// first source first, without duplicates.
  std::vector<std::pair<std::string, std::string>> named_resources();
  /// Argument defaults per component (`[component:NAME]`; TorchX's `component_defaults`),
  /// between the command line and the component's own defaults. A name the component does not
  /// declare is a warning when the component is built.
  void set_component_defaults(std::map<std::string, std::map<std::string, std::string>> defaults) {
    m_component_defaults = std::move(defaults);
  }
  /// The trackers every role is told about (TORCHX_TRACKERS, TORCHX_TRACKER_<NAME>_CONFIG);
  /// usually tracker_settings(config). Default: none. Launching never loads tracker plugins: the
  /// job's side interprets the names (a name may be a Python-only tracker).
  void set_trackers(std::vector<TrackerSetting> trackers) { m_trackers = std::move(trackers); }
  [[nodiscard]] const std::vector<TrackerSetting>& trackers() const { return m_trackers; }
  /// Presets that take precedence over plugins and the built-in tables.
  void set_named_resources(specs::Dict<specs::Resource> presets) { m_presets = std::move(presets); }

  /// How `FILE.py:FN` components are evaluated (docs/python.md). Default:
  /// PythonEvaluatorOptions::from_environment next to this executable, with the registry's
  /// --plugin-path dirs first on the child's TORCHX_PLUGIN_PATH.
  void set_python_evaluator(PythonEvaluatorOptions options) { m_python = std::move(options); }
  const PythonEvaluatorOptions& python_evaluator();
  /// Where the default python_evaluator looks for the package: a directory one level below the
  /// prefix (`<prefix>/bin`, the default, or `<prefix>/lib` for libtorchx_runtime.so, which
  /// inside Python is not next to the executable). Takes effect before the first evaluation.
  void set_python_package_anchor(std::filesystem::path dir) { m_python_anchor = std::move(dir); }

  /// The scheduler proxy of `name`, created (and its plugin loaded) on first use.
  loader::SchedulerProxy& scheduler(const std::string& name);

private:
  const loader::Registry& m_registry;
  std::string m_session;
  std::string m_session_id;
  std::map<std::string, std::unique_ptr<loader::SchedulerProxy>> m_schedulers;
  std::map<std::string, specs::RunOpts> m_run_opts;  ///< each scheduler's run options, once asked
  specs::Dict<specs::Resource> m_presets;
  std::vector<TrackerSetting> m_trackers;
  std::map<std::string, std::map<std::string, std::string>> m_component_defaults;
  std::optional<Config> m_config;  ///< what use_config was given, applied as m_use says
  ConfigUse m_use;
  std::vector<std::string> m_config_warnings;  ///< what use_config found, said at the next dryrun
  std::function<void(const std::string&)> m_warn;
  std::optional<PythonEvaluatorOptions> m_python;
  std::filesystem::path m_python_anchor = loader::SearchPathInputs::executable_dir();
  /// The component `component` names, opened (component_source.hpp): the one place a reference
  /// is resolved to a plugin, a YAML file or a Python file.
  std::unique_ptr<OpenComponent> open_component(const std::string& component);
  void warn(const std::string& message) const;
  /// `defaults` without the names `signature` does not declare (each one a warning).
  std::map<std::string, std::string> known_defaults(const std::string& component, const ComponentSignature& signature,
                                                    const std::map<std::string, std::string>& defaults) const;
  std::optional<std::vector<std::pair<std::string, specs::Dict<specs::Resource>>>> m_plugin_resources;
  const std::vector<std::pair<std::string, specs::Dict<specs::Resource>>>& plugin_resources();
};

}  // namespace torchx::runner
