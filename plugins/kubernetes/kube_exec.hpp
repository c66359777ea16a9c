// SPDX-License-Identifier: BSD-3-Clause
// client-go's exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as
// kube_config.cpp runs them: the request in KUBERNETES_EXEC_INFO, the answer an ExecCredential
// on stdout. Internal to plugins/kubernetes.
#pragma once

#include "kube_config_file.hpp"

#include <chrono>
#include <string>

namespace torchx::k8s {

/// What the plugin is run for: the user's exec entry and, for provideClusterInfo, the cluster.
struct ExecRequest {
  const ExecEntry* exec = nullptr;
  std::string user;    ///< the user's name, for messages
  std::string origin;  ///< "user 'u' in FILE", for messages
  // spec.cluster (only sent with provideClusterInfo):
  std::string server;
  std::string ca_pem;
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  bool disable_compression = false;
  std::string extension_json;  ///< spec.cluster.config, JSON text; empty: none
  std::chrono::milliseconds timeout{60'000};
};

/// What the plugin answered (status of its ExecCredential).
struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::chrono::system_clock::time_point expiry{};  ///< the epoch: no expirationTimestamp
};

/// The KUBERNETES_EXEC_INFO value:
/// {"kind":"ExecCredential","apiVersion":…,"spec":{"interactive":false[,"cluster":{…}]}}.
std::string exec_info_json(const ExecRequest& request);

/// Runs the plugin (argv: command and args; env: ours, its env entries, KUBERNETES_EXEC_INFO;
/// stdin /dev/null; its own process group, killed at `timeout`) and parses its stdout. Throws
/// ConfigError: unsupported apiVersion or interactiveMode Always, command not found (with its
/// installHint), a failure (exit status, first line of stderr, installHint), a timeout, an
/// answer that is not an ExecCredential of the same apiVersion, or an already expired one.
ExecCredential run_exec_plugin(const ExecRequest& request);

/// How to log in again when the credential from this plugin is refused, by the tool it runs.
std::string exec_login_hint(const ExecEntry& exec);

}  // namespace torchx::k8s
