// SPDX-License-Identifier: BSD-3-Clause
// torchx::http::Client against a tiny fake server on a unix socket: one canned answer per
// connection, so chunked bodies, streaming, timeouts and errors are tested without an engine.
#include <torchx/http/client.hpp>

#include "../support/temp_dir.hpp"
#include "../support/unix_server.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

using namespace torchx;
using namespace std::chrono_literals;

namespace {

/// Accepts one connection, reads the request head, writes `parts` with `pause` between them.
class FakeServer {
public:
  FakeServer(std::filesystem::path path, std::vector<std::string> parts, std::chrono::milliseconds pause = 0ms)
      : m_path(std::move(path)) {
    m_fd = test::listen_unix(m_path, 4);
    m_thread = std::thread([this, parts = std::move(parts), pause] {
      const int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) return;
      request = test::read_request_head(c);
      for (const auto& p : parts) {
        if (::write(c, p.data(), p.size()) < 0) break;
        std::this_thread::sleep_for(pause);
      }
      ::close(c);
    });
  }
  ~FakeServer() {
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
  }
  std::string request;

private:
  std::filesystem::path m_path;
  int m_fd = -1;
  std::thread m_thread;
};

}  // namespace

TEST_CASE("Endpoint::parse: unix sockets, anything else says what is supported") {
  CHECK(http::Endpoint::parse("unix:///run/podman/podman.sock").socket_path == "/run/podman/podman.sock");
  CHECK(http::Endpoint::parse("/var/run/docker.sock").url() == "unix:///var/run/docker.sock");
  CHECK_THROWS_WITH_AS(http::Endpoint::parse("tcp://host:2375"),
                       "unsupported endpoint 'tcp://host:2375': expected unix:///path/to.sock, /path/to.sock, "
                       "http://host[:port][/prefix] or https://host[:port][/prefix]",
                       std::invalid_argument);
}

TEST_CASE("Endpoint::parse: http and https URLs, with default ports, IPv6 in brackets and a path prefix") {
  struct Row {
    const char* url;
    const char* scheme;
    const char* host;
    unsigned short port;
    const char* base_path;
    const char* canonical;
  };
  const Row rows[] = {
      {"https://kube.example.com", "https", "kube.example.com", 443, "", "https://kube.example.com:443"},
      {"https://10.0.0.1:6443", "https", "10.0.0.1", 6443, "", "https://10.0.0.1:6443"},
      {"http://localhost:8080/", "http", "localhost", 8080, "", "http://localhost:8080"},
      {"HTTPS://[::1]:6443/k8s/clusters/c-1//", "https", "::1", 6443, "/k8s/clusters/c-1", "https://[::1]:6443/k8s/clusters/c-1"},
      {"https://[fe80::1]", "https", "fe80::1", 443, "", "https://[fe80::1]:443"},
      {"http://a_b-c.example.:65535/p", "http", "a_b-c.example.", 65535, "/p", "http://a_b-c.example.:65535/p"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.url);
    const auto e = http::Endpoint::parse(r.url);
    CHECK(e.scheme == r.scheme);
    CHECK(e.host == r.host);
    CHECK(e.port == r.port);
    CHECK(e.base_path == r.base_path);
    CHECK(e.url() == r.canonical);
    CHECK(http::Endpoint::parse(e.url()).url() == e.url());  // url() parses back to itself
  }
}

