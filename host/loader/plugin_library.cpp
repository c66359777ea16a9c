// SPDX-License-Identifier: BSD-3-Clause
#include "plugin_library.hpp"

#include "sink.hpp"
#include "trust.hpp"

#include <torchx/abi_check.hpp>

#include <boost/dll/shared_library.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <mutex>
#include <set>

namespace torchx::loader {
namespace {

/// Libraries are kept here for the life of the process and never closed (plugin-api/docs/abi.md: never unload).
std::deque<boost::dll::shared_library>& resident_libraries() {
  static auto* libraries = new std::deque<boost::dll::shared_library>();
  return *libraries;
}
std::mutex& load_mutex() {
  static std::mutex m;
  return m;
}

/// Plugin log messages, routed to the host's logger with the plugin's name. `ctx` is the name,
/// kept alive in a never-freed set.
void host_log(void* ctx, tx_log_level level, const char* message) {
  const char* name = static_cast<const char*>(ctx);
  const char* text = message != nullptr ? message : "";
  switch (level) {
    case TX_LOG_DEBUG: spdlog::debug("plugin '{}': {}", name, text); break;
    case TX_LOG_INFO: spdlog::info("plugin '{}': {}", name, text); break;
    case TX_LOG_WARNING: spdlog::warn("plugin '{}': {}", name, text); break;
    default: spdlog::error("plugin '{}': {}", name, text); break;
  }
}
const char* stable_name(const std::string& name) {
  static auto* names = new std::set<std::string>();
  return names->insert(name).first->c_str();
}

/// The library must be trusted as manifests and plugin dirs are (trust.hpp): refused before
/// anything in it runs. Judged afresh at load (a new memo: nothing discovery read is reused), with
/// TrustMemo's string walk: untrusted_reason's verdict and text (test "loader::TrustMemo: the same
/// verdict and text as untrusted_reason ...") at about a fifth of its instructions.
void refuse_if_untrusted(const Manifest& m) {
  TrustMemo memo{TrustInputs{}};
  if (const auto why = memo.file_reason(m.library_path.string())) {
    throw PluginLoadError(m, "library " + m.library_path.string() + " " + *why + ", refused");
  }
}

template <typename Table>
void check_names(const Manifest& m, const char* kind, const Table* const* tables, std::uint32_t count,
                 const std::vector<std::string>& listed) {
  if (count > 0 && tables == nullptr) throw PluginLoadError(m, std::string(kind) + " list is NULL");
  std::set<std::string> given;
  for (std::uint32_t i = 0; i < count; ++i) {
    const Table* t = tables[i];
    if (t == nullptr || t->name == nullptr) continue;  // reported by check_table
    if (std::find(listed.begin(), listed.end(), t->name) == listed.end()) {
      std::string listed_text;
      for (const auto& name : listed) listed_text += (listed_text.empty() ? "'" : ", '") + name + "'";
      throw PluginLoadError(m, std::string("provides ") + kind + " '" + t->name + "', which its manifest does not list (" +
                                   (listed.empty() ? std::string("it lists none") : "it lists " + listed_text) +
                                   "; rebuild after renaming)");
    }
    given.insert(t->name);
  }
  for (const auto& name : listed) {
    if (!given.contains(name)) {
      throw PluginLoadError(m, std::string("its manifest lists ") + kind + " '" + name + "', which the plugin does not provide");
    }
  }
}

template <typename Table>
const Table* find(const Table* const* tables, std::uint32_t count, std::string_view name) {
  for (std::uint32_t i = 0; i < count; ++i) {
    if (tables[i] != nullptr && tables[i]->name != nullptr && name == tables[i]->name) return tables[i];
  }
  return nullptr;
}

const tx_command_api* const* commands_of(const tx_plugin_info& info) {
  return TX_HAS_MEMBER(&info, tx_plugin_info, num_commands) ? info.commands : nullptr;
}
std::uint32_t num_commands_of(const tx_plugin_info& info) {
  return TX_HAS_MEMBER(&info, tx_plugin_info, num_commands) ? info.num_commands : 0;
}

void validate(const Manifest& m, const tx_plugin_info& info) {
  if (info.abi_version < k_host_min_abi || info.abi_version > k_host_max_abi) {
    throw PluginLoadError(m, "answered ABI " + std::to_string(info.abi_version) + ", this torchx supports " +
                                 std::to_string(k_host_min_abi) + ".." + std::to_string(k_host_max_abi));
  }
  if (std::find(m.abi_versions.begin(), m.abi_versions.end(), info.abi_version) == m.abi_versions.end()) {
    throw PluginLoadError(m, "answered ABI " + std::to_string(info.abi_version) + ", which its manifest does not list");
  }
  if (info.name == nullptr || m.name != info.name) {
    throw PluginLoadError(m, std::string("calls itself '") + (info.name ? info.name : "(null)") + "', its manifest says '" + m.name + "'");
  }
  if (info.version == nullptr || m.version != info.version) {
    throw PluginLoadError(m, std::string("is version '") + (info.version ? info.version : "(null)") + "', its manifest says '" +
                                 m.version + "'");
  }
  // One validator for the host and the conformance harness (torchx/abi_check.hpp): the v1 size
  // rule, names and required members. The first problem refuses the plugin.
  if (const auto problems = abi::check_tables(info); !problems.empty()) throw PluginLoadError(m, problems.front().message);
  check_names(m, "scheduler", info.schedulers, info.num_schedulers, m.provides.schedulers);
  check_names(m, "component", info.components, info.num_components, m.provides.components);
  check_names(m, "tracker", info.trackers, info.num_trackers, m.provides.trackers);
  check_names(m, "named-resources", info.named_resources, info.num_named_resources, m.provides.named_resources);
  // Revision 1.1: a plugin built against an older header leaves these zero (no commands).
  std::vector<std::string> verbs;
  for (const auto& c : m.commands) verbs.push_back(c.name);
  check_names(m, "command", commands_of(info), num_commands_of(info), verbs);
}

}  // namespace

PluginLoadError::PluginLoadError(const Manifest& manifest, const std::string& reason)
    : std::runtime_error("plugin '" + manifest.name + "' (" + manifest.path.string() + "): " + reason), m_reason(reason) {}

std::shared_ptr<const PluginLibrary> PluginLibrary::load(const Manifest& manifest,
                                                         const std::function<void(LoadStage)>& on_stage) {
  std::lock_guard lock(load_mutex());
  auto stage = [&](LoadStage s) {
    if (on_stage) on_stage(s);
  };
  spdlog::debug("loading plugin '{}' from {}", manifest.name, manifest.library_path.string());
  boost::dll::shared_library library;
  stage(LoadStage::open);
  refuse_if_untrusted(manifest);
  try {
    library.load(manifest.library_path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw PluginLoadError(manifest, "cannot load " + manifest.library_path.string() + ": " + e.what());
  }
  if (!library.has(TX_PLUGIN_NEGOTIATE_SYMBOL)) {
    throw PluginLoadError(manifest, std::string("does not export ") + TX_PLUGIN_NEGOTIATE_SYMBOL);
  }
  auto negotiate = library.get<tx_status(const tx_host_info*, tx_plugin_info*)>(TX_PLUGIN_NEGOTIATE_SYMBOL);
  resident_libraries().push_back(std::move(library));  // never unloaded, even if negotiation fails

  std::string error;
  tx_host_info host{};
  host.struct_size = sizeof(tx_host_info);
  host.min_abi = k_host_min_abi;
  host.max_abi = k_host_max_abi;
  host.host_version = TORCHX_VERSION;
  host.error = string_sink(error);
  host.log = &host_log;
  host.log_ctx = const_cast<char*>(stable_name(manifest.name));
  tx_plugin_info info{};
  info.struct_size = sizeof(tx_plugin_info);
  tx_status status = TX_E_INTERNAL;
  stage(LoadStage::negotiate);
  try {
    status = negotiate(&host, &info);
  } catch (...) {  // a plugin not built with the SDK let an exception escape: contained here
    throw PluginLoadError(manifest, "threw an exception from tx_plugin_negotiate (exceptions must not cross the ABI)");
  }
  if (status != TX_OK) {
    throw PluginLoadError(manifest, "negotiation failed (" + std::string(status_name(status)) + ")" +
                                        (error.empty() ? std::string{} : ": " + error));
  }
  stage(LoadStage::validate);
  validate(manifest, info);
  return std::shared_ptr<const PluginLibrary>(new PluginLibrary(manifest, info));
}

const tx_scheduler_api* PluginLibrary::scheduler(std::string_view name) const {
  return find(m_info.schedulers, m_info.num_schedulers, name);
}
const tx_component_api* PluginLibrary::component(std::string_view name) const {
  return find(m_info.components, m_info.num_components, name);
}
const tx_tracker_api* PluginLibrary::tracker(std::string_view name) const {
  return find(m_info.trackers, m_info.num_trackers, name);
}
const tx_named_resources_api* PluginLibrary::named_resources(std::string_view name) const {
  return find(m_info.named_resources, m_info.num_named_resources, name);
}
const tx_command_api* PluginLibrary::command(std::string_view name) const {
  return find(commands_of(m_info), num_commands_of(m_info), name);
}

}  // namespace torchx::loader
