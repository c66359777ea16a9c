// SPDX-License-Identifier: BSD-3-Clause
// `torchx plugins add-python NAME [--prefix P] [--dir DIR]`: writes the manifest of an installed
// Python component package (its `torchx.components` entry points), docs/python.md.
#include "command.hpp"
#include "exit_codes.hpp"
#include "python_package.hpp"
#include "registry.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/manifest.hpp>
#include <torchx/specs/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <system_error>

namespace torchx::cli {

int add_python_plugin(const Invocation& inv, const std::string& name, const std::string& prefix, std::string dir_arg) {
  if (name.empty())
    throw UsageError("plugins add-python needs a distribution or module name (usage: torchx plugins add-python NAME)");
  if (!prefix.empty() && !manifests::is_python_component_name(prefix)) {
    throw UsageError("--prefix '" + prefix + "' is not a component name prefix (letters, digits, '_', '-' and '.')");
  }
  const auto& registry = inv.session.registry_unchecked();
  loader::SearchPathInputs inputs;
  std::filesystem::path dir;
  if (!dir_arg.empty()) {
    dir = std::filesystem::absolute(dir_arg).lexically_normal();
  } else if (const auto user = loader::user_plugin_dir(inputs)) {
    dir = *user;
  } else {
    throw UsageError("no user plugin dir (neither XDG_DATA_HOME nor HOME is set): give one with --dir DIR");
  }

  std::string child_stderr;
  runner::PythonPackage package;
  try {
    package = runner::find_python_package(inv.session.runner().python_evaluator(), name, prefix, child_stderr);
  } catch (...) {
    inv.err << child_stderr;
    throw;
  }
  inv.err << child_stderr;
  const std::string plugin = runner::python_plugin_name(package, name);
  const std::filesystem::path file = dir / (plugin + ".json");

  // Never overwrite a plugin library's manifest; a Python package's own (an earlier import) is
  // rewritten.
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    try {
      if (manifests::parse_manifest(file).has_library()) {
        throw specs::Error("manifest " + file.string() +
                           " is a plugin library's, not a Python package's: not overwritten");
      }
    } catch (const manifests::ManifestError&) {
      // a broken manifest of that name: replaced
    }
  }
  // Plugin names are unique on the search path (the first found wins): a package must not take
  // the name of a plugin library (a distribution called "slurm" would hide the scheduler).
  if (const auto* other = registry.plugin(plugin);
      other != nullptr && other->manifest.has_library() && other->manifest.path != file) {
    throw specs::Error("plugin '" + plugin + "' is a plugin library's name (" + other->manifest.path.string() +
                       "): a Python package's manifest of that name would hide it or be hidden; not written");
  }
  runner::leave_out_taken_names(package, registry, plugin);
  for (const auto& [component, reason] : package.left_out) {
    inv.err << "torchx: warning: left out '" << component << "': " << reason << "\n";
  }
  if (package.components.empty()) {
    throw specs::Error("'" + name + "' has no components to add" +
                       (package.left_out.empty() ? std::string(" (no function returning AppDef passes TorchX's rules)")
                                                 : std::string(" (see the warnings above)")));
  }
  const std::string text = runner::python_manifest_json(plugin, package);
  (void)manifests::parse_manifest_text(text, file);  // what we write, the loader reads
  runner::write_manifest_file(file, text);

  inv.out << "wrote " << file.string() << ": plugin '" << plugin << "'"
          << (package.version.empty() ? "" : " " + package.version) << ", " << package.components.size()
          << (package.components.size() == 1 ? " component" : " components") << "\n";
  std::size_t width = 0;
  for (const auto& c : package.components) width = std::max(width, c.name.size());
  for (const auto& c : package.components) {
    inv.out << fmt::format("  {:<{}}  {}:{}\n", c.name, width, c.module, c.function);
  }
  const auto& path = registry.search_path();
  const bool searched = std::any_of(path.begin(), path.end(), [&](const auto& d) { return d.path == dir; });
  if (!searched) {
    inv.err
        << "torchx: warning: " << dir.string()
        << " is not on the plugin search path: add it with --plugin-path or TORCHX_PLUGIN_PATH (see: torchx plugins)\n";
  } else if (const auto* first = registry.plugin(plugin); first != nullptr && first->manifest.path != file) {
    inv.err << "torchx: warning: plugin '" << plugin << "' of " << first->manifest.path.string()
            << " comes first on the search path and shadows this one\n";
  }
  return k_exit_ok;
}

}  // namespace torchx::cli
