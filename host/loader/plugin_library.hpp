// SPDX-License-Identifier: BSD-3-Clause
// PluginLibrary: a plugin .so opened with Boost.DLL, negotiated and checked; never unloaded.
#pragma once

#include "manifest.hpp"

#include <torchx/plugin_api.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torchx::loader {

/// A plugin that could not be loaded or negotiated. `what()` names the plugin, its manifest and
/// the reason: "plugin 'slurm' (/usr/share/torchx/plugins.d/slurm.json): ABI 2 not supported".
class PluginLoadError : public std::runtime_error {
public:
  PluginLoadError(const Manifest& manifest, const std::string& reason);
  [[nodiscard]] const std::string& reason() const { return m_reason; }

private:
  std::string m_reason;
};

/// The steps of PluginLibrary::load, in order, for reporting where a crash or hang happened.
enum class LoadStage {
  open,       ///< dlopen: the library's static constructors run
  negotiate,  ///< tx_plugin_negotiate runs
  validate,   ///< the host re-checks the answer (reads the plugin's tables)
};

/// A loaded, negotiated plugin. The library stays loaded for the life of the process (plugins
/// are never unloaded: their tables and strings must stay valid). Thread-safe to read.
class PluginLibrary {
public:
  /// Refuses a library that is not trusted (untrusted_reason in trust.hpp: owned by someone
  /// other than root or the invoking user, writable by group or others, or under such a parent),
  /// as manifests and plugin dirs are, before opening it. Opens `manifest.library_path`
  /// (RTLD_NOW | RTLD_LOCAL), finds tx_plugin_negotiate, offers ABI
  /// 1..1, and re-checks the answer: the ABI version (in range and listed in the manifest), name
  /// and version equal to the manifest's, every table as torchx::abi::check_tables accepts it
  /// (struct_size at least its v1 size, a unique name, its required members), and exactly the
  /// names the manifest lists under `provides` (commands included: a verb the manifest declares
  /// and the library lacks, or the reverse, refuses the plugin).
  /// Throws PluginLoadError with the first problem. `on_stage`, when set, is called as each
  /// LoadStage begins (`torchx __plugin-probe` prints them so its parent can say where a crash
  /// happened); it must not throw.
  static std::shared_ptr<const PluginLibrary> load(const Manifest& manifest,
                                                   const std::function<void(LoadStage)>& on_stage = {});

  [[nodiscard]] const Manifest& manifest() const { return m_manifest; }
  [[nodiscard]] std::uint32_t abi_version() const { return m_info.abi_version; }
  /// The table providing `name`, or nullptr.
  [[nodiscard]] const tx_scheduler_api* scheduler(std::string_view name) const;
  [[nodiscard]] const tx_component_api* component(std::string_view name) const;
  [[nodiscard]] const tx_tracker_api* tracker(std::string_view name) const;
  [[nodiscard]] const tx_named_resources_api* named_resources(std::string_view name) const;
  /// The command (verb) table `name` (ABI revision 1.1), or nullptr: a plugin built against an
  /// older header has none.
  [[nodiscard]] const tx_command_api* command(std::string_view name) const;

private:
  PluginLibrary(Manifest manifest, const tx_plugin_info& info) : m_manifest(std::move(manifest)), m_info(info) {}
  Manifest m_manifest;
  tx_plugin_info m_info;
};

/// The host's ABI range (min, max).
inline constexpr std::uint32_t k_host_min_abi = 1;
inline constexpr std::uint32_t k_host_max_abi = TX_ABI_VERSION;

}  // namespace torchx::loader