TEST_CASE("Endpoint::parse: malformed URLs are one line saying what is wrong, credentials never echoed") {
  const std::pair<std::string, std::string> rows[] = {
      {"https://host:0", "unsupported endpoint 'https://host:0': the port is out of range (1-65535)"},
      {"https://host:65536", "unsupported endpoint 'https://host:65536': the port is out of range (1-65535)"},
      {"https://host:99999999999999999999", "unsupported endpoint 'https://host:99999999999999999999': the port is out of range (1-65535)"},
      {"https://host:", "unsupported endpoint 'https://host:': an empty port after ':'"},
      {"https://host:6443x", "unsupported endpoint 'https://host:6443x': the port is not a number"},
      {"https://host:-1", "unsupported endpoint 'https://host:-1': the port is not a number"},
      {"https://", "unsupported endpoint 'https://': no host (expected unix:///path/to.sock, /path/to.sock, "
                   "http://host[:port][/prefix] or https://host[:port][/prefix])"},
      {"https://:6443", "unsupported endpoint 'https://:6443': no host (expected unix:///path/to.sock, /path/to.sock, "
                        "http://host[:port][/prefix] or https://host[:port][/prefix])"},
      {"https://::1:6443", "unsupported endpoint 'https://::1:6443': an IPv6 address must be written in brackets, e.g. https://[::1]:6443"},
      {"https://[::1", "unsupported endpoint 'https://[::1': an IPv6 address needs its closing ']'"},
      {"https://[nope]:1", "unsupported endpoint 'https://[nope]:1': '[...]' holds no IPv6 address"},
      {"https://[::1]6443", "unsupported endpoint 'https://[::1]6443': expected ':port' after ']'"},
      {"https://ho st", "unsupported endpoint 'https://ho st': the host is neither a DNS name nor an IP address"},
      {"https://a..b", "unsupported endpoint 'https://a..b': the host is neither a DNS name nor an IP address"},
      {"https://host/x?y=1", "unsupported endpoint 'https://host/x?y=1': a query or fragment is not allowed (expected "
                             "unix:///path/to.sock, /path/to.sock, http://host[:port][/prefix] or https://host[:port][/prefix])"},
      {"https://host/a b", "unsupported endpoint 'https://host/a b': the path prefix holds a space, a control character or '\\'"},
      {std::string("https://host\r\nX: y"), "unsupported endpoint 'https://host\\x0d\\x0aX: y': the host is neither a DNS name nor an IP address"},
      {"", "unsupported endpoint '': expected unix:///path/to.sock, /path/to.sock, http://host[:port][/prefix] or https://host[:port][/prefix]"},
      {"ftp://host", "unsupported endpoint 'ftp://host': expected unix:///path/to.sock, /path/to.sock, http://host[:port][/prefix] or "
                     "https://host[:port][/prefix]"},
  };
  for (const auto& [url, message] : rows) {
    CAPTURE(url);
    CHECK_THROWS_WITH_AS(http::Endpoint::parse(url), message.c_str(), std::invalid_argument);
  }
  // user:password@ is refused, and the message holds neither.
  for (const char* url : {"https://admin:hunter2@kube.example.com:6443", "http://tok3n@host", "https://a@b@c"}) {
    CAPTURE(url);
    try {
      (void)http::Endpoint::parse(url);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      CHECK(what == "unsupported endpoint: user information ('user:password@') in a " + std::string(url).substr(0, std::string(url).find(':')) +
                        " URL is refused; give credentials as a token or a client certificate");
      CHECK(what.find("hunter2") == std::string::npos);
      CHECK(what.find("tok3n") == std::string::npos);
    }
  }
  // A huge host: cut in the message, not echoed whole.
  const std::string huge = "https://" + std::string(100000, 'a');
  try {
    (void)http::Endpoint::parse(huge);
    FAIL("accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).size() < 400);
    CHECK(std::string(e.what()).ends_with("...': the host is neither a DNS name nor an IP address"));
  }
}

TEST_CASE("Client::request: a chunked response is read whole, the request is HTTP/1.1 with its body") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "s.sock";
  FakeServer server(sock, {"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                           "5\r\n{\"Id\"\r\n", "7\r\n:\"abc\"}\r\n0\r\n\r\n"});
  http::Client client(http::Endpoint::parse(sock.string()), 5s);
  const auto r = client.request("POST", "/v1.41/containers/create?name=x", R"({"Image":"i"})");
  CHECK(r.status == 201);
  CHECK(r.body == R"({"Id":"abc"})");
  CHECK(r.header("content-type") == "application/json");
  CHECK(server.request.starts_with("POST /v1.41/containers/create?name=x HTTP/1.1\r\n"));
}

TEST_CASE("Client::open: the body arrives piece by piece as the server writes it") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "s.sock";
  FakeServer server(sock, {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "3\r\none\r\n", "3\r\ntwo\r\n", "0\r\n\r\n"},
                    50ms);
  http::Client client(http::Endpoint::parse(sock.string()), 5s);
  auto s = client.open("GET", "/logs");
  CHECK(s->status() == 200);
  std::string all;
  int pieces = 0;
  while (auto p = s->read_some()) {
    all += *p;
    ++pieces;
  }
  CHECK(all == "onetwo");
  CHECK(pieces >= 2);
}

TEST_CASE("Client::request: no socket, or no answer in time, is an HttpError naming the socket") {
  test::TempDir tmp;
  const auto missing = tmp.path() / "missing.sock";
  http::Client nobody(http::Endpoint::parse(missing.string()), 1s);
  CHECK_THROWS_WITH_AS(nobody.request("GET", "/_ping"),
                       ("cannot connect to unix://" + missing.string() + ": No such file or directory").c_str(), http::HttpError);
  const std::string too_long = "/tmp/" + std::string(200, 'x') + ".sock";
  http::Client unreachable(http::Endpoint::parse(too_long), 1s);
  CHECK_THROWS_AS(unreachable.request("GET", "/_ping"), http::HttpError);
  const auto slow = tmp.path() / "slow.sock";
  FakeServer server(slow, {"HTTP/1.1 200 OK\r\n"}, 2000ms);
  http::Client client(http::Endpoint::parse(slow.string()), 300ms);
  try {
    (void)client.request("GET", "/_ping");
    FAIL("no timeout");
  } catch (const http::HttpError& e) {
    CHECK(e.kind() == http::HttpError::Kind::timeout);
    CHECK(std::string(e.what()) == "unix://" + slow.string() + ": no answer within 300 ms while reading the response");
  }
}

TEST_CASE("Endpoint::parse: random and hostile input is refused in one line or parses to a URL that parses back") {
  std::mt19937 rng(17);
  using namespace std::string_literals;
  const std::string alphabet = "htps:/[]@?#%.-_0123456789abcdefABCDEF:\r\n\t \x7f\xff\x00unix"s;
  const std::string prefixes[] = {"", "http://", "https://", "unix://", "https://[", "http://host:"};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string url = prefixes[rng() % std::size(prefixes)];
    const std::size_t n = rng() % 40;
    for (std::size_t k = 0; k < n; ++k) url.push_back(alphabet[rng() % alphabet.size()]);
    try {
      const auto e = http::Endpoint::parse(url);
      ++parsed;
      CAPTURE(url);
      const std::string canonical = e.url();
      REQUIRE(std::none_of(canonical.begin(), canonical.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
      if (e.scheme == "unix") continue;
      REQUIRE(http::Endpoint::parse(e.url()).url() == e.url());
      REQUIRE(e.port != 0);
      REQUIRE(e.url().find_first_of(std::string("\r\n \0?#", 6)) == std::string::npos);
      REQUIRE(e.host.find_first_of("@/") == std::string::npos);
    } catch (const std::invalid_argument& ex) {
      const std::string what = ex.what();
      CAPTURE(url);
      REQUIRE(what.find('\n') == std::string::npos);
      REQUIRE(what.find('\r') == std::string::npos);
      REQUIRE(what.size() < 600);
    }
  }
  CHECK(parsed > 100);  // the generator reaches valid URLs too, so both branches are exercised
}
