// SPDX-License-Identifier: BSD-3-Clause
// Component files in YAML, read with yaml-cpp (docs/component-files.md).
#include "component_file.hpp"

#include "errors.hpp"
#include "util/text.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/util/input_checks.hpp>
#include <torchx/util/python_format.hpp>
#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace json = boost::json;

namespace torchx::runner {
namespace {

const std::set<std::string> k_types = {"str", "int", "float", "bool", "list", "dict"};
const std::set<std::string> k_macros = {"img_root", "app_id", "replica_id", "rank0_env", "base_img_root"};

std::string where(const std::filesystem::path& file, const YAML::Mark& mark) {
  if (mark.line < 0) return file.string();
  return file.string() + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

[[noreturn]] void fail(const std::filesystem::path& file, const YAML::Node& node, const std::string& reason) {
  throw ComponentFileError(where(file, node.Mark()) + ": " + reason);
}

YAML::Node parse_yaml(const std::string& text, const std::filesystem::path& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own guard (2000 levels) says only "bad file"
    throw ComponentFileError(where(file, e.mark) + ": nested more than " + std::to_string(ComponentFile::k_max_depth) +
                             " levels deep");
  } catch (const YAML::Exception& e) {
    throw ComponentFileError(where(file, e.mark) + ": " + e.msg);
  }
}

/// Whether `text` is `[-+]?[0-9]+` (scanned by hand, like everything here: no regex engine).
bool is_integer_text(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// Whether `text` is `[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?`.
bool is_number_text(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t mantissa = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

/// A YAML scalar as JSON: quoted scalars are strings; plain ones null, bool, int, float or string
/// (a number too large for int64 or double stays a string).
json::value scalar(const YAML::Node& node) {
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return json::value(text);
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const std::string_view unsigned_text = std::string_view(text).substr(text[0] == '+' ? 1 : 0);
  if (is_integer_text(text)) {
    if (const auto v = util::parse_integer<std::int64_t>(unsigned_text)) return *v;
    return json::value(text);
  }
  if (is_number_text(text)) {
    double v = 0;
    const auto [end, ec] = std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), v);
    if (ec == std::errc{} && end == unsigned_text.data() + unsigned_text.size()) return v;
  }
  return json::value(text);
}

/// A `${name}` placeholder found in a text: where it starts, its length and the name.
struct Placeholder {
  std::size_t pos = 0;
  std::size_t length = 0;
  std::string_view name;
};

/// The first `${[A-Za-z_][A-Za-z0-9_]*}` in `text` at or after `from`; linear in the text.
std::optional<Placeholder> find_placeholder(std::string_view text, std::size_t from) {
  auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto is_alnum = [&](char c) { return is_alpha(c) || (c >= '0' && c <= '9'); };
  for (std::size_t pos = text.find("${", from); pos != std::string_view::npos; pos = text.find("${", pos + 1)) {
    std::size_t end = pos + 2;
    if (end >= text.size() || !is_alpha(text[end])) continue;
    while (end < text.size() && is_alnum(text[end])) ++end;
    if (end < text.size() && text[end] == '}') {
      return Placeholder{pos, end + 1 - pos, text.substr(pos + 2, end - pos - 2)};
    }
  }
  return std::nullopt;
}

/// The text a value takes inside a longer string: numbers as written, lists joined with ','.
std::string as_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v.get_array()) out += (out.empty() ? "" : ",") + as_text(item);
    return out;
  }
  if (v.is_object()) {
    std::string out;
    for (const auto& kv : v.get_object()) out += (out.empty() ? "" : ",") + std::string(kv.key()) + "=" + as_text(kv.value());
    return out;
  }
  if (v.is_double()) return util::python_float(v.get_double());
  return json::serialize(v);
}

class Builder {
public:
  Builder(const std::filesystem::path& file, json::object params) : m_file(file), m_params(std::move(params)) {}

