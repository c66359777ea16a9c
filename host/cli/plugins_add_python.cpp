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

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace torchx::cli {

int add_python_plugin(const Invocation& inv, const std::string& name, const std::string& prefix, std::string dir_arg) {
  if (name.empty()) {
    throw UsageError("plugins add-python needs a distribution or module name (usage: torchx plugins add-python NAME)");
  }
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
  const runner::PythonPlugin plugin = runner::plan_python_plugin(package, name, dir, registry);
  for (const auto& [component, reason] : package.left_out) {
    inv.err << "torchx: warning: left out '" << component << "': " << reason << "\n";
  }
  runner::write_python_plugin(plugin, package);

  inv.out << "wrote " << plugin.file.string() << ": plugin '" << plugin.name << "'"
          << (package.version.empty() ? "" : " " + package.version) << ", " << package.components.size()
          << (package.components.size() == 1 ? " component" : " components") << "\n";
  std::size_t width = 0;
  for (const auto& c : package.components) width = std::max(width, c.name.size());
  for (const auto& c : package.components) {
    inv.out << fmt::format("  {:<{}}  {}:{}\n", c.name, width, c.module, c.function);
  }
  if (!plugin.on_search_path) {
    inv.err << "torchx: warning: " << dir.string()
            << " is not on the plugin search path: add it with --plugin-path or TORCHX_PLUGIN_PATH (see: torchx "
               "plugins)\n";
  } else if (!plugin.hidden_by.empty()) {
    inv.err << "torchx: warning: plugin '" << plugin.name << "' of " << plugin.hidden_by.string()
            << " comes first on the search path and hides this one\n";
  }
  return k_exit_ok;
}

}  // namespace torchx::cli
