// SPDX-License-Identifier: BSD-3-Clause
#include "runner.hpp"

#include "component_args.hpp"
#include "component_file.hpp"
#include "component_source.hpp"
#include "python_evaluator.hpp"
#include "search_path.hpp"
#include "errors.hpp"
#include "log_filter.hpp"

#include <torchx/specs/app_handle.hpp>
#include <torchx/specs/macros.hpp>
#include <torchx/specs/named_resources.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/util/input_checks.hpp>
#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>
#include <utility>

namespace json = boost::json;

namespace torchx::runner {
namespace {

/// An environment variable the runner passes on to jobs; "" is unset. Throws specs::Error if it
/// is not UTF-8 (it travels to plugins as JSON).
std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  if (!util::is_valid_utf8(v)) {
    throw specs::Error("the environment variable " + std::string(name) + "='" + util::printable(v) +
                       "' is not valid UTF-8");
  }
  return std::string(v);
}

/// Throws specs::Error if the current directory's path is not UTF-8: schedulers put it (the
/// job's working directory, the workspace) in JSON payloads.
void check_current_directory() {
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  if (!ec && !util::is_valid_utf8(cwd)) {
    throw specs::Error("the current directory '" + util::printable(cwd, 4096) + "' is not valid UTF-8");
  }
}

/// A random UUID4 in its text form (TorchX's session id).
std::string uuid4() { return boost::uuids::to_string(boost::uuids::random_generator()()); }

/// The workspace as an absolute directory, or nullopt for none (nullopt or ""). Throws
/// WorkspaceError when it is not an existing directory.
std::optional<std::string> checked_workspace(const std::optional<std::string>& workspace) {
  if (!workspace || workspace->empty()) return std::nullopt;
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(*workspace, ec).lexically_normal();
  if (ec) throw WorkspaceError("workspace '" + *workspace + "': " + ec.message());
  if (!dir.has_filename() && dir.has_parent_path() && dir != dir.root_path()) dir = dir.parent_path();  // "a/b/"
  const auto status = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(status)) {
    throw WorkspaceError("workspace '" + *workspace + "' does not exist");
  }
  if (!std::filesystem::is_directory(status)) {
    throw WorkspaceError("workspace '" + *workspace + "' is not a directory");
  }
  return dir.string();
}

/// `{"app", "cfg", "workspace"}`, then `"request"` when given: what a scheduler's dryrun and
/// schedule receive (payloads.md), in that order. Written as text: the AppDef and the cfg are JSON
/// texts already (specs::to_json) and `request_json` is one (SchedulerProxy::dryrun serialized
/// it), so a document parsed from them only to be serialized again was ~100 K instructions a run.
std::string scheduler_request(const specs::AppDef& app, const specs::Cfg& cfg, const std::optional<std::string>& workspace,
                              const std::string* request_json = nullptr) {
  std::string text = "{\"app\":";
  text += specs::to_json(app);
  text += ",\"cfg\":";
  text += specs::to_json(cfg);
  text += ",\"workspace\":";
  text += workspace ? json::serialize(json::string(*workspace)) : std::string("null");
  if (request_json != nullptr) {
    text += ",\"request\":";
    text += *request_json;
  }
  text += '}';
  return text;
}

/// The scheduler's log stream for `query`, filtered here by `filter` when there is one: the host
/// filters, so that no plugin needs a regex engine (plugins get "regex": null).
std::unique_ptr<loader::LogStream> open_log(loader::SchedulerProxy& sched, const specs::LogQuery& query,
                                            std::optional<LogFilter> filter) {
  auto stream = sched.log(query);
  if (filter) stream->set_filter([f = std::move(*filter)](std::string_view line) { return f.matches(line); });
  return stream;
}

}  // namespace

std::string DryRunResult::to_json() const {
  return json::serialize(json::object{{"app", json::parse(specs::to_json(app))},
                                      {"scheduler", scheduler},
                                      {"cfg", json::parse(specs::to_json(cfg))},
                                      {"workspace", workspace ? json::value(*workspace) : json::value(nullptr)},
                                      {"request", json::parse(request_json)},
                                      {"request_text", request_text}});
}

