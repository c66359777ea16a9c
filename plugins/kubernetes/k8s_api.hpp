// SPDX-License-Identifier: BSD-3-Clause
// The Kubernetes REST API as the kubernetes plugin calls it: the paths of the kinds we use, an
// HTTP client set up from kubeconfig credentials (TLS, bearer token, client certificate), and
// every failure turned into one line with the right status (issue 17, item 5):
//   cannot reach the server (refused, DNS, TLS, timeout)  -> plugin::Unavailable (exit 4)
//   401, 403                                                -> Error, with the credentials' login hint (exit 1)
//   404                                                     -> NotFound (exit 1)
//   409 (name clash), 422 (the server's field message)      -> InvalidArgument (exit 1)
//   502, 503, 504                                           -> Unavailable (exit 4)
// No message ever holds a token, a key or a header value: only the server's URL, where the
// credentials came from, and the server's own Status message. Plugin-internal: includes Boost.JSON.
#pragma once

#include "kube_config.hpp"

#include <torchx/plugin_api.h>
#include <torchx/http/client.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::k8s {

/// The resources the plugin reads and writes.
enum class Resource {
  volcano_jobs,  ///< /apis/batch.volcano.sh/v1alpha1/namespaces/NS/jobs
  batch_jobs,    ///< /apis/batch/v1/namespaces/NS/jobs
  services,      ///< /api/v1/namespaces/NS/services
  pods,          ///< /api/v1/namespaces/NS/pods
};

/// `/apis/…/namespaces/<ns>/<plural>[/<name>]`, `ns` and `name` percent-encoded.
std::string resource_path(Resource resource, std::string_view ns, std::string_view name = {});

/// The resource an object of `api_version` and `kind` is created in (e.g. "batch/v1", "Job");
/// nullopt for a kind the plugin does not make.
std::optional<Resource> resource_of(std::string_view api_version, std::string_view kind);

/// A DNS-1123 label (a namespace, a job name): [a-z0-9-], at most 63, alphanumeric at both ends.
bool is_dns_label(std::string_view s);

/// The server's message in a `Status` body (its "message", else its "reason"), one line of at
/// most 400 bytes; "" when the body is not a Status.
std::string status_message(std::string_view body);

/// A failure, as the plugin throws it.
struct Failure {
  tx_status status = TX_E_INTERNAL;
  std::string message;
};

/// What a response with status >= 400 means, as one line: "<doing>: <what the server said>"
/// plus the login hint for 401/403, "install Volcano" for a 404 of the whole Volcano resource.
/// `server`: the server's URL; `source`: where the credentials came from; `login_hint`: how to
/// log in again (Credentials). The body is the server's (a Status object, or anything).
Failure classify_response(int status, std::string_view body, const std::string& doing, const std::string& server,
                          const std::string& source, const std::string& login_hint);

/// What a request that got no answer means: Unavailable for connect/dns/tls/timeout ("cannot
/// reach the Kubernetes API server at <server> (<source>): <why>"), Error for a malformed answer.
Failure classify_transport(http::HttpError::Kind kind, const std::string& what, const std::string& server,
                           const std::string& source);

/// Throws `failure` as the plugin::Error subclass its status names (k8s_client.cpp: plugin only).
[[noreturn]] void raise(const Failure& failure);

/// The seconds one request may take: TORCHX_KUBERNETES_TIMEOUT_SECONDS (1-3600), default 30.
/// Throws std::invalid_argument (one line) for anything else.
std::chrono::seconds request_timeout(const char* env_value);

/// The lines of a pod's log as its pieces arrive: split at '\n' only, a piece's end never taken
/// for a line's (TorchX #983 glued lines that straddled two reads), the last unterminated line
/// given at finish().
class LineSplitter {
 public:
  void feed(std::string_view piece) { m_buffer.append(piece); }
  /// Marks the end of the stream: a last line without '\n' becomes available.
  void finish() { m_finished = true; }
  /// The next complete line without its '\n', or nullopt until more is fed (or at the end).
  std::optional<std::string> next();

 private:
  std::string m_buffer;
  std::size_t m_pos = 0;
  bool m_finished = false;
};

/// A connection to one API server with one set of credentials. Each call opens its own
/// connection (torchx::http). One thread at a time. Implemented in k8s_client.cpp (the plugin
/// only: it throws plugin errors).
class Api {
 public:
  /// Sets up TLS (CA, client certificate, insecure-skip-tls-verify, tls-server-name) and the
  /// headers (`Authorization: Bearer` when there is a token, `Accept: application/json`).
  /// Throws plugin::InvalidArgument for a server URL that is not http(s)://host[:port][/prefix].
  explicit Api(const Credentials& credentials);

  /// `method target`: the response, whatever its status; transport failures raised
  /// (classify_transport).
  http::Response call(std::string_view method, const std::string& target, std::string_view body = {},
                      std::string_view content_type = "application/json");
  /// As call; a status >= 400 is raised (classify_response) with "<doing>: …".
  http::Response check(std::string_view method, const std::string& target, std::string_view body,
                       const std::string& doing, std::string_view content_type = "application/json");
  /// `GET target` with `Accept: <accept>` (kubectl logs sends "application/json, */*"), its body
  /// read as it arrives (logs), each piece waiting at most `idle`.
  std::unique_ptr<http::StreamingResponse> open(const std::string& target,
                                                std::optional<std::chrono::milliseconds> idle,
                                                std::string_view accept = "application/json");

  /// Every item of `GET path?<selector>&limit=500`, page by page (`continue`, as kubectl);
  /// nullopt when the server answers 404 and `none_if_404` (a resource the cluster lacks). Other
  /// statuses >= 400 raised with "<doing>: …"; a body that is not a JSON list: Error.
  std::optional<std::vector<boost::json::object>> list(const std::string& path, const std::string& selector,
                                                       const std::string& doing, bool none_if_404 = false);
  /// Raises what `response` (status >= 400) means.
  [[noreturn]] void fail(const http::Response& response, const std::string& doing) const;

  [[nodiscard]] const std::string& server() const { return m_server; }
  [[nodiscard]] const std::string& source() const { return m_source; }
  [[nodiscard]] const std::string& default_namespace() const { return m_namespace; }

 private:
  std::unique_ptr<http::Client> m_client;
  std::string m_server;
  std::string m_source;
  std::string m_login_hint;
  std::string m_namespace;
};

}  // namespace torchx::k8s
