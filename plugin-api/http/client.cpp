// SPDX-License-Identifier: BSD-3-Clause
// torchx::http::Client over Boost.Beast: asynchronous operations run on a private io_context
// for at most the timeout, so that a server that never answers cannot hang a plugin.
#include <torchx/http/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cctype>
#include <string>

namespace torchx::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using unix_socket = asio::local::stream_protocol;
using milliseconds = std::chrono::milliseconds;

Endpoint Endpoint::parse(std::string_view url) {
  constexpr std::string_view unix_prefix = "unix://";
  std::string_view path = url;
  if (url.starts_with(unix_prefix)) path = url.substr(unix_prefix.size());
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("unsupported endpoint '" + std::string(url) +
                                "': expected a unix socket, unix:///path/to.sock or /path/to.sock");
  }
  Endpoint e;
  e.scheme = "unix";
  e.socket_path = std::string(path);
  return e;
}

std::string Endpoint::url() const { return scheme + "://" + socket_path; }

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return v;
    }
  }
  return std::nullopt;
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

namespace {

std::string seconds_text(milliseconds t) {
  const auto ms = t.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

/// One connection: a socket on its own io_context, each operation bounded by a timeout.
struct Connection {
  asio::io_context ioc;
  unix_socket::socket socket{ioc};
  beast::flat_buffer buffer;
  std::string where;

  explicit Connection(std::string url) : where(std::move(url)) {}

  /// Starts one asynchronous operation and runs it for at most `timeout` (nullopt: no limit);
  /// returns its error code. On a timeout the socket is closed and HttpError(timeout) thrown.
  template <typename Start>
  error_code run(Start&& start, std::optional<milliseconds> timeout, const char* doing) {
    bool done = false;
    error_code result;
    start([&](error_code e, auto&&...) {
      result = e;
      done = true;
    });
    ioc.restart();
    if (timeout) ioc.run_for(*timeout);
    else ioc.run();
    if (!done) {
      error_code ignored;
      socket.close(ignored);
      ioc.restart();
      ioc.run();  // lets the cancelled operation finish before its state goes out of scope
      throw HttpError(HttpError::Kind::timeout,
                      where + ": no answer within " + seconds_text(timeout.value_or(milliseconds(0))) + " while " + doing);
    }
    return result;
  }

  void connect(const std::string& path, milliseconds timeout) {
    unix_socket::endpoint endpoint;
    try {
      endpoint = unix_socket::endpoint(path);
    } catch (const boost::system::system_error& e) {  // a path longer than sockaddr_un holds
      throw HttpError(HttpError::Kind::connect, "cannot connect to " + where + ": " + e.code().message());
    }
    const auto ec = run([&](auto handler) { socket.async_connect(endpoint, handler); }, timeout, "connecting");
    if (ec) throw HttpError(HttpError::Kind::connect, "cannot connect to " + where + ": " + ec.message());
  }

  void check(error_code ec, const char* doing) const {
    if (!ec) return;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) {
      throw HttpError(HttpError::Kind::protocol, where + ": the server closed the connection while " + std::string(doing));
    }
    throw HttpError(HttpError::Kind::protocol, where + ": error while " + std::string(doing) + ": " + ec.message());
  }

  void send(std::string_view method, std::string_view target, std::string_view body, std::string_view content_type,
            milliseconds timeout) {
    const bhttp::verb verb = bhttp::string_to_verb(method);
    if (verb == bhttp::verb::unknown) throw std::invalid_argument("unknown HTTP method '" + std::string(method) + "'");
    bhttp::request<bhttp::string_body> req{verb, std::string(target), 11};
    req.set(bhttp::field::host, "localhost");
    req.set(bhttp::field::user_agent, "torchx");
    req.set(bhttp::field::connection, "close");
    if (!body.empty()) {
      req.set(bhttp::field::content_type, std::string(content_type));
      req.body() = std::string(body);
    }
    req.prepare_payload();
    check(run([&](auto handler) { bhttp::async_write(socket, req, handler); }, timeout, "sending the request"),
          "sending the request");
  }
};

template <typename Fields>
std::vector<std::pair<std::string, std::string>> headers_of(const Fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

class BeastStreamingResponse : public StreamingResponse {
public:
  BeastStreamingResponse(std::unique_ptr<Connection> c, std::optional<milliseconds> idle)
      : m_c(std::move(c)), m_idle(idle) {
    m_parser.body_limit(boost::none);
  }

  void read_header(milliseconds timeout) {
    m_c->check(m_c->run([&](auto handler) { bhttp::async_read_header(m_c->socket, m_c->buffer, m_parser, handler); },
                        timeout, "reading the response header"),
               "reading the response header");
  }

  [[nodiscard]] int status() const override { return static_cast<int>(m_parser.get().result_int()); }

  std::optional<std::string> read_some() override {
    while (!m_parser.is_done()) {
      auto& body = m_parser.get().body();
      body.data = m_buf.data();
      body.size = m_buf.size();
      auto ec = m_c->run([&](auto handler) { bhttp::async_read_some(m_c->socket, m_c->buffer, m_parser, handler); },
                         m_idle, "reading the response body");
      if (ec == bhttp::error::need_buffer) ec = {};
      m_c->check(ec, "reading the response body");
      const std::size_t n = m_buf.size() - m_parser.get().body().size;
      if (n > 0) return std::string(m_buf.data(), n);
    }
    return std::nullopt;
  }

private:
  std::unique_ptr<Connection> m_c;
  std::optional<milliseconds> m_idle;
  bhttp::response_parser<bhttp::buffer_body> m_parser;
  std::array<char, 65536> m_buf{};
};

}  // namespace

struct Client::Impl {
  Endpoint endpoint;
  milliseconds timeout;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request (not yet: tcp/tls work)
};

Client::Client(Endpoint endpoint, milliseconds timeout) : m_impl(std::make_unique<Impl>(Impl{std::move(endpoint), timeout})) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const Endpoint& Client::endpoint() const { return m_impl->endpoint; }

void Client::set_header(std::string name, std::string value) {
  for (auto& [k, v] : m_impl->headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  m_impl->headers.emplace_back(std::move(name), std::move(value));
}

Response Client::request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view content_type, std::optional<milliseconds> timeout) {
  const milliseconds limit = timeout.value_or(m_impl->timeout);
  Connection c(m_impl->endpoint.url());
  c.connect(m_impl->endpoint.socket_path, limit);
  c.send(method, target, body, content_type, limit);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  c.check(c.run([&](auto handler) { bhttp::async_read(c.socket, c.buffer, parser, handler); }, limit,
                "reading the response"),
          "reading the response");
  auto& res = parser.get();
  return Response{static_cast<int>(res.result_int()), headers_of(res), std::move(res.body())};
}

std::unique_ptr<StreamingResponse> Client::open(std::string_view method, std::string_view target, std::string_view body,
                                                std::string_view content_type, std::optional<milliseconds> idle_timeout) {
  auto c = std::make_unique<Connection>(m_impl->endpoint.url());
  c->connect(m_impl->endpoint.socket_path, m_impl->timeout);
  c->send(method, target, body, content_type, m_impl->timeout);
  auto response = std::make_unique<BeastStreamingResponse>(std::move(c), idle_timeout);
  response->read_header(m_impl->timeout);
  return response;
}

}  // namespace torchx::http
