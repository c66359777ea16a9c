// SPDX-License-Identifier: BSD-3-Clause
// torchx::http::Client against a tiny fake server on a unix socket: one canned answer per
// connection, so chunked bodies, streaming, timeouts and errors are tested without an engine.
#include <torchx/http/client.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

using namespace torchx;
using namespace std::chrono_literals;

namespace {

/// Accepts one connection, reads the request head, writes `parts` with `pause` between them.
class FakeServer {
public:
  FakeServer(std::filesystem::path path, std::vector<std::string> parts, std::chrono::milliseconds pause = 0ms)
      : m_path(std::move(path)) {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, m_path.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(m_fd, 4) == 0);
    m_thread = std::thread([this, parts = std::move(parts), pause] {
      const int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<std::size_t>(n));
      }
      request = head;
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
                       "unsupported endpoint 'tcp://host:2375': expected a unix socket, unix:///path/to.sock or /path/to.sock",
                       std::invalid_argument);
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
