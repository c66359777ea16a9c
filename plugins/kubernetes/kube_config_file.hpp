// SPDX-License-Identifier: BSD-3-Clause
// One kubeconfig file, parsed (yaml-cpp, kept out of this header) into the fields the loader
// uses, with relative paths already resolved against the file's directory. Internal to
// plugins/kubernetes: kube_config.cpp merges these and builds Credentials.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace torchx::k8s {

/// A clusters[].cluster entry.
struct ClusterEntry {
  std::string server;
  std::filesystem::path certificate_authority;            ///< resolved against the file's directory
  std::optional<std::string> certificate_authority_data;  ///< still base64
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
  bool disable_compression = false;
  /// extensions[name=client.authentication.k8s.io/exec].extension as JSON text (for the exec
  /// plugin's spec.cluster.config); empty when absent.
  std::string exec_extension_json;
};

/// A users[].user.exec entry.
struct ExecEntry {
  std::string api_version;
  std::string command;  ///< resolved against the file's directory when it contains '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;  ///< Never, IfAvailable, Always, or empty
};

/// A users[].user entry. Secret fields are held only to build Credentials.
struct UserEntry {
  std::string token;
  std::filesystem::path token_file;
  std::filesystem::path client_certificate;
  std::optional<std::string> client_certificate_data;  ///< still base64
  std::filesystem::path client_key;
  std::optional<std::string> client_key_data;  ///< still base64
  bool has_basic_auth = false;                 ///< username or password set (refused)
  std::optional<std::string> auth_provider;    ///< auth-provider.name (refused)
  bool impersonates = false;                   ///< as, as-uid, as-groups or as-user-extra set (refused)
  std::optional<ExecEntry> exec;
};

/// A contexts[].context entry.
struct ContextEntry {
  std::string cluster;
  std::string user;
  std::string namespace_;
};

/// Entries keep the order of the file; `line` is 1-based, for messages.
template <class Entry>
struct Named {
  std::string name;
  std::size_t line = 0;
  Entry entry;
};

struct KubeconfigFile {
  std::filesystem::path path;
  std::string current_context;
  std::vector<Named<ClusterEntry>> clusters;
  std::vector<Named<UserEntry>> users;
  std::vector<Named<ContextEntry>> contexts;
  [[nodiscard]] bool empty() const {
    return current_context.empty() && clusters.empty() && users.empty() && contexts.empty();
  }
};

/// Parses `text`, the contents of `path`. Throws ConfigError naming the file and line for
/// malformed YAML, a field of the wrong type, a nameless or duplicated entry; never quotes a
/// value. An empty document is an empty KubeconfigFile.
KubeconfigFile parse_kubeconfig(const std::filesystem::path& path, const std::string& text);

}  // namespace torchx::k8s
