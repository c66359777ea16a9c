// SPDX-License-Identifier: BSD-3-Clause
// SchedulerProxy and ComponentProxy: C++ objects over a plugin's C tables.
#pragma once

#include "plugin_library.hpp"

#include <torchx/specs/run_opts.hpp>
#include <torchx/specs/scheduler_types.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::loader {

/// A plugin call that failed: the status it returned and its message, prefixed with what was
/// called ("scheduler 'slurm' describe: ..."). Also thrown when a plugin's output is malformed.
class PluginCallError : public std::runtime_error {
public:
  PluginCallError(tx_status status, const std::string& message) : std::runtime_error(message), m_status(status) {}
  [[nodiscard]] tx_status status() const { return m_status; }

private:
  tx_status m_status;
};

/// One replica's log lines from a scheduler plugin, read in batches: through the plugin's
/// log_read (ABI 1.1) when its table has it, else through log_next (a v1.0 plugin), one line per
/// call, gathered into batches when not following. Read by one thread at a time, with either
/// next_batch or next (next_batch drops what next has not returned of the last batch).
class LogStream {
public:
  /// The buffer log_read fills: 1 MiB + 1, so that the SDK's 1 MiB line pieces fit whole and the
  /// lines are the same whichever path reads them.
  static constexpr std::size_t k_batch_bytes = (std::size_t{1} << 20) + 1;

  /// `follow`: the query's should_tail (the log_next fallback then returns each line at once).
  LogStream(const tx_scheduler_api* api, void* iterator, std::string scheduler, bool follow = false);
  ~LogStream();
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;
  /// The next lines the filter accepts, each followed by '\n' (never empty), or nullopt at the
  /// end. The view points into the stream's buffer and stays valid until the next call of
  /// next_batch or next. No allocation per line. Throws PluginCallError (also when a plugin's
  /// log_read breaks its rules: more bytes than the buffer, a batch not ending with '\n').
  std::optional<std::string_view> next_batch();
  /// The next line (without its line break) that the filter accepts, or nullopt at the end.
  /// Throws PluginCallError.
  std::optional<std::string> next();
  /// Keeps only the lines for which `accept` is true (the runner's `--regex`, applied on the
  /// host: plugins are sent `"regex": null`). Called on the thread that reads the stream.
  void set_filter(std::function<bool(std::string_view)> accept) { m_accept = std::move(accept); }
  /// Whether the plugin's log_read is used (false: the log_next fallback).
  [[nodiscard]] bool batched() const;

private:
  /// One batch as the plugin gave it (whole lines, unfiltered), possibly empty; nullopt at the end.
  std::optional<std::string_view> read_raw();
  std::optional<std::string_view> read_batch();
  std::optional<std::string_view> read_lines();
  /// Moves the accepted lines of `batch` (in the stream's own buffer) to its front.
  std::string_view filter(std::string_view batch);
  [[noreturn]] void fail(tx_status status, const std::string& message) const;

  const tx_scheduler_api* m_api;
  void* m_iterator;
  std::string m_scheduler;
  bool m_follow;
  bool m_done = false;
  std::function<bool(std::string_view)> m_accept;
  std::unique_ptr<char[]> m_buffer;  ///< log_read's batch
  std::string m_lines;               ///< log_next's lines, each followed by '\n'
  std::string m_line;                ///< one log_next answer
  std::string_view m_current;        ///< what next() has not returned yet of the last batch
};

/// What a scheduler's dryrun returned.
struct SchedulerRequest {
  std::string request_json{"null"};
  std::string request_text;
  bool runs_locally = false;  ///< the answer's "runs_locally" (payloads.md): the app runs on this machine
};

/// A scheduler instance of a loaded plugin (created on construction, destroyed with the proxy).
/// Calls are serialized by the caller, except LogStream::next on distinct streams.
class SchedulerProxy {
public:
  /// Creates an instance for `session`. Throws PluginCallError.
  SchedulerProxy(std::shared_ptr<const PluginLibrary> library, const tx_scheduler_api* api, const std::string& session);
  ~SchedulerProxy();
  SchedulerProxy(const SchedulerProxy&) = delete;
  SchedulerProxy& operator=(const SchedulerProxy&) = delete;

  [[nodiscard]] const std::string& name() const { return m_name; }
  [[nodiscard]] const PluginLibrary& library() const { return *m_library; }
  [[nodiscard]] bool supports_list() const { return m_api->list != nullptr; }
  [[nodiscard]] bool supports_delete() const { return m_api->delete_app != nullptr; }
  [[nodiscard]] bool supports_logs() const { return m_api->log_open != nullptr; }

  specs::RunOpts run_opts();
  /// `request_json` is `{"app": AppDef, "cfg": resolved cfg, "workspace": dir or null}`.
  SchedulerRequest dryrun(const std::string& request_json);
  /// `dryrun_json` is `{"app", "cfg", "workspace", "request"}`; returns the app id.
  std::string schedule(const std::string& dryrun_json);
  /// nullopt when the scheduler does not know `app_id`.
  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id);
  /// Throws PluginCallError(TX_E_UNSUPPORTED, "scheduler 'x' does not support list") when absent.
  std::vector<specs::ListAppResponse> list();
  void cancel(const std::string& app_id);
  void delete_app(const std::string& app_id);
  std::unique_ptr<LogStream> log(const specs::LogQuery& query);

private:
  [[noreturn]] void fail(const char* what, tx_status status, const std::string& message) const;
  /// Calls `fn(out_sink, err_sink)` and returns what it wrote to `out`; fails with the plugin's
  /// message unless it answered TX_OK (or `tolerated`, then returns nullopt).
  template <typename Fn>
  std::optional<std::string> invoke(const char* what, Fn&& fn, std::optional<tx_status> tolerated = std::nullopt);
  std::shared_ptr<const PluginLibrary> m_library;
  const tx_scheduler_api* m_api;
  void* m_instance = nullptr;
  std::string m_name;
};

/// A component of a loaded plugin. Stateless and thread-safe.
class ComponentProxy {
public:
  ComponentProxy(std::shared_ptr<const PluginLibrary> library, const tx_component_api* api)
      : m_library(std::move(library)), m_api(api) {}
  [[nodiscard]] std::string name() const { return m_api->name; }
  /// The signature JSON the plugin declared.
  [[nodiscard]] std::string signature_json() const { return m_api->signature_json; }
  /// Builds the AppDef JSON from `{"args": {...}, "varargs": [...]}`. Throws PluginCallError.
  std::string build(const std::string& args_json) const;

private:
  std::shared_ptr<const PluginLibrary> m_library;
  const tx_component_api* m_api;
};

/// The `{name: Resource}` JSON of the named-resources set `set` of `library`. Throws PluginCallError.
std::string list_named_resources(const std::shared_ptr<const PluginLibrary>& library, const std::string& set);

}  // namespace torchx::loader
