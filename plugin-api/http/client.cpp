// SPDX-License-Identifier: BSD-3-Clause
// torchx::http::Client over Boost.Beast: unix sockets and plain TCP here; TLS in tls.cpp
// (torchx_http_tls), reached through a weak reference so that a plugin which does not link it
// carries no OpenSSL.
#include "connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <netdb.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#pragma weak torchx_http_connect_tls

namespace torchx::http {

using namespace detail;
using unix_socket = asio::local::stream_protocol;

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

namespace detail {

std::string seconds_text(milliseconds t) {
  const auto ms = t.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

void Connection::fail(error_code ec, const std::string& doing) {
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) {
    throw HttpError(HttpError::Kind::protocol, m_where + ": the server closed the connection while " + doing);
  }
  throw HttpError(HttpError::Kind::protocol, m_where + ": error while " + doing + ": " + ec.message());
}

namespace {

/// getaddrinfo's answer, shared with the thread that asks (which may outlive the wait).
struct Resolution {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  std::vector<tcp::endpoint> endpoints;
};

std::vector<tcp::endpoint> resolve(const Endpoint& endpoint, const std::string& where, const Deadline& d) {
  error_code ec;
  const auto address = asio::ip::make_address(endpoint.host, ec);
  if (!ec) return {tcp::endpoint(address, endpoint.port)};
  auto r = std::make_shared<Resolution>();
  std::thread([r, host = endpoint.host] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
    std::vector<tcp::endpoint> found;
    for (const addrinfo* a = list; rc == 0 && a != nullptr; a = a->ai_next) {
      if (a->ai_family == AF_INET || a->ai_family == AF_INET6) {
        tcp::endpoint ep;
        std::memcpy(ep.data(), a->ai_addr, a->ai_addrlen);
        found.push_back(ep);
      }
    }
    if (list != nullptr) ::freeaddrinfo(list);
    const std::lock_guard lock(r->mutex);
    r->rc = rc;
    r->endpoints = std::move(found);
    r->done = true;
    r->cv.notify_all();
  }).detach();
  std::unique_lock lock(r->mutex);
  if (!r->cv.wait_for(lock, d.left(), [&] { return r->done; })) {
    throw HttpError(HttpError::Kind::timeout,
                    where + ": no answer within " + seconds_text(d.limit) + " while resolving '" + endpoint.host + "'");
  }
  if (r->rc != 0 || r->endpoints.empty()) {
    const std::string why = r->rc == EAI_SYSTEM ? std::strerror(errno) : r->rc != 0 ? ::gai_strerror(r->rc) : "no address";
    throw HttpError(HttpError::Kind::dns, "cannot resolve '" + endpoint.host + "' (" + where + "): " + why);
  }
  for (auto& ep : r->endpoints) ep.port(endpoint.port);
  return r->endpoints;
}

}  // namespace

void Connection::connect_tcp(tcp::socket& socket, const Endpoint& endpoint, const Deadline& d) {
  const auto endpoints = resolve(endpoint, m_where, d);
  error_code ec;
  for (const auto& ep : endpoints) {
    error_code ignored;
    socket.close(ignored);
    ec = run([&](auto h) { socket.async_connect(ep, h); }, d, "connecting");
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ignored);
      return;
    }
  }
  throw HttpError(HttpError::Kind::connect, "cannot connect to " + m_where + ": " + ec.message());
}

}  // namespace detail

namespace {

class UnixConnection : public StreamConnection<unix_socket::socket> {
public:
  using StreamConnection::StreamConnection;
  void connect(const std::string& path, const Deadline& d) {
    unix_socket::endpoint endpoint;
    try {
      endpoint = unix_socket::endpoint(path);
    } catch (const boost::system::system_error& e) {  // a path longer than sockaddr_un holds
      throw HttpError(HttpError::Kind::connect, "cannot connect to " + m_where + ": " + e.code().message());
    }
    const auto ec = run([&](auto h) { m_stream.async_connect(endpoint, h); }, d, "connecting");
    if (ec) throw HttpError(HttpError::Kind::connect, "cannot connect to " + m_where + ": " + ec.message());
  }

protected:
  void close() noexcept override {
    error_code ignored;
    m_stream.close(ignored);
  }
};

class TcpConnection : public StreamConnection<tcp::socket> {
public:
  using StreamConnection::StreamConnection;
  void connect(const Endpoint& endpoint, const Deadline& d) { connect_tcp(m_stream, endpoint, d); }

protected:
  void close() noexcept override {
    error_code ignored;
    m_stream.close(ignored);
  }
};

template <typename Fields>
std::vector<std::pair<std::string, std::string>> headers_of(const Fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

/// A header name is an RFC 9110 token.
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
  });
}

class BeastStreamingResponse : public StreamingResponse {
public:
  BeastStreamingResponse(std::unique_ptr<Connection> c, std::optional<milliseconds> idle)
      : m_c(std::move(c)), m_idle(idle) {
    m_parser.body_limit(boost::none);
  }

  void read_header(const Deadline& d) { m_c->read_header(m_parser, d); }

