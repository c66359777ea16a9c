// SPDX-License-Identifier: BSD-3-Clause
#include "python_package.hpp"

#include <torchx/util/process.hpp>
#include "errors.hpp"
#include "registry.hpp"

#include <torchx/util/input_checks.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

namespace json = boost::json;

namespace torchx::runner {
namespace {

/// How long reading a package may take (imports of big packages are slow, but never this slow).
constexpr std::chrono::seconds k_find_timeout{120};

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

[[noreturn]] void malformed(const std::string& name, const std::string& why) {
  throw ComponentError("reading the Python package '" + name + "': torchx's finder answered " + why);
}

}  // namespace

PythonPackage find_python_package(const PythonEvaluatorOptions& options, const std::string& name,
                                  const std::string& prefix, std::string& child_stderr) {
  const std::string what = "reading the Python package '" + name + "': ";
  if (options.secure) {
    throw ComponentError(what +
                         "a setuid or setgid torchx does not run Python (it would run the caller's interpreter "
                         "with its privileges)");
  }
  if (options.package_dir.empty()) throw ComponentError(what + "torchx's Python package was not found");
  if (const auto program = find_program(options.python); !program || ::access(program->c_str(), X_OK) != 0) {
    throw ComponentError(what + "the Python interpreter '" + options.python +
                         "' was not found (set TORCHX_PYTHON to the python3 to use)");
  }
  util::ProcessOptions process;
  for (const auto& [k, v] : options.env) process.env.emplace_back(k, v);
  process.timeout = k_find_timeout;
  process.new_process_group = true;
  util::ProcessResult r;
  try {
    r = util::run_process(
        {options.python, (options.package_dir / "torchx" / "_find_components.py").string(), name, prefix}, process);
  } catch (const std::exception& e) {
    throw ComponentError(what + "cannot run the Python interpreter '" + options.python + "': " + e.what() +
                         " (set TORCHX_PYTHON to the python3 to use)");
  }
  child_stderr = std::move(r.err);
  if (r.timed_out) throw ComponentError(what + "'" + options.python + "' did not finish within 120 s");
  if (r.signaled || r.exit_code != 0) {
    throw ComponentError(what + "'" + options.python + "' " +
                         (r.signaled ? "was killed by signal " + std::to_string(r.exit_code)
                                     : "exited with status " + std::to_string(r.exit_code)) +
                         " (its messages, if any, are above)");
  }
  boost::system::error_code ec;
  const json::value answer = json::parse(r.out, ec);
  if (ec || !answer.is_object()) malformed(name, "something that is not a JSON object: " + util::printable(r.out, 200));
  const auto& o = answer.as_object();
  if (const auto* error = o.if_contains("error"); error != nullptr) {
    throw ComponentError(what + (error->is_string() ? util::printable(error->get_string(), 4000) : "(no message)"));
  }
  PythonPackage package;
  package.distribution = string_of(o, "distribution");
  package.version = string_of(o, "version");
  package.summary = string_of(o, "summary");
  const auto* components = o.if_contains("components");
  const auto* left_out = o.if_contains("left_out");
  if (components == nullptr || !components->is_array() || left_out == nullptr || !left_out->is_array()) {
    malformed(name, "without \"components\" and \"left_out\" arrays");
  }
  for (const auto& c : components->as_array()) {
    if (!c.is_object()) malformed(name, "a component that is not an object");
    manifests::PythonComponent component{string_of(c.as_object(), "name"), string_of(c.as_object(), "module"),
                                         string_of(c.as_object(), "function")};
    if (!manifests::is_python_component_name(component.name)) {
      package.left_out.emplace_back(component.name,
                                    "not a component name torchx accepts (dot-separated parts of "
                                    "letters, digits, '_' and '-')");
      continue;
    }
    package.components.push_back(std::move(component));
  }
  for (const auto& l : left_out->as_array()) {
    if (l.is_object())
      package.left_out.emplace_back(string_of(l.as_object(), "name"), string_of(l.as_object(), "reason"));
  }
  return package;
}

std::string python_plugin_name(const PythonPackage& package, const std::string& name) {
  if (package.distribution.empty()) return name;
  std::string out;
  for (char c : package.distribution) {
    const bool separator = c == '-' || c == '_' || c == '.';
    if (separator) {
      if (out.empty() || out.back() != '-') out += '-';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

void leave_out_taken_names(PythonPackage& package, const loader::Registry& registry, const std::string& plugin_name) {
  std::vector<manifests::PythonComponent> kept;
  for (auto& c : package.components) {
    const loader::PluginEntry* owner = registry.provider(loader::Kind::component, c.name);
    if (owner == nullptr || owner->manifest.name == plugin_name) {
      kept.push_back(std::move(c));
      continue;
    }
    package.left_out.emplace_back(c.name, "plugin '" + owner->manifest.name + "' provides a component of that name (" +
                                              owner->manifest.path.string() +
                                              "), and a Python package never replaces one");
  }
  package.components = std::move(kept);
}

PythonPlugin plan_python_plugin(PythonPackage& package, const std::string& name, const std::filesystem::path& dir,
                                const loader::Registry& registry) {
  PythonPlugin plugin;
  plugin.name = python_plugin_name(package, name);
  plugin.file = dir / (plugin.name + ".json");
  std::error_code ec;
  if (std::filesystem::exists(plugin.file, ec)) {
    bool is_library = false;
    try {
      is_library = manifests::parse_manifest(plugin.file).has_library();
    } catch (const manifests::ManifestError&) {
      // a broken manifest of that name: replaced
    }
    if (is_library) {
      throw ComponentError("manifest " + plugin.file.string() +
                           " is a plugin library's, not a Python package's: not overwritten");
    }
  }
  if (const auto* other = registry.plugin(plugin.name);
      other != nullptr && other->manifest.has_library() && other->manifest.path != plugin.file) {
    throw ComponentError("plugin '" + plugin.name + "' is a plugin library's name (" + other->manifest.path.string() +
                         "): a Python package's manifest of that name would hide it or be hidden; not written");
  }
  leave_out_taken_names(package, registry, plugin.name);
  const auto& path = registry.search_path();
  plugin.on_search_path = std::any_of(path.begin(), path.end(), [&](const auto& d) { return d.path == dir; });
  if (const auto* first = registry.plugin(plugin.name); first != nullptr && first->manifest.path != plugin.file) {
    plugin.hidden_by = first->manifest.path;
  }
  return plugin;
}

void write_python_plugin(const PythonPlugin& plugin, const PythonPackage& package) {
  if (package.components.empty()) {
    throw ComponentError("'" + plugin.name + "' has no components to add" +
                         (package.left_out.empty() ? std::string(" (no function returning AppDef passes TorchX's rules)")
                                                   : std::string(" (see the warnings above)")));
  }
  const std::string text = python_manifest_json(plugin.name, package);
  (void)manifests::parse_manifest_text(text, plugin.file);  // what is written, the loader reads
  write_manifest_file(plugin.file, text);
}

std::string python_manifest_json(const std::string& plugin_name, const PythonPackage& package) {
  json::object components;
  for (const auto& c : package.components) components[c.name] = c.module + ":" + c.function;
  json::object plugin{{"name", plugin_name},
                      {"version", package.version.empty() ? std::string("0") : package.version},
                      {"description", package.summary}};
  plugin["python_components"] = std::move(components);
  if (!package.distribution.empty()) plugin["x_torchx_python_distribution"] = package.distribution;
  const json::object root{{"file_format_version", "1.1.0"}, {"plugin", std::move(plugin)}};
  return json::serialize(root) + "\n";
}

void write_manifest_file(const std::filesystem::path& file, const std::string& text) {
  const std::filesystem::path dir = file.parent_path();
  // Each missing directory is made 0755 whatever the umask: the loader refuses a plugin dir that
  // its group or others can write.
  std::vector<std::filesystem::path> missing;
  for (auto d = dir; !d.empty() && !std::filesystem::exists(d); d = d.parent_path()) {
    missing.push_back(d);
    if (d == d.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      throw std::system_error(errno, std::generic_category(), "cannot create " + it->string());
    }
    ::chmod(it->c_str(), 0755);
  }
  const std::filesystem::path tmp = dir / ("." + file.filename().string() + ".tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::system_error(EIO, std::generic_category(), "cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0644);
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw std::system_error(ec, "cannot write " + file.string());
  }
}

}  // namespace torchx::runner