  /// The YAML tree as JSON with parameters substituted; `path` is the JSON path for marks.
  /// Counts what it produces against the bounds (ComponentFile::k_max_nodes and friends): YAML
  /// aliases let a few hundred bytes name billions of nodes, which yaml-cpp shares but a
  /// conversion would copy.
  json::value convert(const YAML::Node& node, const std::string& path, std::size_t depth = 0) {
    if (++m_nodes > ComponentFile::k_max_nodes) {
      fail(m_file, node, "the component expands to more than " + std::to_string(ComponentFile::k_max_nodes) +
                             " YAML nodes (aliases repeating aliases?); that is the most a component file may hold");
    }
    if (depth > ComponentFile::k_max_depth) {
      fail(m_file, node, "nested more than " + std::to_string(ComponentFile::k_max_depth) + " levels deep");
    }
    m_marks[path] = node.Mark();
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar: {
        json::value v = substitute(node);
        charge(v, node);
        return v;
      }
      case YAML::NodeType::Sequence: {
        json::array out;
        for (const auto& item : node) {
          const std::string item_path = path + "[" + std::to_string(out.size()) + "]";
          if (const auto* whole = whole_param(item); whole != nullptr && whole->is_array()) {
            charge(*whole, item);
            for (const auto& v : whole->get_array()) out.push_back(v);  // spliced
            continue;
          }
          out.push_back(convert(item, item_path, depth + 1));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json::object out;
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) fail(m_file, kv.first, "keys must be plain names");
          const std::string key = kv.first.Scalar();
          charge(json::value(key), kv.first);
          out[key] = convert(kv.second, path.empty() ? key : path + "." + key, depth + 1);
        }
        return out;
      }
    }
    return nullptr;
  }

  /// The mark of the longest known prefix of a JSON path, for a decoder problem "path: reason".
  std::string locate(const std::string& problem) const {
    const std::string path = problem.substr(0, problem.find(": "));
    for (std::string p = path; !p.empty();) {
      if (auto it = m_marks.find(p); it != m_marks.end()) return where(m_file, it->second) + ": " + problem;
      const auto cut = p.find_last_of(".[");
      p = cut == std::string::npos ? std::string{} : p.substr(0, cut);
    }
    return m_file.string() + ": " + problem;
  }

private:
  const json::value* whole_param(const YAML::Node& node) const {
    if (!node.IsScalar()) return nullptr;
    const std::string& text = node.Scalar();
    const auto p = find_placeholder(text, 0);
    if (!p || p->pos != 0 || p->length != text.size()) return nullptr;
    return m_params.if_contains(p->name);
  }

  json::value substitute(const YAML::Node& node) {
    if (const auto* whole = whole_param(node)) return *whole;
    json::value v = scalar(node);
    if (!v.is_string()) return v;
    const std::string text(v.get_string());
    std::string out;
    std::size_t last = 0;
    for (auto m = find_placeholder(text, 0); m; m = find_placeholder(text, last)) {
      out.append(text, last, m->pos - last);
      if (const auto* p = m_params.if_contains(m->name)) out += as_text(*p);
      else out.append(text, m->pos, m->length);  // a scheduler macro, or text the user meant literally
      last = m->pos + m->length;
    }
    out.append(text, last);
    return json::value(out);
  }

  /// Counts the text and the items of a value produced at `node` (a substituted scalar, a
  /// spliced list) against ComponentFile::k_max_text_bytes and k_max_nodes.
  void charge(const json::value& v, const YAML::Node& node) {
    std::size_t items = 0;
    std::size_t bytes = 0;
    if (v.is_string()) bytes = v.get_string().size();
    if (v.is_array()) {
      items = v.get_array().size();
      for (const auto& item : v.get_array()) bytes += item.is_string() ? item.get_string().size() : 8;
    }
    if (v.is_object()) {
      items = v.get_object().size();
      for (const auto& kv : v.get_object()) {
        bytes += kv.key().size() + (kv.value().is_string() ? kv.value().get_string().size() : 8);
      }
    }
    m_nodes += items;
    m_text_bytes += bytes;
    if (m_nodes > ComponentFile::k_max_nodes) {
      fail(m_file, node, "the component expands to more than " + std::to_string(ComponentFile::k_max_nodes) +
                             " values (a long list argument spliced through YAML aliases?); that is the most a "
                             "component file may hold");
    }
    if (m_text_bytes > ComponentFile::k_max_text_bytes) {
      fail(m_file, node, "the component expands to more than " + std::to_string(ComponentFile::k_max_text_bytes) +
                             " bytes of text (YAML aliases repeating long text, or long arguments?); that is the "
                             "most a component file may hold");
    }
  }

  const std::filesystem::path& m_file;
  json::object m_params;
  std::map<std::string, YAML::Mark> m_marks;
  std::size_t m_nodes = 0;
  std::size_t m_text_bytes = 0;
};

/// Numbers and booleans placed (by a typed placeholder) where the AppDef wants text become text.
void stringify(json::value& v) {
  if (v.is_number() || v.is_bool()) v = json::value(as_text(v));
}

