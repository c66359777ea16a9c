// SPDX-License-Identifier: BSD-3-Clause
// The `file` tracker plugin: TorchX's fsspec tracker store with protocol=file, behind the ABI's
// tracker table. Also registered as `fsspec`, Python TorchX's name for it, so one
// `[torchx:tracker] fsspec =` line serves Python TorchX jobs and this torchx alike.
#include "file_store.hpp"

#include <torchx/plugin.hpp>

#include <memory>

namespace torchx::trackers {
namespace {

/// Maps the store's errors to the SDK's: bad input is TX_E_INVALID_ARGUMENT, the rest
/// TX_E_INTERNAL with the store's one-line message.
template <typename Fn>
auto translate(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const StoreInputError& e) {
    throw plugin::InvalidArgument(e.what());
  }
}

class FileTracker : public plugin::Tracker {
public:
  FileTracker(const std::string& name, const std::string& config)
      : m_store(translate([&] {
          return std::make_unique<FileStore>(store_root_from_config(name, config),
                                             [](const std::string& w) { plugin::log(TX_LOG_WARNING, w); });
        })) {}

  void add_metadata(const std::string& run_id, const std::string& metadata_json) override {
    translate([&] { m_store->add_metadata(run_id, metadata_json); });
  }
  std::string metadata(const std::string& run_id) override {
    return translate([&] { return m_store->metadata(run_id); });
  }
  void add_artifact(const std::string& run_id, const specs::TrackerArtifact& artifact) override {
    translate([&] { m_store->add_artifact(run_id, artifact); });
  }
  std::vector<specs::TrackerArtifact> artifacts(const std::string& run_id) override {
    return translate([&] { return m_store->artifacts(run_id); });
  }
  void add_source(const std::string& run_id, const specs::TrackerSource& source) override {
    translate([&] { m_store->add_source(run_id, source); });
  }
  std::vector<specs::TrackerSource> sources(const std::string& run_id,
                                            const std::optional<std::string>& artifact_name) override {
    return translate([&] { return m_store->sources(run_id, artifact_name); });
  }
  std::vector<std::string> run_ids(const std::optional<std::string>& parent_run_id) override {
    return translate([&] { return m_store->run_ids(parent_run_id); });
  }
  specs::Lineage lineage(const std::string& run_id) override {
    return translate([&] { return m_store->lineage(run_id); });
  }

private:
  std::unique_ptr<FileStore> m_store;
};

struct NamedFile : FileTracker {
  explicit NamedFile(const std::string& config) : FileTracker("file", config) {}
};
struct NamedFsspec : FileTracker {
  explicit NamedFsspec(const std::string& config) : FileTracker("fsspec", config) {}
};

}  // namespace
}  // namespace torchx::trackers

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static torchx::plugin::Plugin plugin = torchx::plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
                                             .tracker<torchx::trackers::NamedFile>("file")
                                             .tracker<torchx::trackers::NamedFsspec>("fsspec");
  return plugin.negotiate(host, info);
}