Runner::Runner(const loader::Registry& registry, std::string session_name)
    : m_registry(registry), m_session(std::move(session_name)),
      m_session_id(env("TORCHX_INTERNAL_SESSION_ID").value_or(uuid4())) {}

Runner::~Runner() = default;

std::vector<std::string> Runner::scheduler_backends() const { return m_registry.names(loader::Kind::scheduler); }

loader::SchedulerProxy& Runner::scheduler(const std::string& name) {
  if (auto it = m_schedulers.find(name); it != m_schedulers.end()) return *it->second;
  const loader::PluginEntry* entry = m_registry.provider(loader::Kind::scheduler, name);
  if (entry == nullptr) {
    const auto names = scheduler_backends();
    throw UnknownSchedulerError("unknown scheduler '" + name + "'" + util::did_you_mean(name, names) +
                                (names.empty() ? " (no scheduler plugins found; see: torchx plugins)"
                                               : fmt::format(" (available: {}; see: torchx plugins)", fmt::join(names, ", "))));
  }
  auto library = m_registry.load(*entry);
  const tx_scheduler_api* api = library->scheduler(name);
  auto proxy = std::make_unique<loader::SchedulerProxy>(library, api, m_session);
  return *m_schedulers.emplace(name, std::move(proxy)).first->second;
}

const specs::RunOpts& Runner::run_opts(const std::string& name) {
  if (auto it = m_run_opts.find(name); it != m_run_opts.end()) return it->second;
  specs::RunOpts opts = scheduler(name).run_opts();
  return m_run_opts.emplace(name, std::move(opts)).first->second;
}

void Runner::warn(const std::string& message) const {
  if (m_warn) m_warn(message);
  else spdlog::warn("{}", message);
}

specs::Cfg Runner::cfg_from_str(const std::string& scheduler_name, const std::string& text) {
  return run_opts(scheduler_name).cfg_from_str(text, scheduler_name);
}

specs::Cfg Runner::resolve_cfg(const std::string& scheduler_name, const specs::Cfg& overrides) {
  const specs::RunOpts& opts = run_opts(scheduler_name);
  specs::Cfg layered;
  if (m_config && m_use.scheduler_cfg) {
    std::vector<std::string> warnings;
    layered = m_config->scheduler_cfg(scheduler_name, opts, warnings);
    for (const auto& w : warnings) warn(w);
  }
  for (const auto& [key, value] : overrides) layered.set(key, value);
  return opts.resolve(layered, scheduler_name);
}

void Runner::use_config(Config config, ConfigUse use) {
  m_config_warnings = config.unknown_sections(scheduler_backends());  // said at the first dryrun
  m_component_defaults.clear();
  if (use.component_defaults) m_component_defaults = config.all_component_defaults();
  m_presets = use.named_resources ? config.named_resources() : specs::Dict<specs::Resource>{};
  m_trackers = use.trackers ? tracker_settings(config) : std::vector<TrackerSetting>{};
  m_config = std::move(config);
  m_use = use;
}

DryRunResult Runner::dryrun(specs::AppDef app, const std::string& scheduler_name, const specs::Cfg& cfg,
                            const std::optional<std::string>& workspace, const std::optional<std::string>& parent_run_id) {
  for (const auto& w : std::exchange(m_config_warnings, {})) warn(w);
  check_current_directory();
  specs::validate(app);
  loader::SchedulerProxy& sched = scheduler(scheduler_name);
  // An explicit parent (even "") wins over the variable; TorchX lets the variable win.
  const std::optional<std::string> parent = parent_run_id ? parent_run_id : env("TORCHX_PARENT_RUN_ID");
  for (auto& role : app.roles) {
    role.env.set("TORCHX_JOB_ID", scheduler_name + "://" + m_session + "/" + std::string(specs::macros::app_id));
    role.env.set("TORCHX_INTERNAL_SESSION_ID", m_session_id);
    if (parent && !parent->empty()) role.env.set("TORCHX_PARENT_RUN_ID", *parent);
    for (const auto& [key, value] : tracker_env(m_trackers)) role.env.set(key, value);
  }
  DryRunResult result;
  result.cfg = resolve_cfg(scheduler_name, cfg);
  result.scheduler = scheduler_name;
  result.workspace = checked_workspace(workspace);
  auto answer = sched.dryrun(scheduler_request(app, result.cfg, result.workspace));
  result.app = std::move(app);
  result.request_json = std::move(answer.request_json);
  result.request_text = std::move(answer.request_text);
  result.runs_locally = answer.runs_locally;
  return result;
}

