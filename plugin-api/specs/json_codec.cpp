// SPDX-License-Identifier: BSD-3-Clause
// JSON codecs of the specs types (see torchx/specs/json.hpp for the rules).
#include "json_detail.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <array>
#include <charconv>
#include <limits>

namespace json = boost::json;

namespace torchx::specs {
namespace detail {
const char* kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

namespace {

template <typename V>
json::object encode_dict(const Dict<V>& dict) {
  json::object o;
  for (const auto& [k, v] : dict) {
    if constexpr (std::is_same_v<V, JsonText>) {
      o[k] = encode(v);
    } else {
      o[k] = json::value_from(v);
    }
  }
  return o;
}

json::value encode_mount(const Mount& mount) {
  json::object o;
  o["type"] = mount_type_name(mount);
  if (const auto* bind = std::get_if<BindMount>(&mount)) {
    o["src_path"] = bind->src_path;
    o["dst_path"] = bind->dst_path;
    o["read_only"] = bind->read_only;
  } else if (const auto* volume = std::get_if<VolumeMount>(&mount)) {
    o["src"] = volume->src;
    o["dst_path"] = volume->dst_path;
    o["read_only"] = volume->read_only;
  } else {
    const auto& device = std::get<DeviceMount>(mount);
    o["src_path"] = device.src_path;
    o["dst_path"] = device.dst_path;
    o["permissions"] = device.permissions;
  }
  return o;
}

void append_int(std::string& out, long long v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

void append_json_text(std::string& out, const JsonText& text) {
  // Stored compact (JsonText::parse), but a JsonText may be made from any text: written as
  // encode writes it (parsed and serialized again; null when it is not JSON).
  out += json::serialize(encode(text));
}

template <typename V>
void append_dict(std::string& out, const Dict<V>& dict) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : dict) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    if constexpr (std::is_same_v<V, JsonText>) {
      append_json_text(out, v);
    } else if constexpr (std::is_same_v<V, int>) {
      append_int(out, v);
    } else {
      append_json_string(out, v);
    }
  }
  out += '}';
}

void append_mount(std::string& out, const Mount& mount) {
  out += "{\"type\":";
  append_json_string(out, mount_type_name(mount));
  if (const auto* bind = std::get_if<BindMount>(&mount)) {
    out += ",\"src_path\":";
    append_json_string(out, bind->src_path);
    out += ",\"dst_path\":";
    append_json_string(out, bind->dst_path);
    out += bind->read_only ? ",\"read_only\":true}" : ",\"read_only\":false}";
  } else if (const auto* volume = std::get_if<VolumeMount>(&mount)) {
    out += ",\"src\":";
    append_json_string(out, volume->src);
    out += ",\"dst_path\":";
    append_json_string(out, volume->dst_path);
    out += volume->read_only ? ",\"read_only\":true}" : ",\"read_only\":false}";
  } else {
    const auto& device = std::get<DeviceMount>(mount);
    out += ",\"src_path\":";
    append_json_string(out, device.src_path);
    out += ",\"dst_path\":";
    append_json_string(out, device.dst_path);
    out += ",\"permissions\":";
    append_json_string(out, device.permissions);
    out += '}';
  }
}

constexpr std::array k_role_fields = {"name",        "image",     "min_replicas", "base_image", "entrypoint",
                                      "args",        "env",       "num_replicas", "max_retries", "retry_policy",
                                      "resource",    "port_map",  "metadata",     "mounts",      "overrides"};

}  // namespace

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}
std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

json::value encode(const JsonText& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text.text, ec);
  return ec ? json::value(nullptr) : v;
}

json::value encode(const Resource& r) {
  return json::object{{"cpu", r.cpu},
                      {"gpu", r.gpu},
                      {"memMB", r.memMB},
                      {"capabilities", encode_dict(r.capabilities)},
                      {"devices", encode_dict(r.devices)},
                      {"tags", encode_dict(r.tags)}};
}

