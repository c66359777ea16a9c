// SPDX-License-Identifier: BSD-3-Clause
#include "host_services.hpp"

#include "errors.hpp"
#include "log_filter.hpp"
#include "sink.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <string_view>

namespace json = boost::json;

namespace torchx::runner {
namespace {

/// A malformed query from the command (TX_E_INVALID_ARGUMENT).
class BadQueryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void write(const tx_sink* sink, std::string_view text) {
  if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, text.data(), text.size());
}

/// Runs `body`, turning every exception into a status and a one-line message on `err`.
template <typename Body>
tx_status guard(const tx_sink* err, Body&& body) noexcept {
  auto fail = [&](tx_status status, const char* what) {
    try {
      std::string message(what);
      if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
      write(err, message);
    } catch (...) {  // out of memory: the status alone
    }
    return status;
  };
  try {
    body();
    return TX_OK;
  } catch (const BadQueryError& e) {
    return fail(TX_E_INVALID_ARGUMENT, e.what());
  } catch (const specs::MalformedAppHandleError& e) {
    return fail(TX_E_INVALID_ARGUMENT, e.what());
  } catch (const InvalidLogRegexError& e) {
    return fail(TX_E_INVALID_ARGUMENT, e.what());
  } catch (const UnknownAppError& e) {
    return fail(TX_E_NOT_FOUND, e.what());
  } catch (const UnknownSchedulerError& e) {
    return fail(TX_E_NOT_FOUND, e.what());
  } catch (const loader::PluginCallError& e) {
    return fail(loader::known_status(e.status()), e.what());
  } catch (const std::exception& e) {
    return fail(TX_E_INTERNAL, e.what());
  } catch (...) {
    return fail(TX_E_INTERNAL, "unknown error");
  }
}

HostServices& self(void* ctx) { return *static_cast<HostServices*>(ctx); }

json::object parse_query(const char* text, std::string_view what) {
  boost::system::error_code ec;
  const json::value v = json::parse(text != nullptr ? text : "", ec);
  if (ec || !v.is_object()) throw BadQueryError(std::string(what) + " query must be a JSON object");
  return v.get_object();
}

std::string required_string(const json::object& o, std::string_view key, std::string_view what) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    throw BadQueryError(std::string(what) + " query needs \"" + std::string(key) + "\" (a non-empty string)");
  }
  return std::string(v->get_string());
}

std::optional<double> optional_number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_number()) throw BadQueryError("log query: \"" + std::string(key) + "\" must be a number or null");
  return v->to_number<double>();
}

std::string handle_of(const char* app_handle) {
  if (app_handle == nullptr || *app_handle == '\0') throw BadQueryError("app handle is empty");
  return app_handle;
}

}  // namespace

HostServices::HostServices(std::function<Runner&()> runner, std::string verb)
    : m_runner(std::move(runner)), m_verb(std::move(verb)) {
  m_table.struct_size = static_cast<std::uint32_t>(sizeof(tx_host_services));
  m_table.ctx = this;
  m_table.list = &HostServices::list;
  m_table.status = &HostServices::status;
  m_table.cancel = &HostServices::cancel;
  m_table.delete_app = &HostServices::delete_app;
  m_table.log = &HostServices::log;
  m_table.log_message = &HostServices::log_message;
}

tx_status HostServices::list(void* ctx, const char* query_json, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    const auto query = parse_query(query_json, "list");
    write(out, specs::to_json(self(ctx).runner().list(required_string(query, "scheduler", "list"))));
  });
}

tx_status HostServices::status(void* ctx, const char* app_handle, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    const std::string handle = handle_of(app_handle);
    const auto status = self(ctx).runner().status(handle);
    if (!status) throw UnknownAppError("app '" + handle + "' not found (it does not exist or was removed)");
    write(out, specs::to_json(*status));
  });
}

tx_status HostServices::cancel(void* ctx, const char* app_handle, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    const specs::AppState before = self(ctx).runner().cancel(handle_of(app_handle));
    write(out, json::serialize(json::object{{"state", specs::to_string(before)}}));
  });
}

tx_status HostServices::delete_app(void* ctx, const char* app_handle, const tx_sink* err) {
  return guard(err, [&] { self(ctx).runner().delete_app(handle_of(app_handle)); });
}

tx_status HostServices::log(void* ctx, const char* query_json, const tx_sink* line, const tx_sink* err) {
  return guard(err, [&] {
    const auto q = parse_query(query_json, "log");
    const std::string handle = required_string(q, "app_handle", "log");
    const std::string role = required_string(q, "role_name", "log");
    int k = 0;
    if (const auto* v = q.if_contains("k"); v != nullptr && !v->is_null()) {
      if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > INT32_MAX) {
        throw BadQueryError("log query: \"k\" must be a replica id (an integer >= 0)");
      }
      k = static_cast<int>(v->get_int64());
    }
    std::optional<std::string> regex;
    if (const auto* v = q.if_contains("regex"); v != nullptr && !v->is_null()) {
      if (!v->is_string()) throw BadQueryError("log query: \"regex\" must be a string or null");
      regex = std::string(v->get_string());
    }
    std::optional<specs::Stream> streams;
    if (const auto* v = q.if_contains("streams"); v != nullptr && !v->is_null()) {
      streams = v->is_string() ? specs::stream_from_string(v->get_string()) : std::nullopt;
      if (!streams) throw BadQueryError("log query: \"streams\" must be \"stdout\", \"stderr\", \"combined\" or null");
    }
    bool tail = false;
    if (const auto* v = q.if_contains("should_tail"); v != nullptr && !v->is_null()) {
      if (!v->is_bool()) throw BadQueryError("log query: \"should_tail\" must be true or false");
      tail = v->get_bool();
    }
    auto stream = self(ctx).runner().log_lines(handle, role, k, regex, tail, streams, optional_number(q, "since"),
                                               optional_number(q, "until"));
    while (auto text = stream->next()) write(line, *text);
  });
}

void HostServices::log_message(void* ctx, tx_log_level level, const char* message) {
  try {
    const std::string& verb = self(ctx).m_verb;
    const char* text = message != nullptr ? message : "";
    switch (level) {
      case TX_LOG_DEBUG:
        spdlog::debug("{}: {}", verb, text);
        break;
      case TX_LOG_INFO:
        spdlog::info("{}: {}", verb, text);
        break;
      case TX_LOG_WARNING:
        spdlog::warn("{}: {}", verb, text);
        break;
      default:
        spdlog::error("{}: {}", verb, text);
        break;
    }
  } catch (...) {  // logging never fails the command
  }
}

}  // namespace torchx::runner
