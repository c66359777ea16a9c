// SPDX-License-Identifier: BSD-3-Clause
// The C++ plugin SDK: write a scheduler, tracker, component or named-resource set as a C++ class, and this
// header turns it into the C ABI tables of plugin_api.h, catching every exception at the edge.
//
// A plugin's one source file ends with its negotiate function:
//
//   extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
//     static torchx::plugin::Plugin plugin = torchx::plugin::Plugin("my_plugin", "1.0.0")
//         .scheduler<MyScheduler>("my_sched", "my cluster's scheduler")
//         .tracker<MyTracker>("my_tracker")
//         .component(my_component);
//     return plugin.negotiate(host, info);
//   }
//
// Link `torchx::specs` (the SDK's types and JSON codecs) and build with torchx_add_plugin(), which
// hides every other symbol.
#pragma once

#include <torchx/plugin_api.h>
#include <torchx/specs/app_status.hpp>
#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/specs/role.hpp>
#include <torchx/specs/run_opts.hpp>
#include <torchx/specs/scheduler_types.hpp>
#include <torchx/specs/tracker_types.hpp>

#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::plugin {

/// Throw from plugin code to return a specific status; the message goes to the host as it is.
class Error : public std::runtime_error {
public:
  Error(tx_status status, const std::string& message) : std::runtime_error(message), m_status(status) {}
  [[nodiscard]] tx_status status() const { return m_status; }

private:
  tx_status m_status;
};
struct NotFound : Error {
  explicit NotFound(const std::string& m) : Error(TX_E_NOT_FOUND, m) {}
};
struct InvalidArgument : Error {
  explicit InvalidArgument(const std::string& m) : Error(TX_E_INVALID_ARGUMENT, m) {}
};
struct Unsupported : Error {
  explicit Unsupported(const std::string& m) : Error(TX_E_UNSUPPORTED, m) {}
};
struct Unavailable : Error {
  explicit Unavailable(const std::string& m) : Error(TX_E_UNAVAILABLE, m) {}
};

/// Logs through the host (the only logging a plugin may do). Safe from any thread; a no-op
/// before negotiation.
void log(tx_log_level level, const std::string& message);

/// The directory holding this plugin's library (e.g. <prefix>/lib/torchx/plugins), for finding
/// files installed beside it (a helper executable, data) so that installs stay relocatable.
/// Empty if it cannot be determined.
std::filesystem::path library_dir();

/// What a scheduler's dryrun returns: the native request and its printable form.
struct DryRunInfo {
  std::string request_json{"null"};
  std::string request_text;
  /// The app runs on this machine: `torchx run` waits and streams its logs unless --detach (as
  /// TorchX does for its local schedulers). Sent as `"runs_locally": true` (payloads.md).
  bool runs_locally = false;
};

/// What dryrun receives (payloads.md, "Scheduler calls").
struct DryRunRequest {
  specs::AppDef app;
  specs::Cfg cfg;  ///< already resolved against run_opts()
  /// The user's workspace: an existing directory, absolute; nullopt for none. A scheduler that
  /// has no use for it ignores it (payloads.md, "Workspace").
  std::optional<std::string> workspace;
};

/// What schedule receives: the AppDef, the resolved cfg, the workspace and the request dryrun made.
struct ScheduleRequest {
  specs::AppDef app;
  specs::Cfg cfg;
  std::string request_json;
  std::optional<std::string> workspace;  ///< as in DryRunRequest
};

/// One replica's log lines. Implement next(); the SDK serves both log_next and log_read (ABI 1.1)
/// from it. To hand the host many lines per call without a string per line, override read() too,
/// or derive from BatchLogIterator and implement only read().
class LogIterator {
public:
  virtual ~LogIterator() = default;
  /// The next line without its line break, or nullopt at the end. With should_tail it may block
  /// until a line arrives or the app ends.
  virtual std::optional<std::string> next() = 0;
  /// Fills `buf` (`cap` >= 2 bytes) with whole lines, each followed by '\n', by the rules of
  /// tx_scheduler_api.log_read (a line longer than cap - 1 bytes in pieces of cap - 1), returns
  /// the bytes written and sets `done` at the end of the stream. The default takes lines from
  /// next(): as many as fit when not following, one per call when following (next() may block, and
  /// lines must not wait for the buffer to fill). A call then blocks as long as next() does: a
  /// plugin whose next() may wait for minutes should override read() to return within about a
  /// second (log_read's rule), as BatchLogIterator-based iterators do.
  virtual std::size_t read(char* buf, std::size_t cap, bool& done);
  /// Whether the query asked to follow (should_tail). Set by the SDK before the first call.
  [[nodiscard]] bool following() const { return m_following; }
  void set_following(bool following) { m_following = following; }

private:
  bool m_following = false;
  std::optional<std::string> m_pending;  ///< a line from next() that did not fit in the last read
  std::size_t m_pending_pos = 0;         ///< how much of m_pending earlier pieces handed out
};