json::value encode(const Role& role) {
  json::object o;
  o["name"] = role.name;
  o["image"] = role.image;
  o["min_replicas"] = role.min_replicas ? json::value(*role.min_replicas) : json::value(nullptr);
  o["base_image"] = role.base_image ? json::value(*role.base_image) : json::value(nullptr);
  o["entrypoint"] = role.entrypoint;
  o["args"] = json::value_from(role.args);
  o["env"] = encode_dict(role.env);
  o["num_replicas"] = role.num_replicas;
  o["max_retries"] = role.max_retries;
  o["retry_policy"] = to_string(role.retry_policy);
  o["resource"] = encode(role.resource);
  o["port_map"] = encode_dict(role.port_map);
  o["metadata"] = encode_dict(role.metadata);
  json::array mounts;
  for (const auto& m : role.mounts) mounts.push_back(encode_mount(m));
  o["mounts"] = std::move(mounts);
  o["overrides"] = encode_dict(role.overrides);
  return o;
}

void append_json(std::string& out, const Resource& r) {
  out += "{\"cpu\":";
  append_int(out, r.cpu);
  out += ",\"gpu\":";
  append_int(out, r.gpu);
  out += ",\"memMB\":";
  append_int(out, r.memMB);
  out += ",\"capabilities\":";
  append_dict(out, r.capabilities);
  out += ",\"devices\":";
  append_dict(out, r.devices);
  out += ",\"tags\":";
  append_dict(out, r.tags);
  out += '}';
}

void append_json(std::string& out, const Role& role) {
  out += "{\"name\":";
  append_json_string(out, role.name);
  out += ",\"image\":";
  append_json_string(out, role.image);
  out += ",\"min_replicas\":";
  if (role.min_replicas) {
    append_int(out, *role.min_replicas);
  } else {
    out += "null";
  }
  out += ",\"base_image\":";
  if (role.base_image) {
    append_json_string(out, *role.base_image);
  } else {
    out += "null";
  }
  out += ",\"entrypoint\":";
  append_json_string(out, role.entrypoint);
  out += ",\"args\":[";
  for (std::size_t i = 0; i < role.args.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, role.args[i]);
  }
  out += "],\"env\":";
  append_dict(out, role.env);
  out += ",\"num_replicas\":";
  append_int(out, role.num_replicas);
  out += ",\"max_retries\":";
  append_int(out, role.max_retries);
  out += ",\"retry_policy\":";
  append_json_string(out, to_string(role.retry_policy));
  out += ",\"resource\":";
  append_json(out, role.resource);
  out += ",\"port_map\":";
  append_dict(out, role.port_map);
  out += ",\"metadata\":";
  append_dict(out, role.metadata);
  out += ",\"mounts\":[";
  for (std::size_t i = 0; i < role.mounts.size(); ++i) {
    if (i > 0) out += ',';
    append_mount(out, role.mounts[i]);
  }
  out += "],\"overrides\":";
  append_dict(out, role.overrides);
  out += '}';
}

void append_json(std::string& out, const AppDef& app) {
  out += "{\"name\":";
  append_json_string(out, app.name);
  out += ",\"roles\":[";
  for (std::size_t i = 0; i < app.roles.size(); ++i) {
    if (i > 0) out += ',';
    append_json(out, app.roles[i]);
  }
  out += "],\"metadata\":";
  append_dict(out, app.metadata);
  out += '}';
}

void append_json(std::string& out, const std::vector<RoleStatus>& roles) {
  out += '[';
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"role\":";
    append_json_string(out, roles[i].role);
    out += ",\"replicas\":[";
    for (std::size_t k = 0; k < roles[i].replicas.size(); ++k) {
      const auto& r = roles[i].replicas[k];
      out += k > 0 ? ",{\"id\":" : "{\"id\":";
      append_int(out, r.id);
      out += ",\"state\":";
      append_int(out, static_cast<int>(r.state));
      out += ",\"role\":";
      append_json_string(out, r.role);
      out += ",\"hostname\":";
      append_json_string(out, r.hostname);
      out += ",\"structured_error_msg\":";
      append_json_string(out, r.structured_error_msg);
      out += '}';
    }
    out += "]}";
  }
  out += ']';
}

