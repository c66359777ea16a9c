// SPDX-License-Identifier: BSD-3-Clause
// Where a component reference leads: a component plugin, a YAML component file or a Python
// component file. The one place that tells them apart and opens them (Runner::component_signature
// and Runner::build_component both go through it).
#pragma once

#include "component_args.hpp"

#include <torchx/specs/resource.hpp>
#include <torchx/specs/role.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace torchx::loader {
class Registry;
}

namespace torchx::runner {

struct PythonEvaluatorOptions;

/// A component reference, classified by its syntax (nothing is read or started).
struct ComponentSource {
  enum class Kind {
    plugin,       ///< a name a component plugin provides (`dist.ddp`)
    yaml_file,    ///< `path.yaml:name`, `path.yml`, or an existing file before the last ':' (docs/component-files.md)
    python_file,  ///< `path.py:function` (docs/python.md); `path.py` alone too, refused when opened
    /// A name a manifest's `python_components` maps to `module:function` (a Python component
    /// package, docs/python.md), importable from the evaluator's sys.path.
    python_module,
  };
  Kind kind = Kind::plugin;
  std::string reference;       ///< as given: the name `[component:NAME]` defaults are found under
  std::filesystem::path path;  ///< the file (file kinds); the manifest naming the module (python_module)
  std::string name;            ///< YAML: the component ("" for the only one); Python: the function
  std::string module;          ///< python_module: the dotted module path
  std::string plugin;          ///< python_module: the plugin (manifest) that names it

  /// Classifies `reference` by its syntax alone: `*.py:FN` or `*.py` is a Python file, then the
  /// YAML rules of ComponentFile::parse_reference, else a plugin's component.
  static ComponentSource resolve(const std::string& reference);
  /// The same, then a plugin's component that `registry` finds in a manifest's
  /// `python_components` is a python_module. Reads manifests only: nothing is loaded or started.
  static ComponentSource resolve(const std::string& reference, const loader::Registry& registry);
};

/// A component ready to build: its signature, and the AppDef of a build request. A Python
/// component's evaluator lives as long as this object (one child process per command).
class OpenComponent {
public:
  virtual ~OpenComponent() = default;
  /// The signature as its source declared it (payloads.md, "Component signature").
  [[nodiscard]] virtual const std::string& signature_json() const = 0;
  /// The signature, parsed.
  [[nodiscard]] virtual const ComponentSignature& signature() const = 0;
  /// The AppDef of a build request (build_request's output).
  virtual specs::AppDef build(const std::string& request_json) = 0;
};

/// What opening a component needs from the runner.
struct ComponentContext {
  const loader::Registry& registry;
  /// Resolves a named resource as the runner does (presets, plugins, builtin tables).
  std::function<specs::Resource(const std::string&)> named_resource;
  /// How Python component files are evaluated.
  std::function<const PythonEvaluatorOptions&()> python;
};

/// Opens `source`: loads the plugin, reads the YAML file, or starts the Python evaluator. Throws
/// ComponentNotFoundError (with "did you mean"), ComponentFileError, ComponentError, loader errors.
std::unique_ptr<OpenComponent> open_component(const ComponentSource& source, const ComponentContext& context);

}  // namespace torchx::runner