/// A log iterator whose natural unit is a batch (a file read in large blocks, a page fetched from
/// a remote API): implement read() by the rules of tx_scheduler_api.log_read, and next() comes
/// from it (through a 1 MiB buffer made on first use, so lines longer than 1 MiB come in pieces).
class BatchLogIterator : public LogIterator {
public:
  std::size_t read(char* buf, std::size_t cap, bool& done) override = 0;
  std::optional<std::string> next() final;

private:
  static constexpr std::size_t k_batch = (std::size_t{1} << 20) + 1;
  std::unique_ptr<char[]> m_batch;
  std::size_t m_len = 0;
  std::size_t m_pos = 0;
  bool m_done = false;
};

/// Base class of a scheduler. One instance per session; see tx_scheduler_api for threading.
class Scheduler {
public:
  virtual ~Scheduler() = default;
  virtual specs::RunOpts run_opts() = 0;
  /// The dryrun the host calls (TorchX's `submit_dryrun`); must not submit anything. Override it
  /// to see the whole request (the workspace); the default calls dryrun(app, cfg).
  virtual DryRunInfo submit_dryrun(const DryRunRequest& request) { return dryrun(request.app, request.cfg); }
  /// Must not submit anything. `cfg` is already resolved against run_opts(). Only called by the
  /// default submit_dryrun: a scheduler that overrides submit_dryrun need not override this.
  virtual DryRunInfo dryrun(const specs::AppDef& /*app*/, const specs::Cfg& /*cfg*/) {
    throw Error(TX_E_INTERNAL, "the scheduler implements no dryrun");
  }
  /// Submits and returns the app id.
  virtual std::string schedule(const ScheduleRequest& request) = 0;
  /// nullopt for an unknown app.
  virtual std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) = 0;
  virtual std::vector<specs::ListAppResponse> list() { throw Unsupported("list is not supported"); }
  /// Idempotent; returns without waiting.
  virtual void cancel(const std::string& app_id) = 0;
  virtual void delete_app(const std::string& /*app_id*/) { throw Unsupported("delete is not supported"); }
  virtual std::unique_ptr<LogIterator> log_iter(const specs::LogQuery& /*query*/) {
    throw Unsupported("logs are not supported");
  }
};

/// One argument of a component's signature (payloads.md, "Component signature").
struct ComponentArg {
  std::string name;
  std::string type = "str";  ///< str, int, float, bool, list, dict
  std::optional<std::string> default_json;  ///< the default as JSON text; nullopt: required
  std::string help;
  std::string short_name;  ///< e.g. "j" for -j; empty for none
  bool varargs = false;
};

/// The arguments a component is built from: typed values by name, the varargs, and the named
/// resources the host resolved for them. The accessors throw InvalidArgument naming the argument
/// when it is missing or of another type.
struct ComponentArgs {
  std::string args_json{"{}"};  ///< `{"name": value}` as JSON text
  std::vector<std::string> varargs;
  std::string named_resources_json{"{}"};  ///< `{"<h value>": Resource}` resolved by the host