json::value encode(const AppDef& app) {
  json::array roles;
  for (const auto& r : app.roles) roles.push_back(encode(r));
  return json::object{{"name", app.name}, {"roles", std::move(roles)}, {"metadata", encode_dict(app.metadata)}};
}

json::value encode(const std::vector<RoleStatus>& roles, const std::vector<std::string>& filter_roles) {
  json::array out;
  for (const auto& role : roles) {
    if (!filter_roles.empty() && std::find(filter_roles.begin(), filter_roles.end(), role.role) == filter_roles.end())
      continue;
    json::array replicas;
    for (const auto& r : role.replicas) {
      replicas.push_back(json::object{{"id", r.id},
                                      {"state", static_cast<int>(r.state)},
                                      {"role", r.role},
                                      {"hostname", r.hostname},
                                      {"structured_error_msg", r.structured_error_msg}});
    }
    out.push_back(json::object{{"role", role.role}, {"replicas", std::move(replicas)}});
  }
  return out;
}

json::value encode(const AppStatus& status, const std::vector<std::string>& filter_roles) {
  return json::object{{"state", to_string(status.state)},
                      {"num_restarts", status.num_restarts},
                      {"roles", encode(status.roles, filter_roles)},
                      {"msg", status.msg},
                      {"structured_error_msg", status.structured_error_msg},
                      {"url", status.ui_url ? json::value(*status.ui_url) : json::value(nullptr)}};
}

json::value encode(const Cfg& cfg) {
  json::object o;
  for (const auto& [key, value] : cfg) {
    o[key] = std::visit(
        [](const auto& v) -> json::value {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return nullptr;
          } else if constexpr (std::is_same_v<T, Dict<std::string>>) {
            return encode_dict(v);
          } else {
            return json::value_from(v);
          }
        },
        value);
  }
  return o;
}

json::value parse(std::string_view text, const std::string& subject) { return parse(text, subject, {}); }

json::value parse(std::string_view text, const std::string& subject, json::storage_ptr storage) {
  boost::system::error_code ec;
  json::parse_options options;
  json::value v = json::parse(text, ec, std::move(storage), options);
  if (ec) throw JsonDecodeError(subject, {"not valid JSON: " + ec.message()});
  return v;
}

void Decoder::problem(const std::string& path, const std::string& message) {
  m_problems.push_back(path.empty() ? message : path + ": " + message);
}

void Decoder::throw_if_problems(const std::string& subject) const {
  if (!m_problems.empty()) throw JsonDecodeError(subject, m_problems);
}

const json::object* Decoder::object(const json::value& v, const std::string& path) {
  if (const auto* o = v.if_object()) return o;
  problem(path, std::string("expected an object, found ") + kind_name(v));
  return nullptr;
}

bool Decoder::as_int(const json::value& v, const std::string& path, int& out) {
  std::int64_t wide = 0;
  if (v.is_int64()) {
    wide = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    wide = static_cast<std::int64_t>(v.get_uint64());
  } else if (!v.is_uint64()) {
    problem(path, std::string("expected an integer, found ") + kind_name(v));
    return false;
  } else {
    wide = std::numeric_limits<std::int64_t>::max();
  }
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    problem(path, "integer out of range");
    return false;
  }
  out = static_cast<int>(wide);
  return true;
}

