// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/manifest.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace json = boost::json;

namespace torchx::manifests {
namespace {

const json::value& field(const json::object& o, std::string_view key, std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) throw ManifestError("missing \"" + std::string(where) + std::string(key) + "\"");
  return *v;
}

std::string string_field(const json::object& o, std::string_view key, std::string_view where, bool required = true) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr && !required) return {};
  const json::value& value = field(o, key, where);
  if (!value.is_string()) throw ManifestError("\"" + std::string(where) + std::string(key) + "\" must be a string");
  return std::string(value.get_string());
}

std::vector<std::string> names(const json::object& provides, std::string_view key, std::set<std::string>& seen) {
  std::vector<std::string> out;
  const json::value* v = provides.if_contains(key);
  if (v == nullptr) return out;
  const std::string where = "plugin.provides." + std::string(key);
  if (!v->is_array()) throw ManifestError("\"" + where + "\" must be an array of names");
  for (const auto& item : v->get_array()) {
    if (!item.is_string() || item.get_string().empty()) {
      throw ManifestError("\"" + where + "\" must hold non-empty strings");
    }
    std::string name(item.get_string());
    if (!seen.insert(std::string(key) + ":" + name).second) throw ManifestError("\"" + where + "\" lists '" + name + "' twice");
    out.push_back(std::move(name));
  }
  return out;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// Splits `s` at each '.'.
std::vector<std::string_view> dotted_parts(std::string_view s) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto dot = s.find('.');
    parts.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    s.remove_prefix(dot + 1);
  }
}

std::vector<PythonComponent> python_components(const json::object& plugin) {
  std::vector<PythonComponent> out;
  const json::value* v = plugin.if_contains("python_components");
  if (v == nullptr) return out;
  const std::string where = "plugin.python_components";
  if (!v->is_object()) throw ManifestError("\"" + where + "\" must be an object of \"name\": \"module:function\"");
  for (const auto& [key, target] : v->get_object()) {
    const std::string name(key);
    if (!is_python_component_name(name)) {
      throw ManifestError("\"" + where + "\": '" + name +
                          "' is not a component name (dot-separated parts of letters, digits, '_' and '-'; not *.py, "
                          "*.yaml or *.yml)");
    }
    if (!target.is_string()) throw ManifestError("\"" + where + "." + name + "\" must be a string \"module:function\"");
    const std::string_view text = target.get_string();
    const auto colon = text.find(':');
    PythonComponent c{name, "", ""};
    if (colon != std::string_view::npos) {
      c.module = std::string(text.substr(0, colon));
      c.function = std::string(text.substr(colon + 1));
    }
    if (!is_python_module_path(c.module) || !is_identifier(c.function)) {
      throw ManifestError("\"" + where + "." + name + "\": '" + std::string(text) +
                          "' is not \"module:function\" (a dotted module path, ':', a function name)");
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].name == out[i - 1].name) throw ManifestError("\"" + where + "\" lists '" + out[i].name + "' twice");
  }
  return out;
}