  [[nodiscard]] std::string str(const std::string& name) const;
  [[nodiscard]] std::optional<std::string> optional_str(const std::string& name) const;
  [[nodiscard]] int integer(const std::string& name) const;
  [[nodiscard]] std::optional<int> optional_integer(const std::string& name) const;
  [[nodiscard]] double number(const std::string& name) const;
  [[nodiscard]] bool flag(const std::string& name) const;
  [[nodiscard]] std::optional<std::vector<std::string>> list(const std::string& name) const;
  [[nodiscard]] std::optional<specs::Dict<std::string>> dict(const std::string& name) const;
  /// TorchX's `specs.resource(cpu, gpu, memMB, h)`: the named resource `h` when given (from what
  /// the host resolved, else the built-in tables), else the numbers with TorchX's defaults.
  [[nodiscard]] specs::Resource resource(std::optional<int> cpu, std::optional<int> gpu, std::optional<int> memMB,
                                         const std::optional<std::string>& h) const;
};

/// A component: its doc, signature and builder.
struct Component {
  std::string name;
  std::string doc;
  std::vector<ComponentArg> args;
  std::function<specs::AppDef(const ComponentArgs&)> build;
};

/// What the host lends a command while it runs (tx_host_services, ABI revision 1.1): the
/// runner's app operations, as `torchx list/status/cancel/delete/log` do them. Valid only during
/// the command's run, on its thread. Each call throws Error with the host's status and message
/// when the host refuses (e.g. NotFound-like TX_E_NOT_FOUND for an unknown app).
class HostServices {
public:
  explicit HostServices(const tx_host_services* api) : m_api(api) {}
  /// The apps of `scheduler`, with their handles (and `finished_at` where the scheduler knows it).
  [[nodiscard]] std::vector<specs::ListAppResponse> list(const std::string& scheduler) const;
  /// The status of `app_handle`, or nullopt when the scheduler does not know the app.
  [[nodiscard]] std::optional<specs::AppStatus> status(const std::string& app_handle) const;
  /// Requests cancellation (idempotent); returns the state the app was in.
  specs::AppState cancel(const std::string& app_handle) const;
  /// Removes a finished app.
  void delete_app(const std::string& app_handle) const;
  /// Calls `on_line` with each log line (without its line break) of replica `k` of `role_name`.
  void log_lines(const std::string& app_handle, const std::string& role_name, int k,
                 const std::function<void(std::string_view)>& on_line) const;
  /// Logs through the host's logger (prefixed with the verb).
  void log(tx_log_level level, const std::string& message) const;
  /// The C table, for a member this class does not wrap.
  [[nodiscard]] const tx_host_services* api() const { return m_api; }

private:
  const tx_host_services* m_api;
};

/// What a command's run receives: the arguments the user typed after the verb (untouched: no
/// shell, no option parsing; `--help` is the command's to answer), the host's services, and
/// where to print.
struct CommandContext {
  std::string verb;
  std::vector<std::string> args;
  HostServices services;
  const tx_sink* out_sink;
  const tx_sink* diag_sink;
  /// Writes `text` to torchx's stdout (data; streamed as written).
  void out(std::string_view text) const {
    if (out_sink != nullptr && out_sink->write != nullptr) out_sink->write(out_sink->ctx, text.data(), text.size());
  }
  /// Writes `text` to torchx's stderr (narration for humans, not errors).
  void diag(std::string_view text) const {
    if (diag_sink != nullptr && diag_sink->write != nullptr) diag_sink->write(diag_sink->ctx, text.data(), text.size());
  }
};

/// A command: a CLI verb (`torchx <name> ...`, TorchX's `torchx.cli.cmds` sub-commands). Its
/// name and description must equal the manifest's (torchx_add_plugin(... COMMANDS name
/// "description")). `run` returns the exit code (0..125); throw InvalidArgument for a usage
/// error (the host prints `torchx: error: <verb>: <message>` and exits 2), another Error for a
/// failure (exit 1, or 4 for Unavailable).
struct Command {
  std::string name;
  std::string description;
  std::function<int(const CommandContext&)> run;
};

