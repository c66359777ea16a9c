// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/manifest.hpp>

#include <boost/json.hpp>

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

}  // namespace

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
  return m;
}

Manifest parse_manifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ManifestError("cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_manifest_text(text.str(), path);
}

}  // namespace torchx::manifests