std::unique_ptr<OpenComponent> Runner::open_component(const std::string& component) {
  const ComponentContext context{m_registry, [this](const std::string& name) { return named_resource(name); },
                                 [this]() -> const PythonEvaluatorOptions& { return python_evaluator(); }};
  return runner::open_component(ComponentSource::resolve(component, m_registry), context);
}

std::string Runner::component_signature(const std::string& component) { return open_component(component)->signature_json(); }

specs::AppDef Runner::build_component(const std::string& component, const std::vector<std::string>& args) {
  const auto found = m_component_defaults.find(component);
  const std::map<std::string, std::string> defaults =
      found == m_component_defaults.end() ? std::map<std::string, std::string>{} : found->second;
  const auto opened = open_component(component);
  const ComponentSignature& signature = opened->signature();
  return opened->build(build_request(component, signature, args, known_defaults(component, signature, defaults)));
}

specs::AppDef Runner::build_component_request(const std::string& component, const std::string& request) {
  // The request is the caller's (Python's bound arguments): check its shape before a component
  // relies on it.
  json::value parsed;
  try {
    parsed = json::parse(request);
  } catch (const std::exception& e) {
    throw ComponentArgsError("component '" + component + "': the build request is not JSON: " + e.what());
  }
  const json::value* args = parsed.is_object() ? parsed.as_object().if_contains("args") : nullptr;
  const json::value* varargs = parsed.is_object() ? parsed.as_object().if_contains("varargs") : nullptr;
  if (args == nullptr || !args->is_object() || (varargs != nullptr && !varargs->is_array())) {
    throw ComponentArgsError("component '" + component +
                             "': the build request must be {\"args\": {...}, \"varargs\": [...]}");
  }
  return open_component(component)->build(request);
}

const PythonEvaluatorOptions& Runner::python_evaluator() {
  if (m_python) return *m_python;
  PythonEvaluatorOptions options = PythonEvaluatorOptions::from_environment(m_python_anchor);
  options.secure = loader::SearchPathInputs::is_secure_process();
  // The evaluator's own torchx (a component may call the builtins through it) sees the plugins
  // this runner sees: --plugin-path dirs go first on its TORCHX_PLUGIN_PATH.
  std::string plugin_path;
  for (const auto& dir : m_registry.search_path()) {
    if (dir.origin == "--plugin-path") plugin_path += (plugin_path.empty() ? "" : ":") + dir.path.string();
  }
  if (!plugin_path.empty()) {
    if (const char* inherited = std::getenv("TORCHX_PLUGIN_PATH"); inherited != nullptr && *inherited != '\0') {
      plugin_path += std::string(":") + inherited;
    }
    options.env.emplace_back("TORCHX_PLUGIN_PATH", plugin_path);
  }
  m_python = std::move(options);
  return *m_python;
}

DryRunResult Runner::dryrun_component(const std::string& component, const std::vector<std::string>& args,
                                      const std::string& scheduler_name, const specs::Cfg& cfg,
                                      const std::optional<std::string>& workspace,
                                      const std::optional<std::string>& parent_run_id) {
  return dryrun(build_component(component, args), scheduler_name, cfg, workspace, parent_run_id);
}