void stringify_text_fields(json::object& app) {
  if (auto* name = app.if_contains("name")) stringify(*name);
  if (auto* metadata = app.if_contains("metadata"); metadata != nullptr && metadata->is_object()) {
    for (auto& kv : metadata->get_object()) stringify(kv.value());
  }
  auto* roles = app.if_contains("roles");
  if (roles == nullptr || !roles->is_array()) return;
  for (auto& role_value : roles->get_array()) {
    auto* role = role_value.if_object();
    if (role == nullptr) continue;
    for (const char* key : {"name", "image", "entrypoint", "base_image"}) {
      if (auto* v = role->if_contains(key)) stringify(*v);
    }
    if (auto* args = role->if_contains("args"); args != nullptr && args->is_array()) {
      for (auto& a : args->get_array()) stringify(a);
    }
    if (auto* env = role->if_contains("env"); env != nullptr && env->is_object()) {
      for (auto& kv : env->get_object()) stringify(kv.value());
    }
  }
}

YAML::Node component_node(const YAML::Node& root, const std::filesystem::path& file, std::string& name) {
  if (!root.IsMap()) {
    throw ComponentFileError(where(file, root.Mark()) + ": expected a mapping of component names to components");
  }
  std::vector<std::string> names;
  for (const auto& kv : root) names.push_back(kv.first.Scalar());
  if (name.empty()) {
    if (names.size() != 1) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw ComponentNotFoundError("component file '" + file.string() + "' holds " + std::to_string(names.size()) +
                                   " components (" + list + "): name one as " + file.string() + ":NAME");
    }
    name = names.front();
  }
  if (!root[name]) {
    throw ComponentNotFoundError("component '" + name + "' not found in '" + file.string() + "'" +
                                 util::did_you_mean(name, names));
  }
  return root[name];
}

}  // namespace

std::optional<std::pair<std::filesystem::path, std::string>> ComponentFile::parse_reference(const std::string& spec) {
  auto is_yaml = [](const std::string& p) { return p.ends_with(".yaml") || p.ends_with(".yml"); };
  if (is_yaml(spec)) return std::pair{std::filesystem::path(spec), std::string{}};
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  const std::string path = spec.substr(0, colon);
  std::error_code ec;
  if (is_yaml(path) || std::filesystem::is_regular_file(path, ec)) return std::pair{std::filesystem::path(path), spec.substr(colon + 1)};
  return std::nullopt;
}

ComponentFile ComponentFile::load(const std::filesystem::path& path, const std::string& requested) {
  auto text = util::read_file(path);
  if (!text) throw ComponentNotFoundError("component file '" + path.string() + "' cannot be read");
  ComponentFile c;
  c.m_path = path;
  c.m_text = std::move(*text);
  if (c.m_text.size() > k_max_file_bytes) {
    throw ComponentFileError(path.string() + ": the file is " + std::to_string(c.m_text.size()) +
                             " bytes; a component file may hold at most " + std::to_string(k_max_file_bytes) +
                             " (1 MiB)");
  }
  if (const auto bad = util::invalid_utf8_offset(c.m_text)) {
    const std::string_view before = std::string_view(c.m_text).substr(0, *bad);
    const auto line = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')) + 1;
    const auto line_start = before.rfind('\n');
    const std::size_t column = *bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    throw ComponentFileError(path.string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": byte " +
                             util::printable(c.m_text.substr(*bad, 1)) +
                             " is not valid UTF-8 (component files are UTF-8)");
  }
  c.m_name = requested;
  const YAML::Node root = parse_yaml(c.m_text, path);
  const YAML::Node comp = component_node(root, path, c.m_name);
  if (!comp.IsMap()) fail(path, comp, "component '" + c.m_name + "' must be a mapping with 'app' (and 'doc', 'args')");
  for (const auto& kv : comp) {
    const std::string key = kv.first.Scalar();
    if (key != "doc" && key != "args" && key != "app") {
      fail(path, kv.first, "unknown key '" + key + "'" + util::did_you_mean(key, {"doc", "args", "app"}) +
                               " (expected doc, args, app)");
    }
  }
  if (!comp["app"]) fail(path, comp, "component '" + c.m_name + "' has no 'app'");
  if (comp["doc"]) c.m_signature.doc = comp["doc"].Scalar();
  bool has_varargs = false;
  Builder defaults(path, json::object{});  // one for all defaults: they share the bounds
  if (const YAML::Node args = comp["args"]) {
    if (!args.IsMap()) fail(path, args, "'args' must be a mapping of argument names to {type, default, help, ...}");
    for (const auto& kv : args) {
      ComponentArgSpec spec;
      spec.name = kv.first.Scalar();
      if (k_macros.contains(spec.name)) {
        fail(path, kv.first, "argument '" + spec.name + "' has the name of a scheduler macro (${" + spec.name + "})");
      }
      const YAML::Node a = kv.second;
      if (!a.IsMap() && !a.IsNull()) fail(path, a, "argument '" + spec.name + "' must be a mapping {type, default, help}");
      for (const auto& field : a) {
        const std::string f = field.first.Scalar();
        static const std::vector<std::string> known = {"type", "default", "help", "short", "varargs", "required"};
        if (std::find(known.begin(), known.end(), f) == known.end()) {
          fail(path, field.first, "unknown key '" + f + "' in argument '" + spec.name + "'" + util::did_you_mean(f, known));
        }
      }
      if (a["type"]) spec.type = a["type"].Scalar();
      if (!k_types.contains(spec.type)) {
        fail(path, a["type"], "argument '" + spec.name + "': unknown type '" + spec.type +
                                  "' (expected str, int, float, bool, list or dict)");
      }
      if (a["help"]) spec.help = a["help"].Scalar();
      if (a["short"]) spec.short_name = a["short"].Scalar();
      if (a["varargs"]) spec.varargs = a["varargs"].as<bool>(false);
      if (spec.varargs && has_varargs) fail(path, a, "only one argument may have 'varargs: true'");
      has_varargs = has_varargs || spec.varargs;
      if (a["default"]) {
        spec.default_json = json::serialize(defaults.convert(a["default"], ""));
        if (*spec.default_json == "null") spec.default_json.reset();
        spec.required = false;
      } else {
        spec.required = !spec.varargs && !(a["required"] && !a["required"].as<bool>(true));
      }
      c.m_signature.args.push_back(std::move(spec));
    }
  }
  return c;
}

