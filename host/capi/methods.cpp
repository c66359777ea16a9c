// SPDX-License-Identifier: BSD-3-Clause
#include "methods.hpp"

#include "component_args.hpp"
#include "error_json.hpp"
#include "runner.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

#include <functional>
#include <map>

namespace json = boost::json;

namespace torchx::capi {
namespace {

/// A request object with typed getters that name the key in their error.
class Request {
 public:
  Request(std::string_view method, std::string_view text) : m_method(method) {
    if (text.empty()) return;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw InvalidRequestError(m_method + ": the request is not JSON: " + ec.message());
    if (!v.is_object()) throw InvalidRequestError(m_method + ": the request must be a JSON object");
    m_object = std::move(v.as_object());
  }

  /// The value of `key`, or nullptr when it is absent or null.
  [[nodiscard]] const json::value* find(const char* key) const {
    const json::value* v = m_object.if_contains(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  }
  [[nodiscard]] std::string string(const char* key) const {
    auto s = optional_string(key);
    if (!s) throw InvalidRequestError(m_method + ": '" + key + "' is required");
    return *s;
  }
  [[nodiscard]] std::optional<std::string> optional_string(const char* key) const {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) throw bad_type(key, "a string");
    return std::string(v->get_string());
  }
  [[nodiscard]] std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out;
    const json::value* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) throw bad_type(key, "a list of strings");
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) throw bad_type(key, "a list of strings");
      out.emplace_back(item.get_string());
    }
    return out;
  }
  [[nodiscard]] bool boolean(const char* key, bool fallback) const {
    const json::value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_bool()) throw bad_type(key, "true or false");
    return v->get_bool();
  }
  [[nodiscard]] int integer(const char* key, int fallback) const {
    const json::value* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 1'000'000)
      throw bad_type(key, "a non-negative integer");
    return static_cast<int>(v->get_int64());
  }
  [[nodiscard]] std::optional<double> number(const char* key) const {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) throw bad_type(key, "a number");
    return v->to_number<double>();
  }
  /// The JSON text of an object-valued key ("" when absent).
  [[nodiscard]] std::string object_text(const char* key) const {
    const json::value* v = find(key);
    if (v == nullptr) return {};
    if (!v->is_object()) throw bad_type(key, "an object");
    return json::serialize(*v);
  }
  [[nodiscard]] specs::Cfg cfg() const {
    const std::string text = object_text("cfg");
    return text.empty() ? specs::Cfg{} : specs::cfg_from_json(text);
  }
  /// `workspace` as Runner::dryrun takes it: absent or null is none.
  [[nodiscard]] std::optional<std::string> workspace() const { return optional_string("workspace"); }
  /// `parent_run_id`: absent or null lets the runner read $TORCHX_PARENT_RUN_ID.
  [[nodiscard]] std::optional<std::string> parent_run_id() const { return optional_string("parent_run_id"); }
  [[nodiscard]] const std::string& method() const { return m_method; }

 private:
  [[nodiscard]] InvalidRequestError bad_type(const char* key, const char* expected) const {
    return InvalidRequestError(m_method + ": '" + key + "' must be " + expected);
  }
  std::string m_method;
  json::object m_object;
};

/// `list`'s filter: "states" (names), "since" and "older_than" (an age such as "30d", or seconds).
runner::ListFilter list_filter(const Request& r) {
  runner::ListFilter f;
  try {
    std::string states;
    for (const auto& s : r.strings("states")) states += (states.empty() ? "" : ",") + s;
    if (!states.empty()) f.states = runner::parse_states(states);
    const auto age = [&](const char* key, const char* flag) -> std::optional<double> {
      const json::value* v = r.find(key);
      if (v == nullptr) return std::nullopt;
      if (v->is_string()) return runner::parse_age(flag, v->get_string());
      if (v->is_number() && v->to_number<double>() >= 0) return v->to_number<double>();
      throw std::invalid_argument(std::string(flag) + ": expected an age such as \"30d\" or a number of seconds");
    };
    f.since_seconds = age("since", "since");
    f.older_than_seconds = age("older_than", "older_than");
  } catch (const std::invalid_argument& e) {
    throw InvalidRequestError(r.method() + ": " + e.what());
  }
  return f;
}

json::value parse(const std::string& text) { return json::parse(text); }

json::value dryrun_json(const runner::DryRunResult& d) {
  json::value v = parse(d.to_json());
  v.as_object()["runs_locally"] = d.runs_locally;
  return v;
}

runner::DryRunResult dryrun_from(const Request& r) {
  const std::string text = r.object_text("dryrun");
  if (text.empty()) throw InvalidRequestError(r.method() + ": 'dryrun' is required");
  const Request d(r.method() + ": dryrun", text);
  runner::DryRunResult out;
  out.app = specs::app_def_from_json(d.object_text("app"));
  out.scheduler = d.string("scheduler");
  const std::string cfg = d.object_text("cfg");
  out.cfg = cfg.empty() ? specs::Cfg{} : specs::cfg_from_json(cfg);
  out.workspace = d.workspace();
  const json::value* request = d.find("request");
  out.request_json = request == nullptr ? "null" : json::serialize(*request);
  out.request_text = d.optional_string("request_text").value_or("");
  out.runs_locally = d.boolean("runs_locally", false);
  return out;
}

json::value string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

using Method = std::function<json::value(runner::Runner&, const Request&)>;