std::map<std::string, std::string> Runner::known_defaults(const std::string& component, const ComponentSignature& signature,
                                                          const std::map<std::string, std::string>& defaults) const {
  std::vector<std::string> names;
  for (const auto& a : signature.args) names.push_back(a.name);
  std::map<std::string, std::string> known;
  for (const auto& [name, value] : defaults) {
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      known.emplace(name, value);
    } else {
      // Named after the file the default came from (set_component_defaults gives none).
      const auto from = m_config && m_use.component_defaults ? m_config->get("component:" + component, name) : std::nullopt;
      warn((from ? from->file.string() + ": " : std::string()) + "[component:" + component + "] " + name + ": component '" +
           component + "' has no argument '" + name + "', ignored" + util::did_you_mean(name, names) +
           " (see: torchx run " + component + " --help)");
    }
  }
  return known;
}

const std::vector<std::pair<std::string, specs::Dict<specs::Resource>>>& Runner::plugin_resources() {
  if (m_plugin_resources) return *m_plugin_resources;
  m_plugin_resources.emplace();
  for (const auto& set : m_registry.names(loader::Kind::named_resources)) {
    const loader::PluginEntry* entry = m_registry.provider(loader::Kind::named_resources, set);
    auto library = m_registry.load(*entry);
    const std::string resources = loader::list_named_resources(library, set);
    specs::Dict<specs::Resource> parsed;
    try {
      const json::value all = json::parse(resources);  // kept alive for the loop (C++20 range-for)
      for (const auto& kv : all.as_object()) {
        parsed.set(kv.key(), specs::resource_from_json(json::serialize(kv.value())));
      }
    } catch (const std::exception& e) {
      throw loader::PluginCallError(TX_E_INTERNAL, "named resources '" + set + "' of plugin '" + entry->manifest.name +
                                                       "' returned invalid JSON: " + e.what());
    }
    m_plugin_resources->emplace_back(entry->manifest.name, std::move(parsed));
  }
  return *m_plugin_resources;
}

specs::Resource Runner::named_resource(const std::string& name) {
  if (const auto* r = m_presets.get(name)) return *r;
  for (const auto& [plugin, resources] : plugin_resources()) {
    if (const auto* r = resources.get(name)) return *r;
  }
  try {
    return specs::builtin_named_resource(name);
  } catch (const specs::UnknownNamedResourceError&) {
    std::vector<std::string> names;
    for (const auto& [n, source] : named_resources()) names.push_back(n);
    throw specs::UnknownNamedResourceError("no named resource '" + name + "'" + util::did_you_mean(name, names) +
                                           " (see: torchx resources)");
  }
}

std::vector<std::pair<std::string, std::string>> Runner::named_resources() {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& n, const std::string& source) {
    if (seen.insert(n).second) out.emplace_back(n, source);
  };
  for (const auto& [n, r] : m_presets) add(n, "config");
  for (const auto& [plugin, resources] : plugin_resources()) {
    for (const auto& [n, r] : resources) add(n, plugin);
  }
  for (const auto& n : specs::builtin_named_resource_names()) add(n, "builtin");
  return out;
}

std::string Runner::schedule(const DryRunResult& d) {
  const std::string app_id = scheduler(d.scheduler).schedule(scheduler_request(d.app, d.cfg, d.workspace, &d.request_json));
  return specs::AppHandle{d.scheduler, m_session, app_id}.str();
}

std::string Runner::run(const specs::AppDef& app, const std::string& scheduler_name, const specs::Cfg& cfg,
                        const std::optional<std::string>& workspace, const std::optional<std::string>& parent_run_id) {
  return schedule(dryrun(app, scheduler_name, cfg, workspace, parent_run_id));
}

std::optional<specs::AppStatus> Runner::status(const std::string& app_handle) {
  const auto h = specs::parse_app_handle(app_handle);
  auto desc = scheduler(h.scheduler_backend).describe(h.app_id);
  if (!desc) return std::nullopt;
  return specs::to_app_status(*desc);
}

std::optional<specs::AppStatus> Runner::wait(const std::string& app_handle, std::chrono::milliseconds interval,
                                             const std::function<void(const specs::AppStatus&)>& on_poll) {
  while (true) {
    auto s = status(app_handle);
    if (!s) return s;
    if (on_poll) on_poll(*s);
    if (s->is_terminal()) return s;
    std::this_thread::sleep_for(interval);
  }
}