/// Base class of a tracker (TorchX's `TrackerBase`). The SDK constructs one instance per
/// tx_tracker_api.create as `T(config)`, with the tracker's config string ("" when none; what it
/// means is the tracker's business, e.g. a path to a config file). The host serializes the calls
/// on one instance; several processes may write the same store at once, so writes must be atomic.
/// Throw InvalidArgument for bad input, NotFound, Unavailable (the store cannot be reached), or
/// anything else (TX_E_INTERNAL); the message reaches the user as it is.
class Tracker {
public:
  virtual ~Tracker() = default;
  /// Merges `metadata_json` (a JSON object, already checked to be one) into the run's metadata.
  virtual void add_metadata(const std::string& run_id, const std::string& metadata_json) = 0;
  /// The run's metadata as a JSON object ("{}" when it has none).
  virtual std::string metadata(const std::string& run_id) = 0;
  /// Records an artifact of the run; a later one with the same name wins.
  virtual void add_artifact(const std::string& run_id, const specs::TrackerArtifact& artifact) = 0;
  /// The run's artifacts, one per name.
  virtual std::vector<specs::TrackerArtifact> artifacts(const std::string& run_id) = 0;
  /// Records that the run came from `source.source_run_id` (through `source.artifact_name`).
  virtual void add_source(const std::string& run_id, const specs::TrackerSource& source) = 0;
  /// The run's sources, only those through `artifact_name` unless nullopt.
  virtual std::vector<specs::TrackerSource> sources(const std::string& run_id,
                                                    const std::optional<std::string>& artifact_name) = 0;
  /// Every run id, or only the runs with `parent_run_id` among their sources.
  virtual std::vector<std::string> run_ids(const std::optional<std::string>& parent_run_id) = 0;
  /// Ancestors and descendants of the run. Default: unsupported.
  virtual specs::Lineage lineage(const std::string& /*run_id*/) { throw Unsupported("lineage is not supported"); }
};

namespace detail {

inline void write(const tx_sink* sink, const std::string& s) {
  if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, s.data(), s.size());
}

/// Runs `fn` and turns every exception into a status and a message: the edge of the ABI.
template <typename Fn>
tx_status guard(const tx_sink* err, Fn&& fn) noexcept {
  try {
    fn();
    return TX_OK;
  } catch (const Error& e) {
    write(err, e.what());
    return e.status();
  } catch (const specs::Error& e) {
    write(err, e.what());
    return TX_E_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    write(err, e.what());
    return TX_E_INTERNAL;
  } catch (...) {
    write(err, "unknown exception");
    return TX_E_INTERNAL;
  }
}

struct HostLog {
  void (*fn)(void*, tx_log_level, const char*) = nullptr;
  void* ctx = nullptr;
};
inline HostLog& host_log() {
  static HostLog log;
  return log;
}

std::string component_signature_json(const Component& c);
std::string cfg_request_field(const std::string& json, const char* key);

/// The C functions of a tracker table over a Tracker subclass T (bodies in plugin_impl.hpp).
template <typename T>
struct TrackerTable {
  static tx_status create(const char* config, void** instance, const tx_sink* err) {
    return guard(err, [&] { *instance = static_cast<Tracker*>(new T(std::string(config != nullptr ? config : ""))); });
  }
  static void destroy(void* instance) { delete static_cast<Tracker*>(instance); }
  static tx_status add_metadata(void* inst, const char* run_id, const char* metadata_json, const tx_sink* err);
  static tx_status metadata(void* inst, const char* run_id, const tx_sink* out, const tx_sink* err);
  static tx_status add_artifact(void* inst, const char* run_id, const char* artifact_json, const tx_sink* err);
  static tx_status artifacts(void* inst, const char* run_id, const tx_sink* out, const tx_sink* err);
  static tx_status add_source(void* inst, const char* run_id, const char* source_json, const tx_sink* err);
  static tx_status sources(void* inst, const char* run_id, const char* artifact_name, const tx_sink* out,
                           const tx_sink* err);
  static tx_status run_ids(void* inst, const char* query_json, const tx_sink* out, const tx_sink* err);
  static tx_status lineage(void* inst, const char* run_id, const tx_sink* out, const tx_sink* err);
};

