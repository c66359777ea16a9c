// SPDX-License-Identifier: BSD-3-Clause
// A small HTTP/1.1 client for plugins that speak REST APIs (the Docker Engine API over a unix
// socket; the Kubernetes API over TCP+TLS). Boost.Beast and OpenSSL stay inside plugin-api/http/:
// this header includes no Boost, so including it costs a plugin nothing.
//
// Link `torchx::http` (installed with the SDK) for unix sockets and plain http://, or
// `torchx::http_tls` for https:// as well (it links OpenSSL 3, shared; a plugin that links only
// torchx::http carries no OpenSSL and gets HttpError(tls) "built without TLS" for https).
// One Client per endpoint; each request opens its own connection (`Connection: close`), so a
// Client holds no socket between calls and may be used from one thread at a time (two Clients
// on two threads are independent). Every failure to reach or understand the server throws
// HttpError naming the endpoint by url(); an HTTP status >= 400 is an ordinary Response.
//
// Transport errors are one line, e.g.
//   cannot resolve 'no-such-host.invalid' (https://no-such-host.invalid:443): Name or service not known   [dns]
//   cannot connect to https://10.0.0.1:6443: Connection refused                                            [connect]
//   TLS handshake with https://10.0.0.1:6443 failed: certificate verify failed: self-signed certificate    [tls]
//   https://10.0.0.1:6443: no answer within 60 s while reading the response                                [timeout]
// They never hold a header value (Authorization), a key or a certificate.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torchx::http {

/// How a TLS ("https") connection is verified and what it presents. Every field holds secrets
/// or trust roots: none of them ever appears in a message.
struct TlsOptions {
  /// PEM certificates the server's chain must lead to; empty: the system's default roots.
  std::string ca_pem;
  /// PEM client certificate (chain) and its PEM private key, presented when both are set.
  std::string client_cert_pem;
  std::string client_key_pem;
  /// Skips verifying the server's certificate and name (kubeconfig's insecure-skip-tls-verify).
  bool insecure_skip_verify = false;
  /// The name the server's certificate must carry (and SNI); empty: the endpoint's host.
  std::string server_name;
};

/// Where a server listens: a unix socket (the Docker Engine API), or TCP with or without TLS
/// (the Kubernetes API).
struct Endpoint {
  std::string scheme;       ///< "unix", "http" or "https"
  std::string socket_path;  ///< for "unix": the socket's absolute path
  std::string host;         ///< for "http"/"https": a DNS name, an IPv4 address or a bracket-less IPv6 one
  unsigned short port = 0;  ///< for "http"/"https": explicit, else 80/443
  std::string base_path;    ///< for "http"/"https": a path prefix of every target ("" or "/prefix", no trailing '/')
  TlsOptions tls;           ///< for "https"

  /// `unix:///run/x.sock` or an absolute path `/run/x.sock`; `https://host[:port][/prefix]`,
  /// `http://host[:port][/prefix]` (IPv6 as `[::1]`; the scheme in any case; trailing '/' of
  /// the prefix dropped). `tls` is left empty: the caller fills it. Throws std::invalid_argument,
  /// one line saying what is wrong, for anything else: another scheme (`tcp://host:2375`), port 0
  /// or above 65535, a host that is no DNS name or IP address, a query or fragment, a space or
  /// control character, and `user:password@` (refused without echoing the URL).
  static Endpoint parse(std::string_view url);
  /// `unix:///run/x.sock`, `https://host:port[/prefix]` (the port always written, IPv6 in
  /// brackets): how messages name it; holds no secret since parse() refuses user information.
  [[nodiscard]] std::string url() const;
};

/// Why a request did not get an answer.
class HttpError : public std::runtime_error {
public:
  /// connect: refused/unreachable; dns: the host name does not resolve; tls: the handshake or the
  /// certificate check failed, an unusable TlsOptions PEM, or a TLS alert after the handshake
  /// (TLS 1.3 refuses a missing client certificate on the first read); timeout: no answer in
  /// time (resolving, connecting, negotiating TLS, sending or reading); protocol: a malformed
  /// answer or a connection closed early.
  enum class Kind { connect, dns, tls, timeout, protocol };
  HttpError(Kind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
  [[nodiscard]] Kind kind() const { return m_kind; }

private:
  Kind m_kind;
};

/// A complete response.
struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The first header of that name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// A response whose body is read as it arrives (chunked or not): logs that follow a container,
/// an event stream. Reading ends at the end of the body or when the object is destroyed.
class StreamingResponse {
public:
  virtual ~StreamingResponse() = default;
  [[nodiscard]] virtual int status() const = 0;
  /// The next piece of the body (never empty), or nullopt at its end. Waits for the server up to
  /// the idle timeout given to Client::open (none: forever), then throws HttpError(timeout).
  virtual std::optional<std::string> read_some() = 0;
};

class Client {
public:
  /// `timeout`: the most one request may take, resolving, connecting and the TLS handshake
  /// included. Nothing is checked or connected until the first request; the TLS context (trust
  /// roots, client certificate) is built on the first https request and reused.
  explicit Client(Endpoint endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  [[nodiscard]] const Endpoint& endpoint() const;

  /// A header sent with every request of this client (e.g. `Authorization`, `Accept`), replacing
  /// one of the same name (case-insensitive). Header values never appear in messages. Throws
  /// std::invalid_argument for a name that is not an HTTP token or a value with CR, LF or NUL.
  /// `Host` is set by the client (`host[:port]`, the port unless it is the scheme's default).
  void set_header(std::string name, std::string value);

  /// Sends `method base_path+target` with `body` (sent with `content_type` when not empty) and
  /// reads the whole response. `timeout` overrides the client's for this request. `target` must
  /// start with '/' and hold no space or control byte (std::invalid_argument otherwise): encode
  /// query values with url_encode. Throws HttpError as above.
  Response request(std::string_view method, std::string_view target, std::string_view body = {},
                   std::string_view content_type = "application/json",
                   std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// Sends the request and reads the status line and headers (within the client's timeout);
  /// the body is then read piece by piece, each piece waiting at most `idle_timeout` (nullopt:
  /// forever, for a stream that follows something that may stay quiet).
  std::unique_ptr<StreamingResponse> open(std::string_view method, std::string_view target, std::string_view body = {},
                                          std::string_view content_type = "application/json",
                                          std::optional<std::chrono::milliseconds> idle_timeout = std::nullopt);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// `s` with every byte outside [A-Za-z0-9-._~] percent-encoded (a query value or path segment).
std::string url_encode(std::string_view s);

}  // namespace torchx::http
