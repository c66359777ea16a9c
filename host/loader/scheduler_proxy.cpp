// SPDX-License-Identifier: BSD-3-Clause
#include "scheduler_proxy.hpp"

#include "sink.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

namespace torchx::loader {
namespace {

/// Calls a plugin function, turning an escaped exception into TX_E_INTERNAL (a plugin not built
/// with the SDK must not take the host down).
template <typename Fn>
tx_status call(std::string& err, Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    err = "the plugin let an exception escape (exceptions must not cross the ABI)";
    return TX_E_INTERNAL;
  }
}


}  // namespace

LogStream::LogStream(const tx_scheduler_api* api, void* iterator, std::string scheduler)
    : m_api(api), m_iterator(iterator), m_scheduler(std::move(scheduler)) {}

LogStream::~LogStream() {
  if (m_iterator != nullptr) m_api->log_close(m_iterator);
}

std::optional<std::string> LogStream::next() {
  while (true) {
    std::string line;
    std::string err;
    int done = 0;
    const tx_sink line_sink = string_sink(line);
    const tx_sink err_sink = string_sink(err);
    const tx_status s = known_status(call(err, [&] { return m_api->log_next(m_iterator, &line_sink, &done, &err_sink); }));
    if (s != TX_OK) throw PluginCallError(s, "scheduler '" + m_scheduler + "' log: " + (err.empty() ? status_name(s) : err));
    if (done != 0) return std::nullopt;
    if (!m_accept || m_accept(line)) return line;
  }
}

SchedulerProxy::SchedulerProxy(std::shared_ptr<const PluginLibrary> library, const tx_scheduler_api* api,
                               const std::string& session)
    : m_library(std::move(library)), m_api(api), m_name(api->name) {
  std::string err;
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->create(session.c_str(), &m_instance, &err_sink); }));
  if (s != TX_OK) fail("create", s, err);
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

specs::RunOpts SchedulerProxy::run_opts() {
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->run_opts(m_instance, &out_sink, &err_sink); }));
  if (s != TX_OK) fail("run_opts", s, err);
  try {
    return specs::run_opts_from_json(out);
  } catch (const specs::Error& e) {
    fail("run_opts", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

SchedulerRequest SchedulerProxy::dryrun(const std::string& request_json) {
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->dryrun(m_instance, request_json.c_str(), &out_sink, &err_sink); }));
  if (s != TX_OK) fail("dryrun", s, err);
  boost::system::error_code ec;
  const auto v = boost::json::parse(out, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* text = o != nullptr ? o->if_contains("request_text") : nullptr;
  if (o == nullptr || !o->contains("request") || text == nullptr || !text->is_string()) {
    fail("dryrun", TX_E_INTERNAL, "returned malformed JSON (expected {\"request\": ..., \"request_text\": \"...\"})");
  }
  return SchedulerRequest{boost::json::serialize(o->at("request")), std::string(text->get_string())};
}

std::string SchedulerProxy::schedule(const std::string& dryrun_json) {
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->schedule(m_instance, dryrun_json.c_str(), &out_sink, &err_sink); }));
  if (s != TX_OK) fail("schedule", s, err);
  boost::system::error_code ec;
  const auto v = boost::json::parse(out, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* id = o != nullptr ? o->if_contains("app_id") : nullptr;
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    fail("schedule", TX_E_INTERNAL, "returned malformed JSON (expected {\"app_id\": \"...\"})");
  }
  return std::string(id->get_string());
}

std::optional<specs::DescribeAppResponse> SchedulerProxy::describe(const std::string& app_id) {
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->describe(m_instance, app_id.c_str(), &out_sink, &err_sink); }));
  if (s == TX_E_NOT_FOUND) return std::nullopt;
  if (s != TX_OK) fail("describe", s, err);
  try {
    return specs::describe_app_response_from_json(out);
  } catch (const specs::Error& e) {
    fail("describe", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

std::vector<specs::ListAppResponse> SchedulerProxy::list() {
  if (m_api->list == nullptr) throw PluginCallError(TX_E_UNSUPPORTED, "scheduler '" + m_name + "' does not support list");
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->list(m_instance, &out_sink, &err_sink); }));
  if (s != TX_OK) fail("list", s, err);
  try {
    return specs::list_app_responses_from_json(out);
  } catch (const specs::Error& e) {
    fail("list", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

void SchedulerProxy::cancel(const std::string& app_id) {
  std::string err;
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->cancel(m_instance, app_id.c_str(), &err_sink); }));
  if (s != TX_OK) fail("cancel", s, err);
}

void SchedulerProxy::delete_app(const std::string& app_id) {
  if (m_api->delete_app == nullptr) {
    throw PluginCallError(TX_E_UNSUPPORTED, "scheduler '" + m_name + "' does not support delete");
  }
  std::string err;
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->delete_app(m_instance, app_id.c_str(), &err_sink); }));
  if (s != TX_OK) fail("delete", s, err);
}

std::unique_ptr<LogStream> SchedulerProxy::log(const specs::LogQuery& query) {
  if (m_api->log_open == nullptr) throw PluginCallError(TX_E_UNSUPPORTED, "scheduler '" + m_name + "' does not support logs");
  std::string err;
  const tx_sink err_sink = string_sink(err);
  void* iterator = nullptr;
  const std::string query_json = specs::to_json(query);
  const tx_status s = known_status(call(err, [&] { return m_api->log_open(m_instance, query_json.c_str(), &iterator, &err_sink); }));
  if (s != TX_OK) fail("log", s, err);
  return std::make_unique<LogStream>(m_api, iterator, m_name);
}

std::string ComponentProxy::build(const std::string& args_json) const {
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return m_api->build(m_api, args_json.c_str(), &out_sink, &err_sink); }));
  if (s != TX_OK) {
    throw PluginCallError(s, "component '" + std::string(m_api->name) + "': " + (err.empty() ? status_name(s) : err));
  }
  return out;
}

std::string list_named_resources(const std::shared_ptr<const PluginLibrary>& library, const std::string& set) {
  const tx_named_resources_api* api = library->named_resources(set);
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  const tx_status s = known_status(call(err, [&] { return api->list(api, &out_sink, &err_sink); }));
  if (s != TX_OK) {
    throw PluginCallError(s, "named resources '" + set + "': " + (err.empty() ? status_name(s) : err));
  }
  return out;
}

}  // namespace torchx::loader