std::vector<CommandDecl> commands(const json::object& provides) {
  std::vector<CommandDecl> out;
  const json::value* v = provides.if_contains("commands");
  if (v == nullptr) return out;
  const std::string where = "plugin.provides.commands";
  if (!v->is_array()) throw ManifestError("\"" + where + "\" must be an array of {\"name\", \"description\"}");
  std::set<std::string> seen;
  for (const auto& item : v->get_array()) {
    const std::string at = where + "[" + std::to_string(out.size()) + "]";
    if (!item.is_object()) throw ManifestError("\"" + at + "\" must be an object {\"name\", \"description\"}");
    CommandDecl c;
    c.name = string_field(item.get_object(), "name", at + ".");
    c.description = string_field(item.get_object(), "description", at + ".");
    if (!is_command_name(c.name)) {
      throw ManifestError("\"" + at + ".name\": '" + c.name +
                          "' is not a command name (1 to 64 lowercase letters, digits, '-' and '_', starting with a "
                          "letter)");
    }
    const bool one_line = std::none_of(c.description.begin(), c.description.end(),
                                       [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
    if (c.description.empty() || !one_line || c.description.size() > k_max_command_description) {
      throw ManifestError("\"" + at + ".description\" of '" + c.name + "' must be one non-empty line of at most " +
                          std::to_string(k_max_command_description) + " bytes");
    }
    if (!seen.insert(c.name).second) throw ManifestError("\"" + where + "\" lists '" + c.name + "' twice");
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

bool is_command_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

bool is_python_component_name(std::string_view name) {
  if (name.empty()) return false;
  const auto parts = dotted_parts(name);
  for (const auto part : parts) {
    if (part.empty()) return false;
    for (char c : part) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) return false;
    }
  }
  const auto last = parts.back();
  return parts.size() == 1 || (last != "py" && last != "yaml" && last != "yml");
}

bool is_python_module_path(std::string_view module) {
  if (module.empty()) return false;
  for (const auto part : dotted_parts(module)) {
    if (!is_identifier(part)) return false;
  }
  return true;
}

Manifest parse_manifest_text(const std::string& text, const std::filesystem::path& path) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) throw ManifestError("not valid JSON: " + ec.message());
  if (!root.is_object()) throw ManifestError("not a JSON object");
  const std::string format = string_field(root.get_object(), "file_format_version", "");
  if (format != "1" && format.rfind("1.", 0) != 0) {
    throw ManifestError("unsupported file_format_version '" + format + "' (this torchx reads 1.x.y)");
  }
  const json::value& plugin_value = field(root.get_object(), "plugin", "");
  if (!plugin_value.is_object()) throw ManifestError("\"plugin\" must be an object");
  const json::object& plugin = plugin_value.get_object();

  Manifest m;
  m.path = path;
  m.name = string_field(plugin, "name", "plugin.");
  if (m.name.empty()) throw ManifestError("\"plugin.name\" is empty");
  m.version = string_field(plugin, "version", "plugin.");
  m.description = string_field(plugin, "description", "plugin.", false);
  m.python_components = python_components(plugin);
  const bool python_only = plugin.if_contains("library_path") == nullptr && !m.python_components.empty();
  if (python_only) {
    // Nothing to load: no ABI, and nothing but Python components to provide.
    if (plugin.if_contains("abi_versions") != nullptr) {
      throw ManifestError(
          "\"plugin.abi_versions\" needs \"plugin.library_path\" (a plugin of Python components only "
          "has no library)");
    }
    if (const auto* provides = plugin.if_contains("provides"); provides != nullptr) {
      if (!provides->is_object()) throw ManifestError("\"plugin.provides\" must be an object");
      std::set<std::string> seen;
      for (const char* key : {"schedulers", "components", "trackers", "named_resources"}) {
        if (!names(provides->get_object(), key, seen).empty()) {
          throw ManifestError("\"plugin.provides." + std::string(key) +
                              "\" needs \"plugin.library_path\" (a plugin without a library provides only "
                              "\"plugin.python_components\")");
        }
      }
      if (!commands(provides->get_object()).empty()) {
        throw ManifestError(
            "\"plugin.provides.commands\" needs \"plugin.library_path\" (a plugin without a library provides only "
            "\"plugin.python_components\")");
      }
    }
    return m;
  }
  const std::string library = string_field(plugin, "library_path", "plugin.");
  if (library.empty()) throw ManifestError("\"plugin.library_path\" is empty");
  m.library_path = std::filesystem::path(library).is_absolute() ? std::filesystem::path(library)
                                                                 : (path.parent_path() / library).lexically_normal();

  const json::value& abi = field(plugin, "abi_versions", "plugin.");
  if (!abi.is_array() || abi.get_array().empty()) throw ManifestError("\"plugin.abi_versions\" must be a non-empty array");
  for (const auto& v : abi.get_array()) {
    if (!v.is_int64() || v.get_int64() <= 0 || v.get_int64() > 1000000) {
      throw ManifestError("\"plugin.abi_versions\" must hold positive integers");
    }
    m.abi_versions.push_back(static_cast<std::uint32_t>(v.get_int64()));
  }

  const json::value& provides = field(plugin, "provides", "plugin.");
  if (!provides.is_object()) throw ManifestError("\"plugin.provides\" must be an object");
  std::set<std::string> seen;
  m.provides.schedulers = names(provides.get_object(), "schedulers", seen);
  m.provides.components = names(provides.get_object(), "components", seen);
  m.provides.trackers = names(provides.get_object(), "trackers", seen);
  m.provides.named_resources = names(provides.get_object(), "named_resources", seen);
  m.commands = commands(provides.get_object());
  for (const auto& c : m.python_components) {
    if (seen.contains("components:" + c.name)) {
      throw ManifestError("\"plugin.python_components\" lists '" + c.name +
                          "', which \"plugin.provides.components\" lists too");
    }
  }
  return m;
}