specs::AppState Runner::cancel(const std::string& app_handle) {
  const auto h = specs::parse_app_handle(app_handle);
  auto& sched = scheduler(h.scheduler_backend);
  auto desc = sched.describe(h.app_id);
  if (!desc) throw UnknownAppError("app '" + app_handle + "' not found on scheduler '" + h.scheduler_backend + "'");
  if (!specs::is_terminal(desc->state)) sched.cancel(h.app_id);
  return desc->state;
}

std::optional<specs::AppDef> Runner::describe(const std::string& app_handle) {
  const auto h = specs::parse_app_handle(app_handle);
  auto desc = scheduler(h.scheduler_backend).describe(h.app_id);
  if (!desc) return std::nullopt;
  return specs::AppDef{h.app_id, desc->roles, desc->metadata};
}

std::optional<Runner::DescribedApp> Runner::describe_app(const std::string& app_handle) {
  const auto h = specs::parse_app_handle(app_handle);
  auto desc = scheduler(h.scheduler_backend).describe(h.app_id);
  if (!desc) return std::nullopt;
  DescribedApp out{specs::to_app_status(*desc), specs::AppDef{h.app_id, {}, {}}};
  out.app.roles = std::move(desc->roles);
  out.app.metadata = std::move(desc->metadata);
  return out;
}

std::vector<specs::ListAppResponse> Runner::list(const std::string& scheduler_name, const ListFilter& filter) {
  auto items = scheduler(scheduler_name).list();
  std::size_t unknown_age = 0;
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  items = apply(filter, std::move(items), now, unknown_age);
  if (unknown_age > 0) {
    spdlog::warn("{} app(s) of scheduler '{}' have no start time: left out by --since/--older-than", unknown_age,
                 scheduler_name);
  }
  for (auto& item : items) item.app_handle = specs::AppHandle{scheduler_name, m_session, item.app_id}.str();
  return items;
}

void Runner::delete_app(const std::string& app_handle) {
  const auto h = specs::parse_app_handle(app_handle);
  auto& sched = scheduler(h.scheduler_backend);
  if (!sched.describe(h.app_id)) {
    throw UnknownAppError("app '" + app_handle + "' not found on scheduler '" + h.scheduler_backend + "'");
  }
  sched.delete_app(h.app_id);
}

std::unique_ptr<loader::LogStream> Runner::log_lines(const std::string& app_handle, const std::string& role_name, int k,
                                                     const std::optional<std::string>& regex, bool should_tail,
                                                     std::optional<specs::Stream> streams, std::optional<double> since,
                                                     std::optional<double> until) {
  std::optional<LogFilter> filter;
  if (regex) filter.emplace(*regex);  // first: a bad pattern is a usage error, whatever the app
  const auto h = specs::parse_app_handle(app_handle);
  auto& sched = scheduler(h.scheduler_backend);
  if (!sched.describe(h.app_id)) {
    throw UnknownAppError("app '" + app_handle + "' not found on scheduler '" + h.scheduler_backend + "'");
  }
  return open_log(sched, specs::LogQuery{h.app_id, role_name, k, std::nullopt, since, until, should_tail, streams},
                  std::move(filter));
}

std::unique_ptr<loader::LogStream> Runner::log_lines_of_known_app(const std::string& app_handle,
                                                                  const std::string& role_name, int k,
                                                                  const std::optional<std::string>& regex,
                                                                  bool should_tail, std::optional<specs::Stream> streams,
                                                                  std::optional<double> since,
                                                                  std::optional<double> until) {
  std::optional<LogFilter> filter;
  if (regex) filter.emplace(*regex);
  const auto h = specs::parse_app_handle(app_handle);
  return open_log(scheduler(h.scheduler_backend),
                  specs::LogQuery{h.app_id, role_name, k, std::nullopt, since, until, should_tail, streams},
                  std::move(filter));
}

}  // namespace torchx::runner
