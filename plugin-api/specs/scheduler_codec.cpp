// SPDX-License-Identifier: BSD-3-Clause
// JSON codecs of RunOpts, DescribeAppResponse, ListAppResponse, LogQuery and Cfg.
#include "json_detail.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <cmath>

namespace json = boost::json;

namespace torchx::specs {
namespace {

using detail::Decoder;
using detail::join_path;

// The run option type names of the schema (payloads.md).
constexpr std::pair<CfgType, std::string_view> k_type_names[] = {
    {CfgType::str, "str"},     {CfgType::integer, "int"},      {CfgType::floating, "float"},
    {CfgType::boolean, "bool"}, {CfgType::list_of_str, "list"}, {CfgType::dict_of_str, "dict"},
};

std::string_view schema_type_name(CfgType type) {
  for (const auto& [t, name] : k_type_names) {
    if (t == type) return name;
  }
  return "str";
}

/// A JSON value as a CfgValue; nullopt (and a problem) if it is no CfgVal.
std::optional<CfgValue> decode_cfg_value(Decoder& d, const json::value& v, const std::string& path) {
  switch (v.kind()) {
    case json::kind::null: return CfgValue{};
    case json::kind::string: return CfgValue{std::string(v.get_string())};
    case json::kind::bool_: return CfgValue{v.get_bool()};
    case json::kind::int64: return CfgValue{v.get_int64()};
    case json::kind::uint64: return CfgValue{static_cast<std::int64_t>(v.get_uint64())};
    case json::kind::double_:
      // 1e400 parses as infinity, which no JSON text can hold: it would not read back.
      if (!std::isfinite(v.get_double())) {
        d.problem(path, "number out of range (beyond a double)");
        return std::nullopt;
      }
      return CfgValue{v.get_double()};
    case json::kind::array: {
      std::vector<std::string> items;
      for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        std::string item;
        if (!d.as_string(v.get_array()[i], detail::index_path(path, i), item)) return std::nullopt;
        items.push_back(std::move(item));
      }
      return CfgValue{std::move(items)};
    }
    case json::kind::object: {
      Dict<std::string> items;
      for (const auto& kv : v.get_object()) {
        std::string item;
        if (!d.as_string(kv.value(), join_path(path, kv.key()), item)) return std::nullopt;
        items.set(kv.key(), std::move(item));
      }
      return CfgValue{std::move(items)};
    }
  }
  return std::nullopt;
}

template <typename T>
json::value optional_value(const std::optional<T>& v) {
  return v ? json::value_from(*v) : json::value(nullptr);
}

ListAppResponse decode_list_item(Decoder& d, const json::value& v, const std::string& path) {
  ListAppResponse item;
  const auto* o = d.object(v, path);
  if (o == nullptr) return item;
  d.read(*o, "app_id", path, item.app_id, true);
  d.state(*o, path, item.state);
  d.read(*o, "app_handle", path, item.app_handle);
  d.read(*o, "name", path, item.name);
  if (const auto* t = o->if_contains("started_at"); t != nullptr && !t->is_null()) {
    if (t->is_number()) {
      item.started_at = t->to_number<double>();
    } else {
      d.problem(detail::join_path(path, "started_at"),
                std::string("expected a number, found ") + detail::kind_name(*t));
    }
  }
  if (const auto* f = o->if_contains("finished_at"); f != nullptr && !f->is_null()) {
    if (f->is_number()) {
      item.finished_at = f->to_number<double>();
    } else {
      d.problem(detail::join_path(path, "finished_at"),
                std::string("expected a number or null, found ") + detail::kind_name(*f));
    }
  }
  return item;
}

}  // namespace

const char* to_string(Stream stream) {
  switch (stream) {
    case Stream::stdout_: return "stdout";
    case Stream::stderr_: return "stderr";
    case Stream::combined: break;
  }
  return "combined";
}

std::optional<Stream> stream_from_string(std::string_view text) {
  if (text == "stdout") return Stream::stdout_;
  if (text == "stderr") return Stream::stderr_;
  if (text == "combined") return Stream::combined;
  return std::nullopt;
}

AppStatus to_app_status(const DescribeAppResponse& r) {
  return AppStatus{r.state, r.num_restarts, r.msg, r.structured_error_msg, r.ui_url, r.roles_statuses};
}

std::string to_json(const RunOpts& opts) {
  // Written directly: the bytes json::serialize made of the array built member by member.
  std::string out;
  out.reserve(64 + 160 * opts.size());
  out += '[';
  bool first = true;
  for (const auto& o : opts.options()) {
    out += first ? "{\"name\":" : ",{\"name\":";
    first = false;
    append_json_string(out, o.name);
    out += ",\"type\":\"";
    out += schema_type_name(o.type);
    out += "\",\"default\":";
    detail::append_json(out, o.default_value);
    out += o.is_required ? ",\"required\":true,\"help\":" : ",\"required\":false,\"help\":";
    append_json_string(out, o.help);
    out += '}';
  }
  out += ']';
  return out;
}