template <typename T>
struct SchedulerTable {
  static tx_status create(const char* /*session*/, void** instance, const tx_sink* err) {
    return guard(err, [&] { *instance = static_cast<Scheduler*>(new T()); });
  }
  static void destroy(void* instance) { delete static_cast<Scheduler*>(instance); }
  static Scheduler& self(void* instance) { return *static_cast<Scheduler*>(instance); }
  static tx_status run_opts(void* inst, const tx_sink* out, const tx_sink* err) {
    return guard(err, [&] { write(out, specs::to_json(self(inst).run_opts())); });
  }
  static tx_status dryrun(void* inst, const char* request, const tx_sink* out, const tx_sink* err);
  static tx_status schedule(void* inst, const char* request, const tx_sink* out, const tx_sink* err);
  static tx_status describe(void* inst, const char* app_id, const tx_sink* out, const tx_sink* err) {
    return guard(err, [&] {
      auto r = self(inst).describe(app_id);
      if (!r) throw NotFound("app '" + std::string(app_id) + "' not found");
      write(out, specs::to_json(*r));
    });
  }
  static tx_status list(void* inst, const tx_sink* out, const tx_sink* err) {
    return guard(err, [&] { write(out, specs::to_json(self(inst).list())); });
  }
  static tx_status cancel(void* inst, const char* app_id, const tx_sink* err) {
    return guard(err, [&] { self(inst).cancel(app_id); });
  }
  static tx_status delete_app(void* inst, const char* app_id, const tx_sink* err) {
    return guard(err, [&] { self(inst).delete_app(app_id); });
  }
  static tx_status log_open(void* inst, const char* query, void** it, const tx_sink* err) {
    return guard(err, [&] {
      const auto q = specs::log_query_from_json(query);
      auto iterator = self(inst).log_iter(q);
      iterator->set_following(q.should_tail);
      *it = iterator.release();
    });
  }
  static tx_status log_next(void* it, const tx_sink* line, int* done, const tx_sink* err) {
    return guard(err, [&] {
      auto next = static_cast<LogIterator*>(it)->next();
      *done = next ? 0 : 1;
      if (next) write(line, *next);
    });
  }
  static void log_close(void* it) { delete static_cast<LogIterator*>(it); }
  static tx_status log_read(void* it, char* buf, size_t cap, size_t* len, int* done, const tx_sink* err) {
    return guard(err, [&] {
      bool ended = false;
      *len = static_cast<LogIterator*>(it)->read(buf, cap, ended);
      *done = ended ? 1 : 0;
    });
  }
};

}  // namespace detail

/// The plugin: its name, version and what it provides. Build it once (a function-local static)
/// and call negotiate from tx_plugin_negotiate. Tables it hands out live as long as it does.
class Plugin {
public:
  Plugin(std::string name, std::string version) : m_name(std::move(name)), m_version(std::move(version)) {}
  Plugin(Plugin&&) = default;

  template <typename T>
  Plugin&& scheduler(const char* name, const char* description) && {
    tx_scheduler_api api{};
    api.struct_size = sizeof(tx_scheduler_api);
    api.name = name;
    api.description = description;
    api.create = &detail::SchedulerTable<T>::create;
    api.destroy = &detail::SchedulerTable<T>::destroy;
    api.run_opts = &detail::SchedulerTable<T>::run_opts;
    api.dryrun = &detail::SchedulerTable<T>::dryrun;
    api.schedule = &detail::SchedulerTable<T>::schedule;
    api.describe = &detail::SchedulerTable<T>::describe;
    api.list = &detail::SchedulerTable<T>::list;
    api.cancel = &detail::SchedulerTable<T>::cancel;
    api.delete_app = &detail::SchedulerTable<T>::delete_app;
    api.log_open = &detail::SchedulerTable<T>::log_open;
    api.log_next = &detail::SchedulerTable<T>::log_next;
    api.log_close = &detail::SchedulerTable<T>::log_close;
    api.log_read = &detail::SchedulerTable<T>::log_read;
    m_schedulers.push_back(api);
    return std::move(*this);
  }

  /// A tracker named `name` (what TORCHX_TRACKERS and `[torchx:tracker]` list): each instance is
  /// `T(config)`, T deriving from Tracker. The same T may be registered under several names.
  template <typename T>
  Plugin&& tracker(const char* name) && {
    tx_tracker_api api{};
    api.struct_size = sizeof(tx_tracker_api);
    api.name = name;
    api.create = &detail::TrackerTable<T>::create;
    api.destroy = &detail::TrackerTable<T>::destroy;
    api.add_metadata = &detail::TrackerTable<T>::add_metadata;
    api.metadata = &detail::TrackerTable<T>::metadata;
    api.add_artifact = &detail::TrackerTable<T>::add_artifact;
    api.artifacts = &detail::TrackerTable<T>::artifacts;
    api.add_source = &detail::TrackerTable<T>::add_source;
    api.sources = &detail::TrackerTable<T>::sources;
    api.run_ids = &detail::TrackerTable<T>::run_ids;
    api.lineage = &detail::TrackerTable<T>::lineage;
    m_trackers.push_back(api);
    return std::move(*this);
  }

