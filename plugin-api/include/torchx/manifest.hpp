// SPDX-License-Identifier: BSD-3-Clause
// Plugin manifests (plugin-api/docs/manifest.md): one plugin's JSON description, read without
// loading the plugin. The host's loader and the conformance harness both read them with this.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class value;
}  // namespace boost::json

namespace torchx::manifests {

/// What a plugin says it provides, by kind.
struct Provides {
  std::vector<std::string> schedulers;
  std::vector<std::string> components;
  std::vector<std::string> trackers;
  std::vector<std::string> named_resources;

  bool operator==(const Provides&) const = default;
};

/// A component that is a function of a Python module (a Python component package,
/// docs/python.md): `torchx run NAME` evaluates `module:function` in a Python child process.
struct PythonComponent {
  std::string name;      ///< the name users type (`mypkg.train`)
  std::string module;    ///< a dotted module path (`mypkg.components.train`)
  std::string function;  ///< a function of that module (`train`)

  bool operator==(const PythonComponent&) const = default;
};

/// A command (CLI verb) a plugin declares (`provides.commands`, file format 1.2): enough for
/// `torchx --help` and `torchx plugins` to list it without loading the plugin.
struct CommandDecl {
  std::string name;         ///< the verb users type (`torchx prune`); is_command_name holds
  std::string description;  ///< one line, non-empty, at most k_max_command_description bytes
  friend bool operator==(const CommandDecl&, const CommandDecl&) = default;
};

/// The longest command description a manifest may give (one line of `torchx --help`).
inline constexpr std::size_t k_max_command_description = 200;

/// A parsed, validated manifest (`<dir>/<name>.json`, plugin-api/docs/manifest.md).
struct Manifest {
  std::filesystem::path path;          ///< the manifest file
  std::string name;
  std::string version;
  std::string description;
  /// Absolute: relative paths are resolved against the manifest's dir. Empty for a plugin that
  /// has only Python components (nothing to load).
  std::filesystem::path library_path;
  std::vector<std::uint32_t> abi_versions;  ///< empty exactly when library_path is
  Provides provides;
  /// `plugin.python_components`, sorted by name. Their names are components too, never listed
  /// in `provides.components` as well.
  std::vector<PythonComponent> python_components;
  /// `plugin.provides.commands` (file format 1.2), in manifest order. Each needs a
  /// tx_command_api of that name in the library, and the library may provide no other.
  std::vector<CommandDecl> commands;

  /// Whether there is a library to load (false for a Python-only plugin).
  [[nodiscard]] bool has_library() const { return !library_path.empty(); }
  /// The Python component named `component`, or nullptr.
  [[nodiscard]] const PythonComponent* python_component(std::string_view component) const {
    for (const auto& c : python_components) {
      if (c.name == component) return &c;
    }
    return nullptr;
  }

  /// Every field equal (a field added later is compared too: the cache's round-trip test relies on it).
  bool operator==(const Manifest&) const = default;
};

/// Whether `name` may name a Python component: dot-separated parts of ASCII letters, digits,
/// `_` and `-`, none empty, and not read as a component file (`*.py`, `*.yaml`, `*.yml`).
bool is_python_component_name(std::string_view name);
/// Whether `name` may name a command (a CLI verb): 1 to 64 bytes of lowercase ASCII letters,
/// digits, '-' and '_', starting with a letter.
bool is_command_name(std::string_view name);
/// Whether `module` is a dotted path of ASCII Python identifiers (`a.b_c.d1`).
bool is_python_module_path(std::string_view module);

/// A manifest that cannot be used; `what()` is the reason (without the path).
class ManifestError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Reads and validates the manifest at `path`. Throws ManifestError naming the first problem:
/// unreadable, not JSON, file_format_version not 1.x.y, a missing or mistyped field, an empty
/// name, an ABI list without a version, a name used twice in `provides`, a Python component
/// whose name or `module:function` target is malformed, a command whose name or description is
/// malformed (or listed twice), or a library-less manifest that provides something other than
/// Python components.
Manifest parse_manifest(const std::filesystem::path& path);

/// The same from text, as if read from `path`.
Manifest parse_manifest_text(const std::string& text, const std::filesystem::path& path);

/// The parsed manifest, every field of it, as JSON (the host's discovery cache kept this up to
/// its format 2; format 3 has its own encoding, host/loader/manifest_cache.hpp, which must carry
/// the same fields). Not the manifest file format (no file_format_version, paths already resolved).
/// A field added to Manifest (or Provides, PythonComponent, CommandDecl) must be added here and to
/// manifest_from_json; the round-trip test (tests/abi/test_loader_manifest_cache.cpp) fails to
/// compile until it is covered there too. Never throws except std::bad_alloc.
boost::json::value manifest_to_json(const Manifest& manifest);

/// The inverse of manifest_to_json. Throws ManifestError when `v` is not what manifest_to_json
/// writes (a corrupt or foreign cache): a field missing or of another type.
Manifest manifest_from_json(const boost::json::value& v);

}  // namespace torchx::manifests
