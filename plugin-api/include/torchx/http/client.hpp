// SPDX-License-Identifier: BSD-3-Clause
// A small HTTP/1.1 client for plugins that speak REST APIs (the Docker Engine API over a unix
// socket now; the Kubernetes API over TCP+TLS later). Boost.Beast stays inside http/client.cpp:
// this header includes no Boost, so including it costs a plugin nothing.
//
// Link `torchx::http` (installed with the SDK). One Client per endpoint; each request opens its
// own connection (`Connection: close`), so a Client holds no socket between calls and may be
// used from one thread at a time. Every failure to reach or understand the server throws
// HttpError naming the endpoint; an HTTP status >= 400 is an ordinary Response, not an error.
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

/// Where a server listens. Only unix sockets for now; `scheme` leaves room for "tcp"/"https".
struct Endpoint {
  std::string scheme;       ///< "unix"
  std::string socket_path;  ///< for "unix": the socket's absolute path

  /// `unix:///run/x.sock` or an absolute path `/run/x.sock`. Throws std::invalid_argument
  /// (saying what is supported) for anything else, e.g. `tcp://host:2375`.
  static Endpoint parse(std::string_view url);
  /// `unix:///run/x.sock`: how messages name it.
  [[nodiscard]] std::string url() const;
};

/// Why a request did not get an answer.
class HttpError : public std::runtime_error {
public:
  enum class Kind { connect, timeout, protocol };
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
  /// `timeout`: the most one request may take, connecting included.
  explicit Client(Endpoint endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  [[nodiscard]] const Endpoint& endpoint() const;

  /// Sends `method target` with `body` (sent with `content_type` when not empty) and reads the
  /// whole response. `timeout` overrides the client's for this request.
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