const std::map<std::string, Method, std::less<>>& methods() {
  static const std::map<std::string, Method, std::less<>> table{
      {"scheduler_backends", [](runner::Runner& rn, const Request&) { return string_array(rn.scheduler_backends()); }},
      {"run_opts",
       [](runner::Runner& rn, const Request& r) { return parse(specs::to_json(rn.run_opts(r.string("scheduler")))); }},
      {"cfg_from_str",
       [](runner::Runner& rn, const Request& r) {
         return parse(specs::to_json(rn.cfg_from_str(r.string("scheduler"), r.string("text"))));
       }},
      {"resolve_cfg",
       [](runner::Runner& rn, const Request& r) {
         return parse(specs::to_json(rn.resolve_cfg(r.string("scheduler"), r.cfg())));
       }},
      {"component_signature",
       [](runner::Runner& rn, const Request& r) { return parse(rn.component_signature(r.string("component"))); }},
      {"build_request",
       [](runner::Runner&, const Request& r) {
         const std::string signature = r.object_text("signature");
         if (signature.empty()) throw InvalidRequestError(r.method() + ": 'signature' is required");
         std::map<std::string, std::string> defaults;
         if (const std::string text = r.object_text("defaults"); !text.empty()) {
           const json::value all = json::parse(text);  // kept alive for the loop
           for (const auto& kv : all.as_object()) {
             if (!kv.value().is_string()) throw InvalidRequestError(r.method() + ": 'defaults' values must be strings");
             defaults[std::string(kv.key())] = std::string(kv.value().get_string());
           }
         }
         return parse(runner::build_request(r.string("component"), runner::parse_signature(signature),
                                            r.strings("args"), defaults));
       }},
      {"build_component",
       [](runner::Runner& rn, const Request& r) {
         // "request": the arguments bound by the caller (a build request); else "args": a command line.
         if (std::string request = r.object_text("request"); !request.empty()) {
           return parse(specs::to_json(rn.build_component_request(r.string("component"), std::move(request))));
         }
         return parse(specs::to_json(rn.build_component(r.string("component"), r.strings("args"))));
       }},
      {"dryrun",
       [](runner::Runner& rn, const Request& r) {
         const std::string app = r.object_text("app");
         if (app.empty()) throw InvalidRequestError(r.method() + ": 'app' is required");
         return dryrun_json(rn.dryrun(specs::app_def_from_json(app), r.string("scheduler"), r.cfg(), r.workspace(),
                                      r.parent_run_id()));
       }},
      {"dryrun_component",
       [](runner::Runner& rn, const Request& r) {
         return dryrun_json(rn.dryrun_component(r.string("component"), r.strings("args"), r.string("scheduler"),
                                                r.cfg(), r.workspace(), r.parent_run_id()));
       }},
      {"schedule", [](runner::Runner& rn, const Request& r) { return json::value(rn.schedule(dryrun_from(r))); }},
      {"status",
       [](runner::Runner& rn, const Request& r) {
         auto s = rn.status(r.string("app_handle"));
         return s ? parse(specs::to_json(*s)) : json::value(nullptr);
       }},
      {"describe",
       [](runner::Runner& rn, const Request& r) {
         auto app = rn.describe(r.string("app_handle"));
         return app ? parse(specs::to_json(*app)) : json::value(nullptr);
       }},
      {"cancel", [](runner::Runner& rn,
                    const Request& r) { return json::value(specs::to_string(rn.cancel(r.string("app_handle")))); }},
      {"list",
       [](runner::Runner& rn, const Request& r) { return parse(specs::to_json(rn.list(r.string("scheduler"), list_filter(r)))); }},
      {"delete",
       [](runner::Runner& rn, const Request& r) {
         rn.delete_app(r.string("app_handle"));
         return json::value(nullptr);
       }},
      {"named_resource",
       [](runner::Runner& rn, const Request& r) { return parse(specs::to_json(rn.named_resource(r.string("name")))); }},
      {"named_resources",
       [](runner::Runner& rn, const Request&) {
         json::array out;
         for (const auto& [name, source] : rn.named_resources())
           out.push_back(json::object{{"name", name}, {"source", source}});
         return json::value(std::move(out));
       }},
  };
  return table;
}

}  // namespace

std::string call_method(runner::Runner& runner, std::string_view method, std::string_view request_json) {
  const auto& table = methods();
  const auto it = table.find(method);
  if (it == table.end()) {
    std::string names;
    for (const auto& [name, fn] : table) names += (names.empty() ? "" : ", ") + name;
    throw InvalidRequestError("unknown method '" + std::string(method) + "' (methods: " + names + ")");
  }
  const Request request(method, request_json);
  return json::serialize(it->second(runner, request));
}

std::unique_ptr<loader::LogStream> open_log(runner::Runner& runner, std::string_view request_json) {
  const Request r("log_lines", request_json);
  std::optional<specs::Stream> streams;
  if (auto s = r.optional_string("streams")) {
    streams = specs::stream_from_string(*s);
    if (!streams)
      throw InvalidRequestError("log_lines: 'streams' must be stdout, stderr or combined, not '" + *s + "'");
  }
  return runner.log_lines(r.string("app_handle"), r.string("role_name"), r.integer("k", 0), r.optional_string("regex"),
                          r.boolean("should_tail", false), streams, r.number("since"), r.number("until"));
}

}  // namespace torchx::capi
