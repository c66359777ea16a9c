// SPDX-License-Identifier: BSD-3-Clause
// Whether the workspace-push tests can run here: a container engine (docker_engine.hpp) and the
// local registry on 127.0.0.1:5000 (scripts/start-registry.sh starts it; TORCHX_TEST_REGISTRY
// names another host:port). Skip with a reason in a plain `ctest`; fail under
// TORCHX_TEST_REQUIRE_DOCKER=1, as the engine's tests do. registry_get speaks plain HTTP over
// TCP itself (a test's own client: torchx::http reaches TCP only with the TLS work).
#pragma once

#include "docker_engine.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace torchx::test {

/// The registry the tests push to, as image names spell it: "localhost:5000" (its HTTP API is
/// reached on 127.0.0.1 and the same port).
inline std::string registry_host() {
  const char* r = std::getenv("TORCHX_TEST_REGISTRY");
  return r != nullptr && *r != '\0' ? r : "localhost:5000";
}

/// An HTTP/1.1 answer: status, raw headers, body.
struct RegistryAnswer {
  int status = 0;
  std::string headers;
  std::string body;
};

/// `method path` on 127.0.0.1:<port of registry_host()> with `accept`; nullopt when nothing
/// answers (within 5 s).
inline std::optional<RegistryAnswer> registry_request(const std::string& method, const std::string& path,
                                                      const std::string& accept = "application/json") {
  const std::string host = registry_host();
  const auto colon = host.rfind(':');
  const int port = colon == std::string::npos ? 80 : std::atoi(host.c_str() + colon + 1);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string req =
      method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: " + accept + "\r\nConnection: close\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || end == std::string::npos || raw.size() < 12) return std::nullopt;
  return RegistryAnswer{std::atoi(raw.c_str() + 9), raw.substr(0, end), raw.substr(end + 4)};
}

/// True when the engine answers and the registry answers GET /v2/ with 200; else skips (prints
/// TORCHX_TEST_SKIPPED and the reason) or, under TORCHX_TEST_REQUIRE_DOCKER=1, fails.
inline bool registry_or_skip() {
  if (!docker_engine_or_skip()) return false;
  const auto r = registry_request("GET", "/v2/");
  if (r && r->status == 200) return true;
  const std::string message =
      "no registry at " + registry_host() + " (" +
      (r ? "GET /v2/ answered HTTP " + std::to_string(r->status) : std::string("nothing answers")) +
      "): start one with scripts/start-registry.sh";
  const char* require = std::getenv("TORCHX_TEST_REQUIRE_DOCKER");
  if (require != nullptr && std::string(require) == "1") FAIL(message << " [TORCHX_TEST_REQUIRE_DOCKER=1]");
  std::cout << "TORCHX_TEST_SKIPPED: " << message << std::endl;
  return false;
}

}  // namespace torchx::test