Manifest parse_manifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ManifestError("cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_manifest_text(text.str(), path);
}

namespace {

json::array to_array(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

const json::value& cached(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) throw ManifestError("cached manifest: missing \"" + std::string(key) + "\"");
  return *v;
}

std::string cached_string(const json::object& o, std::string_view key) {
  const json::value& v = cached(o, key);
  if (!v.is_string()) throw ManifestError("cached manifest: \"" + std::string(key) + "\" is not a string");
  return std::string(v.get_string());
}

const json::object& cached_object(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw ManifestError("cached manifest: " + std::string(what) + " is not an object");
  return v.get_object();
}

std::vector<std::string> cached_strings(const json::object& o, std::string_view key) {
  const json::value& v = cached(o, key);
  if (!v.is_array()) throw ManifestError("cached manifest: \"" + std::string(key) + "\" is not an array");
  std::vector<std::string> out;
  out.reserve(v.get_array().size());
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) throw ManifestError("cached manifest: \"" + std::string(key) + "\" holds a non-string");
    out.emplace_back(item.get_string());
  }
  return out;
}

}  // namespace

json::value manifest_to_json(const Manifest& m) {
  json::array abi;
  for (auto v : m.abi_versions) abi.emplace_back(static_cast<std::int64_t>(v));
  json::array python;
  for (const auto& c : m.python_components) {
    python.push_back(json::object{{"name", c.name}, {"module", c.module}, {"function", c.function}});
  }
  json::array commands;
  for (const auto& c : m.commands) commands.push_back(json::object{{"name", c.name}, {"description", c.description}});
  return json::object{{"path", m.path.string()},
                      {"name", m.name},
                      {"version", m.version},
                      {"description", m.description},
                      {"library_path", m.library_path.string()},
                      {"abi_versions", std::move(abi)},
                      {"provides", json::object{{"schedulers", to_array(m.provides.schedulers)},
                                                {"components", to_array(m.provides.components)},
                                                {"trackers", to_array(m.provides.trackers)},
                                                {"named_resources", to_array(m.provides.named_resources)}}},
                      {"python_components", std::move(python)},
                      {"commands", std::move(commands)}};
}

Manifest manifest_from_json(const json::value& v) {
  const json::object& o = cached_object(v, "the manifest");
  Manifest m;
  m.path = cached_string(o, "path");
  m.name = cached_string(o, "name");
  m.version = cached_string(o, "version");
  m.description = cached_string(o, "description");
  m.library_path = cached_string(o, "library_path");
  const json::value& abi = cached(o, "abi_versions");
  if (!abi.is_array()) throw ManifestError("cached manifest: \"abi_versions\" is not an array");
  for (const auto& a : abi.get_array()) {
    const auto version = a.if_int64();
    if (version == nullptr || *version <= 0 || *version > 1000000) {
      throw ManifestError("cached manifest: \"abi_versions\" holds a non-version");
    }
    m.abi_versions.push_back(static_cast<std::uint32_t>(*version));
  }
  const json::object& provides = cached_object(cached(o, "provides"), "\"provides\"");
  m.provides.schedulers = cached_strings(provides, "schedulers");
  m.provides.components = cached_strings(provides, "components");
  m.provides.trackers = cached_strings(provides, "trackers");
  m.provides.named_resources = cached_strings(provides, "named_resources");
  const json::value& python = cached(o, "python_components");
  if (!python.is_array()) throw ManifestError("cached manifest: \"python_components\" is not an array");
  for (const auto& c : python.get_array()) {
    const json::object& co = cached_object(c, "a Python component");
    m.python_components.push_back({cached_string(co, "name"), cached_string(co, "module"), cached_string(co, "function")});
  }
  const json::value& commands = cached(o, "commands");
  if (!commands.is_array()) throw ManifestError("cached manifest: \"commands\" is not an array");
  for (const auto& c : commands.get_array()) {
    const json::object& co = cached_object(c, "a command");
    m.commands.push_back({cached_string(co, "name"), cached_string(co, "description")});
  }
  return m;
}

}  // namespace torchx::manifests
