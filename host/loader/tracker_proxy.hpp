// SPDX-License-Identifier: BSD-3-Clause
// TrackerProxy: a tracker instance of a loaded plugin, as a C++ object over its C table.
#pragma once

#include "plugin_library.hpp"
#include "scheduler_proxy.hpp"  // PluginCallError

#include <torchx/specs/tracker_types.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torchx::loader {

/// A tracker instance (created from its config on construction, destroyed with the proxy).
/// Not thread-safe: one thread uses a proxy (the ABI serializes calls per instance); distinct
/// proxies are independent. Every method throws PluginCallError, whose message names the tracker
/// and the operation ("tracker 'file' add_metadata: ..."), also when the plugin's output is
/// malformed (TX_E_INTERNAL).
class TrackerProxy {
public:
  /// Creates an instance of `api` (from `library`) with `config` ("" for none).
  TrackerProxy(std::shared_ptr<const PluginLibrary> library, const tx_tracker_api* api, const std::string& config);
  ~TrackerProxy();
  TrackerProxy(const TrackerProxy&) = delete;
  TrackerProxy& operator=(const TrackerProxy&) = delete;

  [[nodiscard]] const std::string& name() const { return m_name; }
  [[nodiscard]] bool supports_lineage() const { return m_api->lineage != nullptr; }

  /// Merges `metadata_json` (a JSON object) into the run's metadata.
  void add_metadata(const std::string& run_id, const std::string& metadata_json);
  /// The run's metadata as JSON object text.
  std::string metadata(const std::string& run_id);
  void add_artifact(const std::string& run_id, const specs::TrackerArtifact& artifact);
  std::vector<specs::TrackerArtifact> artifacts(const std::string& run_id);
  void add_source(const std::string& run_id, const specs::TrackerSource& source);
  std::vector<specs::TrackerSource> sources(const std::string& run_id,
                                            const std::optional<std::string>& artifact_name = std::nullopt);
  std::vector<std::string> run_ids(const std::optional<std::string>& parent_run_id = std::nullopt);
  /// TX_E_UNSUPPORTED ("tracker 'x' does not support lineage") when the table has none.
  specs::Lineage lineage(const std::string& run_id);

private:
  [[noreturn]] void fail(const char* what, tx_status status, const std::string& message) const;
  template <typename Fn>
  std::string invoke(const char* what, Fn&& fn);
  std::shared_ptr<const PluginLibrary> m_library;
  const tx_tracker_api* m_api;
  void* m_instance = nullptr;
  std::string m_name;
};

}  // namespace torchx::loader
