// SPDX-License-Identifier: BSD-3-Clause
// Python component packages (docs/python.md): the analogue of TorchX's `torchx.components` entry
// points. `torchx plugins add-python NAME` asks the user's python3 which components an installed
// distribution (or module) has, and writes a manifest that lists them (`python_components`), so
// that listing them never starts Python and running them goes through the evaluator.
#pragma once

#include "python_evaluator.hpp"

#include <torchx/manifest.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace torchx::loader {
class Registry;
}

namespace torchx::runner {

/// What the finder (python/torchx/_find_components.py) read of a package.
struct PythonPackage {
  std::string distribution;  ///< its name as installed; empty when NAME was a module
  std::string version;       ///< the distribution's version ("" for a module)
  std::string summary;       ///< the distribution's one-line summary
  std::vector<manifests::PythonComponent> components;
  /// Components (or entry points, or submodules) not taken, and why, one line each.
  std::vector<std::pair<std::string, std::string>> left_out;
};

/// Runs the finder with the interpreter of `options` on `name` (a distribution, else a module
/// whose components are named `prefix.fn`). What the package's modules print goes to
/// `child_stderr`. Throws ComponentError: the interpreter or torchx's package cannot be found,
/// a setuid/setgid process, the finder's own one-line error (no such distribution or module, no
/// `torchx.components` entry points, a module that does not import), or a malformed answer.
PythonPackage find_python_package(const PythonEvaluatorOptions& options, const std::string& name,
                                  const std::string& prefix, std::string& child_stderr);

/// The plugin name a package's manifest gets: the distribution's name normalized as pip does
/// (lowercase; runs of '-', '_', '.' become '-'), else the module name.
std::string python_plugin_name(const PythonPackage& package, const std::string& name);

/// Moves to `left_out` each component whose name `registry` gives to a plugin other than
/// `plugin_name`: a Python package never replaces a builtin (or any other plugin's component).
void leave_out_taken_names(PythonPackage& package, const loader::Registry& registry, const std::string& plugin_name);

/// Where a package's manifest goes, once the rules allow it.
struct PythonPlugin {
  std::string name;            ///< python_plugin_name
  std::filesystem::path file;  ///< `<dir>/<name>.json`
  bool on_search_path = false;  ///< whether `dir` is searched (else the manifest is not seen)
  /// A manifest of the same plugin name found first on the search path, which hides this one.
  std::filesystem::path hidden_by;
};

/// Applies the rules of `torchx plugins add-python` for writing `package` (found as `name`)
/// into `dir`: a plugin library's manifest is never overwritten, and a plugin library's name
/// never taken (plugin names are unique on the search path: a distribution called "slurm" would
/// hide the scheduler); names another plugin provides are left out (leave_out_taken_names).
/// Throws ComponentError.
PythonPlugin plan_python_plugin(PythonPackage& package, const std::string& name, const std::filesystem::path& dir,
                                const loader::Registry& registry);

/// Writes the manifest of `plugin` (plugin-api/docs/manifest.md, file format 1.1.0) listing
/// `package.components`, checked by the manifest parser first. Throws ComponentError when
/// nothing is left to list, std::system_error when it cannot be written.
void write_python_plugin(const PythonPlugin& plugin, const PythonPackage& package);

/// The manifest (plugin-api/docs/manifest.md, file format 1.1.0) of a Python-only plugin.
std::string python_manifest_json(const std::string& plugin_name, const PythonPackage& package);

/// Writes `text` to `file` atomically (a temporary file renamed over it), mode 0644, making the
/// missing directories (mode 0755), so that the loader's trust rules accept it. Throws
/// std::system_error.
void write_manifest_file(const std::filesystem::path& file, const std::string& text);

}  // namespace torchx::runner