  [[nodiscard]] int status() const override { return static_cast<int>(m_parser.get().result_int()); }

  std::optional<std::string> read_some() override {
    while (!m_parser.is_done()) {
      auto& body = m_parser.get().body();
      body.data = m_buf.data();
      body.size = m_buf.size();
      m_c->read_some(m_parser, m_idle);
      const std::size_t n = m_buf.size() - m_parser.get().body().size;
      if (n > 0) return std::string(m_buf.data(), n);
    }
    return std::nullopt;
  }

private:
  std::unique_ptr<Connection> m_c;
  std::optional<milliseconds> m_idle;
  BufferParser m_parser;
  std::array<char, 65536> m_buf{};
};

}  // namespace

struct Client::Impl {
  Endpoint endpoint;
  milliseconds timeout;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
  std::shared_ptr<void> tls_state;                           // tls.cpp's context, made on first use

  std::unique_ptr<Connection> connect(const Deadline& d) {
    if (endpoint.scheme == "unix") {
      auto c = std::make_unique<UnixConnection>(endpoint.url());
      c->connect(endpoint.socket_path, d);
      return c;
    }
    if (endpoint.scheme == "http") {
      auto c = std::make_unique<TcpConnection>(endpoint.url());
      c->connect(endpoint, d);
      return c;
    }
    if (endpoint.scheme == "https") {
      if (&torchx_http_connect_tls == nullptr) {
        throw HttpError(HttpError::Kind::tls, endpoint.url() + ": this plugin was built without TLS (link torchx::http_tls)");
      }
      return std::unique_ptr<Connection>(torchx_http_connect_tls(endpoint, tls_state, d));
    }
    throw std::invalid_argument("unsupported endpoint scheme '" + endpoint.scheme + "' (expected unix, http or https)");
  }

  /// The request as sent: the target under base_path, Host, then the client's headers.
  Request make_request(std::string_view method, std::string_view target, std::string_view body,
                       std::string_view content_type) const {
    const bhttp::verb verb = bhttp::string_to_verb(method);
    if (verb == bhttp::verb::unknown) throw std::invalid_argument("unknown HTTP method '" + std::string(method) + "'");
    if (target.empty() || target.front() != '/' ||
        std::any_of(target.begin(), target.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
      throw std::invalid_argument("invalid request target: it must start with '/' and hold no space or control character");
    }
    Request req{verb, endpoint.base_path + std::string(target), 11};
    if (endpoint.scheme == "unix") {
      req.set(bhttp::field::host, "localhost");
    } else {
      if (endpoint.host.empty() || std::any_of(endpoint.host.begin(), endpoint.host.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '@';
          })) {
        throw std::invalid_argument("invalid endpoint host: use Endpoint::parse");  // set by hand, not parsed
      }
      const bool v6 = endpoint.host.find(':') != std::string::npos;
      std::string host = v6 ? "[" + endpoint.host + "]" : endpoint.host;
      const unsigned short default_port = endpoint.scheme == "https" ? 443 : 80;
      if (endpoint.port != default_port) host += ":" + std::to_string(endpoint.port);
      req.set(bhttp::field::host, host);
    }
    req.set(bhttp::field::user_agent, "torchx");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.set(bhttp::field::connection, "close");
    if (!body.empty()) {
      req.set(bhttp::field::content_type, std::string(content_type));
      req.body() = std::string(body);
    }
    req.prepare_payload();
    return req;
  }
};

Client::Client(Endpoint endpoint, milliseconds timeout)
    : m_impl(std::make_unique<Impl>(Impl{std::move(endpoint), timeout, {}, {}})) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const Endpoint& Client::endpoint() const { return m_impl->endpoint; }

void Client::set_header(std::string name, std::string value) {
  if (!is_token(name)) throw std::invalid_argument("invalid header name (expected letters, digits and !#$%&'*+-.^_`|~)");
  if (std::any_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; })) {
    throw std::invalid_argument("invalid value for header '" + name + "': it holds a line break or NUL");
  }
  for (auto& [k, v] : m_impl->headers) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  m_impl->headers.emplace_back(std::move(name), std::move(value));
}

Response Client::request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view content_type, std::optional<milliseconds> timeout) {
  auto req = m_impl->make_request(method, target, body, content_type);
  const auto d = Deadline::after(timeout.value_or(m_impl->timeout));
  const auto c = m_impl->connect(d);
  c->write(req, d);
  StringParser parser;
  parser.body_limit(boost::none);
  c->read(parser, d);
  auto& res = parser.get();
  return Response{static_cast<int>(res.result_int()), headers_of(res), std::move(res.body())};
}

std::unique_ptr<StreamingResponse> Client::open(std::string_view method, std::string_view target, std::string_view body,
                                                std::string_view content_type, std::optional<milliseconds> idle_timeout) {
  auto req = m_impl->make_request(method, target, body, content_type);
  const auto d = Deadline::after(m_impl->timeout);
  auto c = m_impl->connect(d);
  c->write(req, d);
  auto response = std::make_unique<BeastStreamingResponse>(std::move(c), idle_timeout);
  response->read_header(d);
  return response;
}

}  // namespace torchx::http
