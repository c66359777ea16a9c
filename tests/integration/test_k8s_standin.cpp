// SPDX-License-Identifier: BSD-3-Clause
// The Kubernetes API-server stand-in (TEST CODE, tests/k8s/standin) started from C++ as the kubernetes
// plugin's tests start it: its kubeconfig, its port, and an answer over plain HTTP.
#include "../k8s/standin/standin_process.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <iterator>
#include <string>

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// One HTTP/1.1 GET over a plain socket; returns everything the server sent before closing.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("K8sStandin: starts with TLS and a token, and writes a kubeconfig naming both") {
  torchx::test::TempDir tmp;
  torchx::test::K8sStandin standin(tmp.path() / "s", {.tls = true, .token = "tok-123"});
  CHECK(standin.port() > 0);
  CHECK(standin.url() == "https://127.0.0.1:" + std::to_string(standin.port()));
  const std::string config = read_file(standin.kubeconfig());
  CHECK(config.find("server: " + standin.url() + "\n") != std::string::npos);
  CHECK(config.find("certificate-authority: \"" + standin.ca().string() + "\"") != std::string::npos);
  CHECK(config.find("token: \"tok-123\"") != std::string::npos);
  CHECK(std::filesystem::file_size(standin.ca()) > 0);
}

TEST_CASE("K8sStandin: answers discovery over plain HTTP and records the request") {
  torchx::test::TempDir tmp;
  torchx::test::K8sStandin::Options plain;
  plain.tls = false;
  torchx::test::K8sStandin standin(tmp.path() / "s", plain);
  const std::string reply = http_get(standin.port(), "/apis/batch/v1/namespaces/default/jobs/nope");
  CHECK(reply.rfind("HTTP/1.1 404 ", 0) == 0);
  CHECK(reply.find(R"("message": "jobs.batch \"nope\" not found", "reason": "NotFound")") != std::string::npos);
  CHECK(read_file(standin.requests_path()).find(R"("path": "/apis/batch/v1/namespaces/default/jobs/nope")") !=
        std::string::npos);
}

TEST_CASE("K8sStandin: a stand-in that cannot start throws its own error at once") {
  torchx::test::TempDir tmp;
  torchx::test::K8sStandin::Options bad;
  bad.speed = -1;
  const auto start = std::chrono::steady_clock::now();
  try {
    torchx::test::K8sStandin standin(tmp.path() / "s", bad);
    FAIL("it started");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("--speed must be positive") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));  // not the 30 s start timeout
}