RunOpts run_opts_from_json(std::string_view text) {
  return detail::decode_payload<RunOpts>(text, "run options", [](Decoder& d, const json::value& v) {
    RunOpts opts;
    const auto* array = v.if_array();
    if (array == nullptr) {
      d.problem("", std::string("expected an array, found ") + detail::kind_name(v));
      return opts;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string path = detail::index_path("", i);
      const auto* o = d.object((*array)[i], path);
      if (o == nullptr) continue;
      std::string name;
      std::string type_name;
      std::string help;
      bool required = false;
      d.read(*o, "name", path, name, true);
      d.read(*o, "type", path, type_name, true);
      d.read(*o, "help", path, help);
      d.read(*o, "required", path, required);
      std::optional<CfgType> type;
      for (const auto& [t, n] : k_type_names) {
        if (n == type_name) type = t;
      }
      if (!type) {
        if (!type_name.empty()) d.problem(join_path(path, "type"), "unknown run option type '" + type_name + "'");
        continue;
      }
      CfgValue default_value;
      if (const auto* def = o->if_contains("default")) {
        auto decoded = decode_cfg_value(d, *def, join_path(path, "default"));
        if (!decoded) continue;
        default_value = std::move(*decoded);
      }
      try {
        opts.add(name, *type, help, std::move(default_value), required);
      } catch (const std::invalid_argument& e) {
        d.problem(path, e.what());
      }
    }
    return opts;
  });
}

std::string to_json(const DescribeAppResponse& r) {
  // Written directly (what describe hands the host on every status and every poll of a wait):
  // the bytes the boost::json object made, in the same member order.
  std::string out;
  out.reserve(256 + 512 * r.roles.size());
  out += "{\"app_id\":";
  append_json_string(out, r.app_id);
  out += ",\"state\":";
  append_json_string(out, to_string(r.state));
  out += ",\"num_restarts\":";
  out += std::to_string(r.num_restarts);
  out += ",\"msg\":";
  append_json_string(out, r.msg);
  out += ",\"structured_error_msg\":";
  append_json_string(out, r.structured_error_msg);
  out += ",\"ui_url\":";
  if (r.ui_url) {
    append_json_string(out, *r.ui_url);
  } else {
    out += "null";
  }
  out += ",\"metadata\":{";
  bool first = true;
  for (const auto& [k, v] : r.metadata) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    append_json_string(out, v);
  }
  out += "},\"roles_statuses\":";
  detail::append_json(out, r.roles_statuses);
  out += ",\"roles\":[";
  for (std::size_t i = 0; i < r.roles.size(); ++i) {
    if (i > 0) out += ',';
    detail::append_json(out, r.roles[i]);
  }
  out += "]}";
  return out;
}

DescribeAppResponse describe_app_response_from_json(std::string_view text) {
  return detail::decode_payload<DescribeAppResponse>(text, "describe response", [](Decoder& d, const json::value& v) {
    DescribeAppResponse r;
    const auto* o = d.object(v, "");
    if (o == nullptr) return r;
    d.read(*o, "app_id", "", r.app_id, true);
    d.state(*o, "", r.state);
    d.read(*o, "num_restarts", "", r.num_restarts);
    d.read(*o, "msg", "", r.msg);
    d.read(*o, "structured_error_msg", "", r.structured_error_msg);
    if (const auto* url = o->if_contains("ui_url"); url != nullptr && !url->is_null()) {
      std::string value;
      if (d.as_string(*url, "ui_url", value)) r.ui_url = value;
    }
    d.read(*o, "metadata", "", r.metadata);
    if (const auto* rs = o->if_contains("roles_statuses")) r.roles_statuses = d.role_statuses(*rs, "roles_statuses");
    if (const auto* roles = o->if_contains("roles"); roles != nullptr && !roles->is_null()) {
      if (const auto* array = roles->if_array()) {
        for (std::size_t i = 0; i < array->size(); ++i) r.roles.push_back(d.role((*array)[i], detail::index_path("roles", i)));
      } else {
        d.problem("roles", std::string("expected an array, found ") + detail::kind_name(*roles));
      }
    }
    return r;
  });
}

namespace {

json::object list_item_json(const ListAppResponse& item, json::storage_ptr sp = {}) {
  json::object o(std::move(sp));
  o.reserve(6);
  o.emplace("app_id", item.app_id);
  o.emplace("state", to_string(item.state));
  o.emplace("app_handle", item.app_handle);
  o.emplace("name", item.name);
  if (item.started_at) o.emplace("started_at", *item.started_at);
  if (item.finished_at) o.emplace("finished_at", *item.finished_at);
  return o;
}

}  // namespace

