// SPDX-License-Identifier: BSD-3-Clause
// Credentials as kubectl finds them: $KUBECONFIG (several files, merged as kubectl merges them)
// or ~/.kube/config, the current context or a named one, bearer tokens (inline or a file),
// client certificates, the cluster CA, `exec` credential plugins (EKS, GKE) and, with no
// kubeconfig at all, the in-cluster service account. Nothing here ever puts a secret (a token,
// a key, a password) into a message.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace torchx::k8s {

/// What a request to the API server needs. The PEM fields and `token` are secrets or trust roots.
struct Credentials {
  std::string server;                     ///< https://host[:port][/prefix] (http:// allowed, for tests)
  std::string ca_pem;                     ///< the cluster's CA (certificate-authority[-data]); empty: system roots
  bool insecure_skip_tls_verify = false;  ///< the cluster's insecure-skip-tls-verify
  std::string tls_server_name;            ///< the cluster's tls-server-name
  std::string token;                      ///< bearer token (user token/tokenFile, exec plugin, service account)
  std::string client_cert_pem;            ///< client-certificate[-data] (or from the exec plugin)
  std::string client_key_pem;             ///< client-key[-data] (or from the exec plugin)
  std::string namespace_;                 ///< the context's namespace, else "default"
  std::string context;                    ///< the context's name; empty for the in-cluster account
  /// Where these came from, for messages: "context 'kind-x' of /root/.kube/config".
  std::string source;
  /// One line saying how to log in again, for 401/403 messages (e.g. "run `aws eks
  /// update-kubeconfig …`", "the exec plugin `gke-gcloud-auth-plugin` gave an expired token").
  std::string login_hint;
};

/// A kubeconfig that cannot be used: one line, naming the file and the field, never a secret.
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  /// The context to use (the `context` run option); empty: the kubeconfig's current-context.
  std::string context;
  /// The environment (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT): a parameter so the rules
  /// are unit tests.
  std::function<const char*(const char*)> getenv = [](const char* name) { return std::getenv(name); };
  /// Where the in-cluster service account's token, ca.crt and namespace are.
  std::string in_cluster_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

/// The credentials of the selected context (an exec plugin is run here, with its stdout parsed
/// as an ExecCredential). Throws ConfigError.
Credentials load_credentials(const LoadOptions& options = {});

}  // namespace torchx::k8s