  Plugin&& component(Component c) && { return std::move(component(std::move(c))); }
  /// The same on a named Plugin, for adding components in a loop.
  Plugin& component(Component c) & {
    ComponentEntry& e = m_components.emplace_back();
    e.component = std::move(c);
    return *this;
  }

  /// A component whose signature text is known before the plugin is loaded (generated at build
  /// time from the component's own definition, as the builtins plugin does): negotiate hands out
  /// `name` and `signature_json` as they are, and `make(name)` builds the Component (its doc, args
  /// and builder) only when the host first builds it, once (thread-safe), so that a plugin of many
  /// components defines none of them at load. Both strings must be static (they are not copied);
  /// `signature_json` must be the text component_signature_json gives for `make(name)`. An
  /// exception from `make` fails that build call (and the next one tries again).
  Plugin& component(const char* name, const char* signature_json, Component (*make)(std::string_view name)) & {
    ComponentEntry& e = m_components.emplace_back();
    e.lazy_name = name;
    e.lazy_signature = signature_json;
    e.make = make;
    return *this;
  }

  /// A named-resource set: `list` returns the resources by name.
  Plugin&& named_resources(const char* set_name, std::function<specs::Dict<specs::Resource>()> list) && {
    ResourceEntry& e = m_resource_sets.emplace_back();
    e.api.struct_size = sizeof(tx_named_resources_api);
    e.api.name = set_name;
    e.list = std::move(list);
    return std::move(*this);
  }

  /// A command (a CLI verb; ABI revision 1.1). A host older than the revision never sees it.
  Plugin&& command(Command c) && {
    CommandEntry& e = m_commands.emplace_back();
    e.command = std::move(c);
    return std::move(*this);
  }

  /// Answers the host: picks ABI 1, fills `info` within its struct_size.
  tx_status negotiate(const tx_host_info* host, tx_plugin_info* info);

  // The C entry points of component and named-resource tables (`self` tells which).
  static tx_status component_build(const tx_component_api* self, const char* args_json, const tx_sink* out,
                                   const tx_sink* err);
  static tx_status resources_list(const tx_named_resources_api* self, const tx_sink* out, const tx_sink* err);
  static tx_status command_run(const tx_command_api* self, uint32_t argc, const char* const* argv,
                               const tx_host_services* services, const tx_sink* out, const tx_sink* diag,
                               int* exit_code, const tx_sink* err);

private:
  struct ComponentEntry {
    tx_component_api api{};
    Component component;  ///< with `make`: empty until the first build
    std::string signature;
    // A component given by its signature text and made on first use (see component(name, ...)).
    const char* lazy_name = nullptr;
    const char* lazy_signature = nullptr;
    Component (*make)(std::string_view) = nullptr;
    std::once_flag made;
  };
  struct ResourceEntry {
    tx_named_resources_api api{};
    std::function<specs::Dict<specs::Resource>()> list;
  };
  struct CommandEntry {
    tx_command_api api{};
    Command command;
  };
  static Plugin*& instance() {
    static Plugin* p = nullptr;
    return p;
  }

  std::string m_name;
  std::string m_version;
  std::deque<tx_scheduler_api> m_schedulers;
  std::deque<tx_tracker_api> m_trackers;
  std::deque<ComponentEntry> m_components;
  std::deque<ResourceEntry> m_resource_sets;
  std::vector<const tx_scheduler_api*> m_scheduler_ptrs;
  std::vector<const tx_tracker_api*> m_tracker_ptrs;
  std::vector<const tx_component_api*> m_component_ptrs;
  std::vector<const tx_named_resources_api*> m_resource_ptrs;
  std::deque<CommandEntry> m_commands;
  std::vector<const tx_command_api*> m_command_ptrs;
  bool m_built = false;
};

}  // namespace torchx::plugin

#include <torchx/plugin_impl.hpp>