bool Decoder::as_string(const json::value& v, const std::string& path, std::string& out) {
  if (const auto* s = v.if_string()) {
    out.assign(s->data(), s->size());
    return true;
  }
  problem(path, std::string("expected a string, found ") + kind_name(v));
  return false;
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path, std::string& out,
                   bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) problem(join_path(path, key), "is required");
    return;
  }
  // The path is built only for a problem: a payload's every field went through here.
  if (const auto* s = v->if_string()) {
    out.assign(s->data(), s->size());
    return;
  }
  as_string(*v, join_path(path, key), out);
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path, int& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  if (v->is_int64() && v->get_int64() >= std::numeric_limits<int>::min() &&
      v->get_int64() <= std::numeric_limits<int>::max()) {
    out = static_cast<int>(v->get_int64());
    return;
  }
  as_int(*v, join_path(path, key), out);
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path, bool& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  if (v->is_bool()) {
    out = v->get_bool();
  } else {
    problem(join_path(path, key), std::string("expected a boolean, found ") + kind_name(*v));
  }
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path,
                   std::vector<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  const auto* array = v->if_array();
  if (array == nullptr) {
    problem(join_path(path, key), std::string("expected an array of strings, found ") + kind_name(*v));
    return;
  }
  out.clear();
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (const auto* s = (*array)[i].if_string()) {
      out.emplace_back(s->data(), s->size());
    } else {
      std::string item;
      as_string((*array)[i], index_path(join_path(path, key), i), item);
    }
  }
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path, Dict<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  const auto* obj = v->is_object() ? &v->get_object() : object(*v, join_path(path, key));
  if (obj == nullptr) return;
  out = {};
  for (const auto& kv : *obj) {
    if (const auto* s = kv.value().if_string()) {
      out.set(kv.key(), std::string(s->data(), s->size()));
    } else {
      std::string item;
      as_string(kv.value(), join_path(join_path(path, key), kv.key()), item);
    }
  }
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path, Dict<int>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  const auto* obj = v->is_object() ? &v->get_object() : object(*v, join_path(path, key));
  if (obj == nullptr) return;
  out = {};
  for (const auto& kv : *obj) {
    const auto& value = kv.value();
    int item = 0;
    if (value.is_int64() && value.get_int64() >= std::numeric_limits<int>::min() &&
        value.get_int64() <= std::numeric_limits<int>::max()) {
      out.set(kv.key(), static_cast<int>(value.get_int64()));
    } else if (as_int(value, join_path(join_path(path, key), kv.key()), item)) {
      out.set(kv.key(), item);
    }
  }
}

void Decoder::read(const json::object& o, std::string_view key, const std::string& path, Dict<JsonText>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  const auto* obj = v->is_object() ? &v->get_object() : object(*v, join_path(path, key));
  if (obj == nullptr) return;
  out = {};
  for (const auto& kv : *obj) out.set(kv.key(), JsonText{json::serialize(kv.value())});
}

Resource Decoder::resource(const json::value& v, const std::string& path) {
  Resource r;
  const auto* o = object(v, path);
  if (o == nullptr) return r;
  read(*o, "cpu", path, r.cpu);
  read(*o, "gpu", path, r.gpu);
  read(*o, "memMB", path, r.memMB);
  read(*o, "capabilities", path, r.capabilities);
  read(*o, "devices", path, r.devices);
  read(*o, "tags", path, r.tags);
  return r;
}

namespace {

Mount decode_mount(Decoder& d, const json::object& o, const std::string& path) {
  std::string type;
  d.read(o, "type", path, type, true);
  if (type == "bind") {
    BindMount m;
    d.read(o, "src_path", path, m.src_path, true);
    d.read(o, "dst_path", path, m.dst_path, true);
    d.read(o, "read_only", path, m.read_only);
    return m;
  }
  if (type == "volume") {
    VolumeMount m;
    d.read(o, "src", path, m.src, true);
    d.read(o, "dst_path", path, m.dst_path, true);
    d.read(o, "read_only", path, m.read_only);
    return m;
  }
  if (type == "device") {
    DeviceMount m;
    d.read(o, "src_path", path, m.src_path, true);
    d.read(o, "dst_path", path, m.dst_path);
    if (m.dst_path.empty()) m.dst_path = m.src_path;
    d.read(o, "permissions", path, m.permissions);
    return m;
  }
  if (!type.empty()) d.problem(join_path(path, "type"), "unknown mount type '" + type + "', expected bind, volume or device");
  return BindMount{};
}

}  // namespace

