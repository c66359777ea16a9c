// SPDX-License-Identifier: BSD-3-Clause
// The ordered list of directories where plugin manifests are looked for (DESIGN §5).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace torchx::loader {

/// One directory of the search path and why it is there ("--plugin-path", "TORCHX_PLUGIN_PATH",
/// "user", "system", "bundled", "TORCHX_PLUGIN_SYSTEM_PATH").
struct SearchDir {
  std::filesystem::path path;
  std::string origin;
};

/// What the search path is computed from. `getenv` and `secure` are seams for tests.
struct SearchPathInputs {
  std::vector<std::string> cli_dirs;  ///< --plugin-path, in the order given
  std::function<std::optional<std::string>(const char*)> getenv = default_getenv;
  /// True in a setuid/setgid process (AT_SECURE): env overrides, --plugin-path and user dirs are
  /// ignored, as the Vulkan loader does. Running as root is not "secure" in this sense.
  bool secure = is_secure_process();
  /// The bundled plugins are in `anchor_dir / bundled_relative`: the directory of the file that
  /// embeds the loader (the torchx executable by default; a library such as libtorchx_runtime.so,
  /// loaded by Python, passes its own directory: /proc/self/exe is then the interpreter), and
  /// the path from there to `<prefix>/share/torchx/plugins.d`, computed by CMake from the install
  /// dirs (the build tree has the same layout). An empty anchor means no bundled dir.
  std::filesystem::path anchor_dir = executable_dir();
  std::filesystem::path bundled_relative = bundled_from_bindir();

  static std::optional<std::string> default_getenv(const char* name);
  static bool is_secure_process();
  /// The directory of /proc/self/exe ("" when it cannot be read).
  static std::filesystem::path executable_dir();
  /// The directory of the shared object (or executable) that holds `address` (dladdr, symlinks
  /// resolved); "" when it cannot be found.
  static std::filesystem::path library_dir(const void* address);
  /// The bundled dir relative to the install's bin dir and lib dir (CMake computes both from
  /// CMAKE_INSTALL_{BINDIR,LIBDIR,DATADIR}; "../share/torchx/plugins.d" for the default layout).
  static std::filesystem::path bundled_from_bindir();
  static std::filesystem::path bundled_from_libdir();
};

/// A setting ignored because the process is setuid/setgid: where it came from and its value.
struct IgnoredSetting {
  std::string source;  ///< "--plugin-path", "TORCHX_PLUGIN_PATH", ..., "user dir"
  std::string value;
};

/// What a setuid/setgid process ignores (empty when `inputs.secure` is false): each
/// --plugin-path, each non-empty TORCHX_PLUGIN_PATH, TORCHX_PLUGIN_SYSTEM_PATH,
/// TORCHX_PLUGINS_DISABLE, TORCHX_PLUGIN_POLICY, XDG_DATA_HOME and XDG_DATA_DIRS, and the user
/// dir; also an empty TORCHX_PLUGIN_POLICY (which would mean "no policy"), with the value
/// "(empty)". For diagnostics only (`torchx plugins`, TORCHX_PLUGIN_DEBUG); never throws.
std::vector<IgnoredSetting> ignored_settings(const SearchPathInputs& inputs);

/// The user dir ($XDG_DATA_HOME/torchx/plugins.d, else ~/.local/share/torchx/plugins.d);
/// nullopt in a setuid/setgid process or when neither variable is set. Whether or not
/// TORCHX_PLUGIN_SYSTEM_PATH keeps it off the search path.
std::optional<std::filesystem::path> user_plugin_dir(const SearchPathInputs& inputs);

/// The search path, first match first: --plugin-path dirs, TORCHX_PLUGIN_PATH (':'-separated),
/// then either TORCHX_PLUGIN_SYSTEM_PATH (replacing the rest) or the user dir
/// ($XDG_DATA_HOME/torchx/plugins.d, default ~/.local/share/...), /etc/torchx/plugins.d,
/// each of $XDG_DATA_DIRS/torchx/plugins.d (default /usr/local/share:/usr/share), and the bundled
/// dir (`anchor_dir / bundled_relative`). Duplicates keep their first place.
std::vector<SearchDir> plugin_search_path(const SearchPathInputs& inputs);

}  // namespace torchx::loader