std::string to_json(const ListAppResponse& item) { return json::serialize(list_item_json(item)); }

// A list can hold every app ever run (10,000s): its values live in one monotonic arena, freed at
// once, instead of one allocation per key and string.
std::string to_json(const std::vector<ListAppResponse>& items) {
  json::monotonic_resource arena;
  json::array out(&arena);
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(list_item_json(item, out.storage()));
  return json::serialize(out);
}

std::vector<ListAppResponse> list_app_responses_from_json(std::string_view text) {
  // Parsed into one arena (see to_json above); decode_list_item copies only strings and numbers
  // out of it, so nothing refers to the arena once this returns.
  json::monotonic_resource arena;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec, &arena);
  if (ec) throw JsonDecodeError("app list", {"not valid JSON: " + ec.message()});
  Decoder d;
  std::vector<ListAppResponse> out;
  if (const auto* array = v.if_array(); array == nullptr) {
    d.problem("", std::string("expected an array, found ") + detail::kind_name(v));
  } else {
    out.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) out.push_back(decode_list_item(d, (*array)[i], detail::index_path("", i)));
  }
  d.throw_if_problems("app list");
  return out;
}

std::string to_json(const LogQuery& q) {
  return json::serialize(json::object{{"app_id", q.app_id},
                                      {"role_name", q.role_name},
                                      {"k", q.k},
                                      {"regex", optional_value(q.regex)},
                                      {"since", optional_value(q.since)},
                                      {"until", optional_value(q.until)},
                                      {"should_tail", q.should_tail},
                                      {"streams", q.streams ? json::value(to_string(*q.streams)) : json::value(nullptr)}});
}

LogQuery log_query_from_json(std::string_view text) {
  return detail::decode_payload<LogQuery>(text, "log query", [](Decoder& d, const json::value& v) {
    LogQuery q;
    const auto* o = d.object(v, "");
    if (o == nullptr) return q;
    d.read(*o, "app_id", "", q.app_id, true);
    d.read(*o, "role_name", "", q.role_name, true);
    d.read(*o, "k", "", q.k);
    d.read(*o, "should_tail", "", q.should_tail);
    if (const auto* r = o->if_contains("regex"); r != nullptr && !r->is_null()) {
      std::string value;
      if (d.as_string(*r, "regex", value)) q.regex = value;
    }
    for (auto [key, field] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
      const auto* t = o->if_contains(key);
      if (t == nullptr || t->is_null()) continue;
      if (!t->is_number()) d.problem(key, std::string("expected a number, found ") + detail::kind_name(*t));
      else if (!std::isfinite(t->to_number<double>())) d.problem(key, "number out of range (beyond a double)");
      else *field = t->to_number<double>();
    }
    if (const auto* s = o->if_contains("streams"); s != nullptr && !s->is_null()) {
      std::string value;
      if (d.as_string(*s, "streams", value)) {
        q.streams = stream_from_string(value);
        if (!q.streams) d.problem("streams", "unknown stream '" + value + "', expected stdout, stderr or combined");
      }
    }
    return q;
  });
}

Cfg cfg_from_json(std::string_view text) {
  return detail::decode_payload<Cfg>(text, "run config", [](Decoder& d, const json::value& v) {
    Cfg cfg;
    const auto* o = d.object(v, "");
    if (o == nullptr) return cfg;
    for (const auto& kv : *o) {
      if (auto value = decode_cfg_value(d, kv.value(), kv.key())) cfg.set(kv.key(), std::move(*value));
    }
    return cfg;
  });
}

SchedulerCall scheduler_call_from_json(std::string_view text, bool with_request) {
  // One parse into an arena (a stack buffer first); each member is decoded from its value, as
  // app_def_from_json and cfg_from_json decode theirs, instead of being serialized and parsed
  // again (three parses and three serializations of the AppDef and the request before).
  alignas(std::max_align_t) unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  const json::value parsed = json::parse(text, &arena);
  const json::object& o = parsed.as_object();
  SchedulerCall call;
  {
    Decoder d;
    call.app = d.app_def(o.at("app"), "");
    d.throw_if_problems("AppDef");
  }
  {
    Decoder d;
    const json::value& v = o.at("cfg");
    if (const auto* cfg = d.object(v, ""); cfg != nullptr) {
      for (const auto& kv : *cfg) {
        if (auto value = decode_cfg_value(d, kv.value(), kv.key())) call.cfg.set(kv.key(), std::move(*value));
      }
    }
    d.throw_if_problems("run config");
  }
  if (with_request) call.request_json = json::serialize(o.at("request"));
  if (const auto* w = o.if_contains("workspace"); w != nullptr && !w->is_null()) {
    if (w->is_string()) call.workspace = std::string(w->get_string());
    else call.workspace_malformed = true;
  }
  return call;
}

}  // namespace torchx::specs