Role Decoder::role(const json::value& v, const std::string& path) {
  Role role;
  const auto* given = object(v, path);
  if (given == nullptr) return role;
  // Overrides replace the fields they name before decoding (see Role's comment); the role is
  // copied only when it has some.
  json::object merged;
  const json::object* fields = given;
  if (const auto* ov = given->if_contains("overrides"); ov != nullptr && ov->is_object() && !ov->get_object().empty()) {
    merged = *given;
    fields = &merged;
    for (const auto& kv : ov->get_object()) {
      const std::string_view field = kv.key();
      if (std::find(k_role_fields.begin(), k_role_fields.end(), field) == k_role_fields.end() ||
          field == "overrides") {
        problem(join_path(join_path(path, "overrides"), field), "not a Role field that can be overridden");
        continue;
      }
      merged[field] = kv.value();
    }
  }
  const json::object& o = *fields;
  read(o, "name", path, role.name, true);
  read(o, "image", path, role.image, true);
  if (const auto* min = o.if_contains("min_replicas"); min != nullptr && !min->is_null()) {
    int value = 0;
    if (as_int(*min, join_path(path, "min_replicas"), value)) role.min_replicas = value;
  }
  if (const auto* base = o.if_contains("base_image"); base != nullptr && !base->is_null()) {
    std::string value;
    if (as_string(*base, join_path(path, "base_image"), value)) role.base_image = value;
  }
  read(o, "entrypoint", path, role.entrypoint);
  read(o, "args", path, role.args);
  read(o, "env", path, role.env);
  read(o, "num_replicas", path, role.num_replicas);
  read(o, "max_retries", path, role.max_retries);
  std::string policy;
  read(o, "retry_policy", path, policy);
  if (!policy.empty()) {
    if (auto parsed = retry_policy_from_string(policy)) {
      role.retry_policy = *parsed;
    } else {
      problem(join_path(path, "retry_policy"), "unknown retry policy '" + policy + "', expected REPLICA, APPLICATION or ROLE");
    }
  }
  if (const auto* res = o.if_contains("resource"); res != nullptr && !res->is_null()) {
    role.resource = resource(*res, join_path(path, "resource"));
  }
  read(o, "port_map", path, role.port_map);
  read(o, "metadata", path, role.metadata);
  if (const auto* mounts = o.if_contains("mounts"); mounts != nullptr && !mounts->is_null()) {
    const std::string here = join_path(path, "mounts");
    if (const auto* array = mounts->if_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        if (const auto* m = object((*array)[i], index_path(here, i))) role.mounts.push_back(decode_mount(*this, *m, index_path(here, i)));
      }
    } else {
      problem(here, std::string("expected an array, found ") + kind_name(*mounts));
    }
  }
  read(*given, "overrides", path, role.overrides);
  return role;
}

AppDef Decoder::app_def(const json::value& v, const std::string& path) {
  AppDef app;
  const auto* o = object(v, path);
  if (o == nullptr) return app;
  read(*o, "name", path, app.name, true);
  if (const auto* roles = o->if_contains("roles"); roles != nullptr && !roles->is_null()) {
    const std::string here = join_path(path, "roles");
    if (const auto* array = roles->if_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) app.roles.push_back(role((*array)[i], index_path(here, i)));
    } else {
      problem(here, std::string("expected an array, found ") + kind_name(*roles));
    }
  }
  read(*o, "metadata", path, app.metadata);
  return app;
}

void Decoder::state(const json::object& o, const std::string& path, AppState& out) {
  Decoder& d = *this;
  const json::value* v = o.if_contains("state");
  if (v == nullptr) {
    d.problem(join_path(path, "state"), "is required");
    return;
  }
  std::optional<AppState> state;
  if (v->is_string()) {
    state = app_state_from_string(std::string_view(v->get_string()));
  } else if (v->is_int64()) {
    state = app_state_from_string(std::to_string(v->get_int64()));
  }
  if (state) {
    out = *state;
  } else {
    d.problem(join_path(path, "state"), "unknown app state " + json::serialize(*v));
  }
}