std::string ComponentFile::signature_json() const {
  json::array args;
  for (const auto& a : m_signature.args) {
    args.push_back({{"name", a.name},
                    {"type", a.type},
                    {"default", a.default_json ? json::parse(*a.default_json) : json::value(nullptr)},
                    {"required", a.required},
                    {"help", a.help},
                    {"short", a.short_name},
                    {"varargs", a.varargs}});
  }
  return json::serialize(json::object{{"doc", m_signature.doc}, {"args", std::move(args)}});
}

std::string ComponentFile::build(const std::string& request_json,
                                 const std::function<specs::Resource(const std::string&)>& resolve) const {
  const auto request = json::parse(request_json).as_object();
  json::object params = request.at("args").as_object();
  for (const auto& a : m_signature.args) {
    if (a.varargs) params[a.name] = request.at("varargs");
  }
  std::string name = m_name;
  const YAML::Node root = parse_yaml(m_text, m_path);
  const YAML::Node app_node = component_node(root, m_path, name)["app"];
  Builder builder(m_path, params);
  json::value app = builder.convert(app_node, "");
  if (!app.is_object()) fail(m_path, app_node, "'app' must be a mapping {name, roles}");
  // resource: {h: NAME} is a named resource.
  if (auto* roles = app.as_object().if_contains("roles"); roles != nullptr && roles->is_array()) {
    for (std::size_t i = 0; i < roles->get_array().size(); ++i) {
      auto* role = roles->get_array()[i].if_object();
      auto* res = role != nullptr ? role->if_contains("resource") : nullptr;
      auto* h = (res != nullptr && res->is_object()) ? res->get_object().if_contains("h") : nullptr;
      if (h == nullptr) continue;
      if (!h->is_string()) {
        // Located by the JSON path: roles[i] need not be the i-th role node of the YAML (a list
        // parameter spliced in, a repeated `roles` key), whose Mark() would throw YAML::InvalidNode.
        throw ComponentFileError(
            builder.locate("roles[" + std::to_string(i) + "].resource.h: must be the name of a named resource"));
      }
      try {
        *res = json::parse(specs::to_json(resolve(std::string(h->get_string()))));
      } catch (const specs::UnknownNamedResourceError& e) {
        throw ComponentFileError(builder.locate("roles[" + std::to_string(i) + "].resource: " + e.what()));
      }
    }
  }
  stringify_text_fields(app.as_object());
  const std::string text = json::serialize(app);
  try {
    (void)specs::app_def_from_json(text);
  } catch (const specs::JsonDecodeError& e) {
    std::string message;
    for (const auto& p : e.problems()) message += (message.empty() ? "" : "; ") + builder.locate(p);
    throw ComponentFileError(message);
  }
  return text;
}

}  // namespace torchx::runner
