// SPDX-License-Identifier: BSD-3-Clause
#include "tracker_proxy.hpp"

#include "sink.hpp"

#include <torchx/specs/tracker_json.hpp>

namespace torchx::loader {

TrackerProxy::TrackerProxy(std::shared_ptr<const PluginLibrary> library, const tx_tracker_api* api,
                           const std::string& config)
    : m_library(std::move(library)), m_api(api), m_name(api->name) {
  std::string err;
  const tx_sink err_sink = string_sink(err);
  tx_status s = TX_E_INTERNAL;
  try {
    s = known_status(m_api->create(config.c_str(), &m_instance, &err_sink));
  } catch (...) {
    err = "the plugin let an exception escape (exceptions must not cross the ABI)";
  }
  if (s != TX_OK) fail("create", s, err);
}

TrackerProxy::~TrackerProxy() {
  if (m_instance != nullptr) {
    try {
      m_api->destroy(m_instance);
    } catch (...) {  // contained: a destructor must not throw
    }
  }
}

void TrackerProxy::fail(const char* what, tx_status status, const std::string& message) const {
  // A failed create names no operation: "tracker 'file': no config: ...".
  const std::string op = std::string(what) == "create" ? "" : std::string(" ") + what;
  throw PluginCallError(status, "tracker '" + m_name + "'" + op + ": " + (message.empty() ? status_name(status) : message));
}

template <typename Fn>
std::string TrackerProxy::invoke(const char* what, Fn&& fn) {
  std::string out;
  std::string err;
  const tx_sink out_sink = string_sink(out);
  const tx_sink err_sink = string_sink(err);
  tx_status s = TX_E_INTERNAL;
  try {
    s = known_status(fn(&out_sink, &err_sink));
  } catch (...) {
    err = "the plugin let an exception escape (exceptions must not cross the ABI)";
  }
  if (s != TX_OK) fail(what, s, err);
  return out;
}

void TrackerProxy::add_metadata(const std::string& run_id, const std::string& metadata_json) {
  invoke("add_metadata", [&](const tx_sink*, const tx_sink* err) {
    return m_api->add_metadata(m_instance, run_id.c_str(), metadata_json.c_str(), err);
  });
}

std::string TrackerProxy::metadata(const std::string& run_id) {
  const std::string out = invoke("metadata", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->metadata(m_instance, run_id.c_str(), o, err);
  });
  boost::system::error_code ec;
  const auto v = boost::json::parse(out, ec);
  if (ec || !v.is_object()) fail("metadata", TX_E_INTERNAL, "returned malformed JSON (expected an object)");
  return out;
}

void TrackerProxy::add_artifact(const std::string& run_id, const specs::TrackerArtifact& artifact) {
  std::string json;
  try {
    json = specs::tracker_json::to_json(artifact);
  } catch (const specs::JsonDecodeError& e) {
    throw PluginCallError(TX_E_INVALID_ARGUMENT, "tracker '" + m_name + "' add_artifact: " + e.what());
  }
  invoke("add_artifact", [&](const tx_sink*, const tx_sink* err) {
    return m_api->add_artifact(m_instance, run_id.c_str(), json.c_str(), err);
  });
}

std::vector<specs::TrackerArtifact> TrackerProxy::artifacts(const std::string& run_id) {
  const std::string out = invoke("artifacts", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->artifacts(m_instance, run_id.c_str(), o, err);
  });
  try {
    return specs::tracker_json::artifacts_from_json(out);
  } catch (const specs::JsonDecodeError& e) {
    fail("artifacts", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

void TrackerProxy::add_source(const std::string& run_id, const specs::TrackerSource& source) {
  const std::string json = specs::tracker_json::to_json(source);
  invoke("add_source", [&](const tx_sink*, const tx_sink* err) {
    return m_api->add_source(m_instance, run_id.c_str(), json.c_str(), err);
  });
}

std::vector<specs::TrackerSource> TrackerProxy::sources(const std::string& run_id,
                                                        const std::optional<std::string>& artifact_name) {
  const std::string out = invoke("sources", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->sources(m_instance, run_id.c_str(), artifact_name ? artifact_name->c_str() : nullptr, o, err);
  });
  try {
    return specs::tracker_json::sources_from_json(out);
  } catch (const specs::JsonDecodeError& e) {
    fail("sources", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

std::vector<std::string> TrackerProxy::run_ids(const std::optional<std::string>& parent_run_id) {
  const std::string query = specs::tracker_json::run_ids_query_to_json(parent_run_id);
  const std::string out = invoke("run_ids", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->run_ids(m_instance, query.c_str(), o, err);
  });
  try {
    return specs::tracker_json::run_ids_from_json(out);
  } catch (const specs::JsonDecodeError& e) {
    fail("run_ids", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

specs::Lineage TrackerProxy::lineage(const std::string& run_id) {
  if (m_api->lineage == nullptr) throw PluginCallError(TX_E_UNSUPPORTED, "tracker '" + m_name + "' does not support lineage");
  const std::string out = invoke("lineage", [&](const tx_sink* o, const tx_sink* err) {
    return m_api->lineage(m_instance, run_id.c_str(), o, err);
  });
  try {
    return specs::tracker_json::lineage_from_json(out);
  } catch (const specs::JsonDecodeError& e) {
    fail("lineage", TX_E_INTERNAL, std::string("returned ") + e.what());
  }
}

}  // namespace torchx::loader
