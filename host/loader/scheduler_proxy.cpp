// SPDX-License-Identifier: BSD-3-Clause
#include "scheduler_proxy.hpp"

#include "sink.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>

namespace torchx::loader {
namespace {

/// What one plugin call left: its status (one this host knows) and what it wrote to its sinks.
struct CallResult {
  tx_status status = TX_E_INTERNAL;
  std::string out;
  std::string err;
};

/// Calls `fn(out_sink, err_sink)`, a plugin function, turning an escaped exception into
/// TX_E_INTERNAL (a plugin not built with the SDK must not take the host down).
template <typename Fn>
CallResult call(Fn&& fn) {
  CallResult r;
  const tx_sink out_sink = string_sink(r.out);
  const tx_sink err_sink = string_sink(r.err);
  try {
    r.status = known_status(fn(&out_sink, &err_sink));
  } catch (...) {
    r.status = TX_E_INTERNAL;
    r.err = "the plugin let an exception escape (exceptions must not cross the ABI)";
  }
  return r;
}

/// The plugin's message, or the status's name when it wrote none.
std::string message_of(const CallResult& r) { return r.err.empty() ? status_name(r.status) : r.err; }

}  // namespace

LogStream::LogStream(const tx_scheduler_api* api, void* iterator, std::string scheduler, bool follow)
    : m_api(api), m_iterator(iterator), m_scheduler(std::move(scheduler)), m_follow(follow) {}

LogStream::~LogStream() {
  if (m_iterator != nullptr) m_api->log_close(m_iterator);
}

bool LogStream::batched() const {
  return TX_HAS_MEMBER(m_api, tx_scheduler_api, log_read) && m_api->log_read != nullptr;
}

void LogStream::fail(tx_status status, const std::string& message) const {
  throw PluginCallError(status, "scheduler '" + m_scheduler + "' log: " + message);
}

std::optional<std::string_view> LogStream::read_batch() {
  if (!m_buffer) m_buffer = std::make_unique_for_overwrite<char[]>(k_batch_bytes);
  std::size_t len = 0;
  int done = 0;
  std::string err;
  const tx_sink err_sink = string_sink(err);
  tx_status status = TX_E_INTERNAL;
  try {
    status = known_status(m_api->log_read(m_iterator, m_buffer.get(), k_batch_bytes, &len, &done, &err_sink));
  } catch (...) {
    err = "the plugin let an exception escape (exceptions must not cross the ABI)";
  }
  if (status != TX_OK) {
    m_done = true;  // the iterator is called no more after a failure
    fail(status, err.empty() ? status_name(status) : err);
  }
  if (len > k_batch_bytes) {
    m_done = true;
    fail(TX_E_INTERNAL, "log_read wrote " + std::to_string(len) + " bytes into a buffer of " +
                            std::to_string(k_batch_bytes) + " (a plugin bug)");
  }
  if (len > 0 && m_buffer[len - 1] != '\n') {
    m_done = true;
    fail(TX_E_INTERNAL, "log_read returned a batch that does not end with a line break (whole lines only; a plugin bug)");
  }
  if (done != 0) m_done = true;
  return std::string_view(m_buffer.get(), len);
}

std::optional<std::string_view> LogStream::read_lines() {
  // A v1.0 plugin: one line per log_next. Without following, many lines make one batch (log_next
  // does not wait then); following, each line goes at once (the next one may be minutes away).
  constexpr std::size_t k_gather = std::size_t{64} << 10;
  m_lines.clear();
  std::string err;
  const tx_sink line_sink = string_sink(m_line);
  const tx_sink err_sink = string_sink(err);
  while (true) {
    int done = 0;
    m_line.clear();
    tx_status status = TX_E_INTERNAL;
    try {
      status = known_status(m_api->log_next(m_iterator, &line_sink, &done, &err_sink));
    } catch (...) {
      err = "the plugin let an exception escape (exceptions must not cross the ABI)";
    }
    if (status != TX_OK) {
      m_done = true;
      fail(status, err.empty() ? status_name(status) : err);
    }
    if (done != 0) {
      m_done = true;
      break;
    }
    m_lines.append(m_line);
    m_lines.push_back('\n');
    if (m_follow || m_lines.size() >= k_gather) break;
  }
  return std::string_view(m_lines);
}

std::optional<std::string_view> LogStream::read_raw() {
  if (m_done) return std::nullopt;
  return batched() ? read_batch() : read_lines();
}

std::string_view LogStream::filter(std::string_view batch) {
  // The batch lies in this stream's own buffer: accepted lines are moved to its front.
  char* const base = const_cast<char*>(batch.data());
  std::size_t kept = 0;
  std::size_t pos = 0;
  while (pos < batch.size()) {
    const std::size_t nl = batch.find('\n', pos);  // every batch ends with '\n'
    const std::size_t end = nl == std::string_view::npos ? batch.size() : nl + 1;
    const std::string_view line = batch.substr(pos, end - pos - (nl == std::string_view::npos ? 0 : 1));
    if (m_accept(line)) {
      if (kept != pos) std::memmove(base + kept, base + pos, end - pos);
      kept += end - pos;
    }
    pos = end;
  }
  return {base, kept};
}

std::optional<std::string_view> LogStream::next_batch() {
  m_current = {};
  while (auto raw = read_raw()) {
    const std::string_view batch = m_accept ? filter(*raw) : *raw;
    if (!batch.empty()) return batch;
  }
  return std::nullopt;
}

std::optional<std::string> LogStream::next() {
  while (m_current.empty()) {
    auto batch = next_batch();
    if (!batch) return std::nullopt;
    m_current = *batch;
  }
  const std::size_t nl = m_current.find('\n');
  const std::size_t n = nl == std::string_view::npos ? m_current.size() : nl;
  std::string line(m_current.substr(0, n));
  m_current.remove_prefix(std::min(n + 1, m_current.size()));
  return line;
}

SchedulerProxy::SchedulerProxy(std::shared_ptr<const PluginLibrary> library, const tx_scheduler_api* api,
                               const std::string& session)
    : m_library(std::move(library)), m_api(api), m_name(api->name) {
  invoke("create", [&](const tx_sink*, const tx_sink* err) { return m_api->create(session.c_str(), &m_instance, err); });
}

SchedulerProxy::~SchedulerProxy() {
  if (m_instance != nullptr) {
    try {
      m_api->destroy(m_instance);
    } catch (...) {  // contained: a destructor must not throw
    }
  }
}

void SchedulerProxy::fail(const char* what, tx_status status, const std::string& message) const {
  throw PluginCallError(status, "scheduler '" + m_name + "' " + what + ": " + (message.empty() ? status_name(status) : message));
}

template <typename Fn>
std::optional<std::string> SchedulerProxy::invoke(const char* what, Fn&& fn, std::optional<tx_status> tolerated) {
  CallResult r = call(std::forward<Fn>(fn));
  if (tolerated && r.status == *tolerated) return std::nullopt;
  if (r.status != TX_OK) fail(what, r.status, r.err);
  return std::move(r.out);
}

specs::RunOpts SchedulerProxy::run_opts() {
  const auto out = invoke("run_opts", [&](const tx_sink* o, const tx_sink* err) { return m_api->run_opts(m_instance, o, err); });
  try {
    return specs::run_opts_from_json(*out);
  } catch (const specs::Error& e) {
    fail("run_opts", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

SchedulerRequest SchedulerProxy::dryrun(const std::string& request_json) {
  const auto out = invoke("dryrun", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->dryrun(m_instance, request_json.c_str(), o, err);
  });
  boost::system::error_code ec;
  const auto v = boost::json::parse(*out, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* text = o != nullptr ? o->if_contains("request_text") : nullptr;
  const auto* local = o != nullptr ? o->if_contains("runs_locally") : nullptr;
  if (o == nullptr || !o->contains("request") || text == nullptr || !text->is_string() ||
      (local != nullptr && !local->is_bool() && !local->is_null())) {
    fail("dryrun", TX_E_INTERNAL,
         "returned malformed JSON (expected {\"request\": ..., \"request_text\": \"...\", \"runs_locally\": bool})");
  }
  return SchedulerRequest{boost::json::serialize(o->at("request")), std::string(text->get_string()),
                          local != nullptr && local->is_bool() && local->get_bool()};
}

std::string SchedulerProxy::schedule(const std::string& dryrun_json) {
  const auto out = invoke("schedule", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->schedule(m_instance, dryrun_json.c_str(), o, err);
  });
  boost::system::error_code ec;
  const auto v = boost::json::parse(*out, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* id = o != nullptr ? o->if_contains("app_id") : nullptr;
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    fail("schedule", TX_E_INTERNAL, "returned malformed JSON (expected {\"app_id\": \"...\"})");
  }
  return std::string(id->get_string());
}

std::optional<specs::DescribeAppResponse> SchedulerProxy::describe(const std::string& app_id) {
  const auto out = invoke(
      "describe", [&](const tx_sink* o, const tx_sink* err) { return m_api->describe(m_instance, app_id.c_str(), o, err); },
      TX_E_NOT_FOUND);
  if (!out) return std::nullopt;
  try {
    return specs::describe_app_response_from_json(*out);
  } catch (const specs::Error& e) {
    fail("describe", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

std::vector<specs::ListAppResponse> SchedulerProxy::list() {
  if (m_api->list == nullptr) throw PluginCallError(TX_E_UNSUPPORTED, "scheduler '" + m_name + "' does not support list");
  const auto out = invoke("list", [&](const tx_sink* o, const tx_sink* err) { return m_api->list(m_instance, o, err); });
  try {
    return specs::list_app_responses_from_json(*out);
  } catch (const specs::Error& e) {
    fail("list", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

void SchedulerProxy::cancel(const std::string& app_id) {
  invoke("cancel", [&](const tx_sink*, const tx_sink* err) { return m_api->cancel(m_instance, app_id.c_str(), err); });
}

void SchedulerProxy::delete_app(const std::string& app_id) {
  if (m_api->delete_app == nullptr) {
    throw PluginCallError(TX_E_UNSUPPORTED, "scheduler '" + m_name + "' does not support delete");
  }
  invoke("delete", [&](const tx_sink*, const tx_sink* err) { return m_api->delete_app(m_instance, app_id.c_str(), err); });
}

std::unique_ptr<LogStream> SchedulerProxy::log(const specs::LogQuery& query) {
  if (m_api->log_open == nullptr) throw PluginCallError(TX_E_UNSUPPORTED, "scheduler '" + m_name + "' does not support logs");
  void* iterator = nullptr;
  const std::string query_json = specs::to_json(query);
  invoke("log", [&](const tx_sink*, const tx_sink* err) {
    return m_api->log_open(m_instance, query_json.c_str(), &iterator, err);
  });
  return std::make_unique<LogStream>(m_api, iterator, m_name, query.should_tail);
}

std::string ComponentProxy::build(const std::string& args_json) const {
  CallResult r = call([&](const tx_sink* o, const tx_sink* err) { return m_api->build(m_api, args_json.c_str(), o, err); });
  if (r.status != TX_OK) throw PluginCallError(r.status, "component '" + std::string(m_api->name) + "': " + message_of(r));
  return std::move(r.out);
}

std::string list_named_resources(const std::shared_ptr<const PluginLibrary>& library, const std::string& set) {
  const tx_named_resources_api* api = library->named_resources(set);
  CallResult r = call([&](const tx_sink* o, const tx_sink* err) { return api->list(api, o, err); });
  if (r.status != TX_OK) throw PluginCallError(r.status, "named resources '" + set + "': " + message_of(r));
  return std::move(r.out);
}

}  // namespace torchx::loader
