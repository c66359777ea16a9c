// SPDX-License-Identifier: BSD-3-Clause
// Internal to torchx_http and torchx_http_tls (not installed): one HTTP connection over a unix
// socket, TCP or TLS, each operation bounded by a deadline. Includes Boost.Beast, so only the
// library's own .cpp files include it.
//
// A Connection runs its asynchronous operations on a private io_context for at most the time
// left, so a server that never answers cannot hang a plugin; on a timeout the socket is closed
// and HttpError(timeout) thrown. One thread at a time.
#pragma once

#include <torchx/http/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace torchx::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using milliseconds = std::chrono::milliseconds;
using tcp = asio::ip::tcp;

using Request = bhttp::request<bhttp::string_body>;
using StringParser = bhttp::response_parser<bhttp::string_body>;
using BufferParser = bhttp::response_parser<bhttp::buffer_body>;

/// "300 ms", "5 s": how timeouts are named in messages.
std::string seconds_text(milliseconds t);

/// When a whole request must be done by, and the limit it came from (for the message).
struct Deadline {
  std::chrono::steady_clock::time_point end;
  milliseconds limit;
  static Deadline after(milliseconds limit) { return {std::chrono::steady_clock::now() + limit, limit}; }
  [[nodiscard]] milliseconds left() const {
    const auto d = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    return d.count() > 0 ? d : milliseconds(0);
  }
};

/// One connection (abstract over the stream). `where` is the endpoint's url() for messages.
class Connection {
public:
  explicit Connection(std::string where) : m_where(std::move(where)) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual void write(Request& req, const Deadline& d) = 0;
  virtual void read(StringParser& parser, const Deadline& d) = 0;
  virtual void read_header(BufferParser& parser, const Deadline& d) = 0;
  /// Reads some of the body into the parser's buffer; waits at most `idle` (nullopt: forever).
  virtual void read_some(BufferParser& parser, std::optional<milliseconds> idle) = 0;

  [[nodiscard]] const std::string& where() const { return m_where; }

protected:
  /// Closes the socket (a timed-out operation then completes with operation_aborted).
  virtual void close() noexcept = 0;
  /// Throws the HttpError that `ec` means while `doing`; the TLS stream names its errors first.
  [[noreturn]] virtual void fail(error_code ec, const std::string& doing);

  /// Starts one asynchronous operation and runs it for at most `timeout` (nullopt: no limit);
  /// returns its error code. On a timeout closes the socket and throws HttpError(timeout)
  /// naming `limit` (the request's whole limit, not what was left of it).
  template <typename Start>
  error_code run(Start&& start, std::optional<milliseconds> timeout, milliseconds limit, const char* doing) {
    if (m_timed_out) {  // a stream read again after its idle timeout: the socket is gone
      throw HttpError(HttpError::Kind::timeout, m_where + ": the connection was closed after an earlier timeout");
    }
    bool done = false;
    error_code result;
    start([&](error_code e, auto&&...) {
      result = e;
      done = true;
    });
    m_ioc.restart();
    if (timeout) m_ioc.run_for(*timeout);
    else m_ioc.run();
    if (!done) {
      m_timed_out = true;
      close();
      m_ioc.restart();
      m_ioc.run();  // lets the cancelled operation finish before its state goes out of scope
      throw HttpError(HttpError::Kind::timeout, m_where + ": no answer within " + seconds_text(limit) + " while " + doing);
    }
    return result;
  }
  error_code run(auto&& start, const Deadline& d, const char* doing) {
    return run(std::forward<decltype(start)>(start), d.left(), d.limit, doing);
  }

  /// Resolves `host` (numeric addresses at once; names with getaddrinfo on a helper thread, so
  /// a resolver that hangs costs at most the deadline) and connects `socket` to the first
  /// address that accepts. Throws HttpError dns / connect / timeout.
  void connect_tcp(tcp::socket& socket, const Endpoint& endpoint, const Deadline& d);

  asio::io_context m_ioc;
  beast::flat_buffer m_buffer;
  std::string m_where;
  bool m_timed_out = false;
};

/// Connection over one Beast-compatible stream: a unix or TCP socket, or a TLS stream.
template <typename Stream>
class StreamConnection : public Connection {
public:
  template <typename... Args>
  explicit StreamConnection(std::string where, Args&&... args)
      : Connection(std::move(where)), m_stream(m_ioc, std::forward<Args>(args)...) {}

  void write(Request& req, const Deadline& d) override {
    check(run([&](auto h) { bhttp::async_write(m_stream, req, h); }, d, "sending the request"), "sending the request");
  }
  void read(StringParser& parser, const Deadline& d) override {
    auto ec = run([&](auto h) { bhttp::async_read(m_stream, m_buffer, parser, h); }, d, "reading the response");
    if (ec && truncated(ec) && parser.need_eof()) parser.put_eof(ec);  // a body that ends at the close
    check(ec, "reading the response");
  }
  void read_header(BufferParser& parser, const Deadline& d) override {
    check(run([&](auto h) { bhttp::async_read_header(m_stream, m_buffer, parser, h); }, d, "reading the response header"),
          "reading the response header");
  }
  void read_some(BufferParser& parser, std::optional<milliseconds> idle) override {
    auto ec = run([&](auto h) { bhttp::async_read_some(m_stream, m_buffer, parser, h); }, idle,
                  idle.value_or(milliseconds(0)), "reading the response body");
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec && truncated(ec) && parser.need_eof()) parser.put_eof(ec);
    check(ec, "reading the response body");
  }

  Stream& stream() { return m_stream; }

protected:
  /// A TLS stream closed without close_notify: the end of a body delimited by the close.
  virtual bool truncated(error_code) const { return false; }
  void check(error_code ec, const char* doing) {
    if (ec) fail(ec, doing);
  }

  Stream m_stream;
};

}  // namespace torchx::http::detail

/// Defined by torchx_http_tls (tls.cpp); a weak reference in client.cpp, so a plugin that links
/// only torchx_http gets no OpenSSL and a clear error for an https endpoint. Returns an owned,
/// connected, handshaken connection; `state` caches the TLS context between requests of one
/// Client. Throws HttpError (dns, connect, tls, timeout).
extern "C" torchx::http::detail::Connection* torchx_http_connect_tls(const torchx::http::Endpoint& endpoint,
                                                                      std::shared_ptr<void>& state,
                                                                      const torchx::http::detail::Deadline& d);