std::vector<RoleStatus> Decoder::role_statuses(const json::value& v, const std::string& here) {
  std::vector<RoleStatus> out;
  if (v.is_null()) return out;
  const auto* array = v.if_array();
  if (array == nullptr) {
    problem(here, std::string("expected an array, found ") + kind_name(v));
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string role_path = index_path(here, i);
    const auto* ro = object((*array)[i], role_path);
    if (ro == nullptr) continue;
    RoleStatus role;
    read(*ro, "role", role_path, role.role, true);
    if (const auto* replicas = ro->if_contains("replicas"); replicas != nullptr && replicas->is_array()) {
      const auto& list = replicas->get_array();
      for (std::size_t j = 0; j < list.size(); ++j) {
        const std::string replica_path = index_path(join_path(role_path, "replicas"), j);
        const auto* rep = object(list[j], replica_path);
        if (rep == nullptr) continue;
        ReplicaStatus replica;
        read(*rep, "id", replica_path, replica.id);
        state(*rep, replica_path, replica.state);
        read(*rep, "role", replica_path, replica.role);
        read(*rep, "hostname", replica_path, replica.hostname);
        read(*rep, "structured_error_msg", replica_path, replica.structured_error_msg);
        role.replicas.push_back(std::move(replica));
      }
    }
    out.push_back(std::move(role));
  }
  return out;
}

AppStatus Decoder::app_status(const json::value& v, const std::string& path) {
  AppStatus status;
  const auto* o = object(v, path);
  if (o == nullptr) return status;
  state(*o, path, status.state);
  read(*o, "num_restarts", path, status.num_restarts);
  read(*o, "msg", path, status.msg);
  read(*o, "structured_error_msg", path, status.structured_error_msg);
  if (const auto* url = o->if_contains("url"); url != nullptr && !url->is_null()) {
    std::string value;
    if (as_string(*url, join_path(path, "url"), value)) status.ui_url = value;
  }
  if (const auto* roles = o->if_contains("roles")) status.roles = role_statuses(*roles, join_path(path, "roles"));
  return status;
}

}  // namespace detail

using detail::decode_payload;

std::string to_json(const AppDef& app) {
  std::string out;
  out.reserve(512 * (app.roles.size() + 1));
  detail::append_json(out, app);
  return out;
}
std::string to_json(const Role& role) {
  std::string out;
  out.reserve(512);
  detail::append_json(out, role);
  return out;
}
std::string to_json(const Resource& resource) {
  std::string out;
  detail::append_json(out, resource);
  return out;
}
std::string to_json(const AppStatus& status, const std::vector<std::string>& filter_roles) {
  return json::serialize(detail::encode(status, filter_roles));
}
namespace detail {

void append_json(std::string& out, const CfgValue& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          out += json::serialize(json::value(v));  // boost::json's own number format
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          out += '[';
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out += ',';
            append_json_string(out, v[i]);
          }
          out += ']';
        } else {
          out += '{';
          bool first = true;
          for (const auto& [k, item] : v) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, k);
            out += ':';
            append_json_string(out, item);
          }
          out += '}';
        }
      },
      value);
}

void append_json(std::string& out, const Cfg& cfg) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : cfg) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, key);
    out += ':';
    append_json(out, value);
  }
  out += '}';
}

}  // namespace detail

std::string to_json(const Cfg& cfg) {
  std::string out;
  detail::append_json(out, cfg);
  return out;
}

AppDef app_def_from_json(std::string_view text) {
  return decode_payload<AppDef>(text, "AppDef", [](detail::Decoder& d, const json::value& v) { return d.app_def(v, ""); });
}
Role role_from_json(std::string_view text) {
  return decode_payload<Role>(text, "Role", [](detail::Decoder& d, const json::value& v) { return d.role(v, ""); });
}
Resource resource_from_json(std::string_view text) {
  return decode_payload<Resource>(text, "Resource",
                                  [](detail::Decoder& d, const json::value& v) { return d.resource(v, ""); });
}
AppStatus app_status_from_json(std::string_view text) {
  return decode_payload<AppStatus>(text, "AppStatus",
                                   [](detail::Decoder& d, const json::value& v) { return d.app_status(v, ""); });
}

}  // namespace torchx::specs
