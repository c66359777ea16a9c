// SPDX-License-Identifier: BSD-3-Clause
// Credentials as kubectl finds them: $KUBECONFIG (several files, merged as kubectl merges them)
// or ~/.kube/config, the current context or a named one, bearer tokens (inline or a file),
// client certificates, the cluster CA, `exec` credential plugins (EKS, GKE) and, with no
// kubeconfig at all, the in-cluster service account. Nothing here ever puts a secret (a token,
// a key, a password, base64 data) into a message.
//
// The rules (client-go's clientcmd loader, which kubectl uses; docs/kubernetes.md "Credentials"):
// - $KUBECONFIG is a ':'-separated list; empty entries and files that do not exist are skipped,
//   a file named twice is read once, a file that exists but cannot be read or parsed is an error.
//   Unset or empty: $HOME/.kube/config. For clusters, users and contexts the FIRST file that
//   names an entry wins; current-context comes from the first file that sets it.
// - Relative paths (certificate-authority, client-certificate, client-key, tokenFile, and an
//   exec command that contains a '/') are resolved against the directory of the file that
//   defined the entry. An exec command without '/' is looked up in PATH.
// - No kubeconfig (no file, or only empty ones) and KUBERNETES_SERVICE_HOST/_PORT set with a
//   token file present: the in-cluster service account.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

namespace torchx::k8s {

/// What a request to the API server needs. The PEM fields and `token` are secrets or trust roots.
struct Credentials {
  std::string server;  ///< https://host[:port][/prefix] (http:// allowed, for tests); no trailing '/'
  std::string ca_pem;  ///< the cluster's CA (certificate-authority[-data]); empty: system roots
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
  /// When an exec plugin's credential expires (its status.expirationTimestamp); the epoch (the
  /// default) when it did not say or the credential is not from an exec plugin. A long-running
  /// caller (log --follow, watch) calls load_credentials again after this, as client-go re-runs
  /// the plugin.
  std::chrono::system_clock::time_point expiry{};
};

/// A kubeconfig that cannot be used: one line, naming the file and the field, never a secret.
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  /// The context to use (the `context` run option); empty: the kubeconfig's current-context.
  std::string context;
  /// The environment (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT, POD_NAMESPACE): a parameter
  /// so the rules are unit tests. An exec plugin still inherits this process's real environment
  /// (plus its own `env` entries and KUBERNETES_EXEC_INFO), and its command is looked up in this
  /// process's PATH, as client-go does.
  std::function<const char*(const char*)> getenv = [](const char* name) { return std::getenv(name); };
  /// Where the in-cluster service account's token, ca.crt and namespace are.
  std::string in_cluster_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  /// How long an exec credential plugin may run before it is killed (with what it started) and
  /// loading fails. It runs without a terminal (stdin is /dev/null, spec.interactive false).
  std::chrono::milliseconds exec_timeout{60'000};
  /// False: only the context, its cluster and namespace (what a dryrun shows); the user entry is
  /// not read, so no exec plugin runs and no key or token file is opened. The user must still
  /// exist (the context must be usable).
  bool resolve_user = true;
};

/// The credentials of the selected context: reads the kubeconfig files (or the in-cluster
/// service account), resolves and reads the files the entries name, and runs an exec plugin
/// (stdout parsed as an ExecCredential) when the user has one and no token or certificate.
/// Throws ConfigError (one line: the file, the entry, the field, a hint; never a secret) for
/// anything that makes the credentials unusable. Blocking (reads files, may run a plugin for up
/// to `exec_timeout`); thread-safe (no shared state; the plugin runs in its own I/O context).
Credentials load_credentials(const LoadOptions& options = {});

}  // namespace torchx::k8s
