// SPDX-License-Identifier: BSD-3-Clause
// Whether the local_docker tests can run here: a container engine answering on DOCKER_HOST, else
// Podman's socket (scripts/start-container-engine.sh starts it). Skip with a reason in a plain
// `ctest`; fail under TORCHX_TEST_REQUIRE_DOCKER=1.
#pragma once

#include <torchx/http/client.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace torchx::test {

/// The engine the tests use: $DOCKER_HOST, else Podman's rootful socket.
inline std::string docker_host() {
  const char* h = std::getenv("DOCKER_HOST");
  return h != nullptr && *h != '\0' ? h : "unix:///run/podman/podman.sock";
}

/// Why no engine answers ("" when GET /_ping says OK).
inline std::string docker_unavailable_reason() {
  try {
    http::Client client(http::Endpoint::parse(docker_host()), std::chrono::seconds(5));
    const auto r = client.request("GET", "/_ping");
    return r.status == 200 ? "" : "GET /_ping answered HTTP " + std::to_string(r.status);
  } catch (const std::exception& e) {
    return e.what();
  }
}

inline bool docker_engine_or_skip() {
  const std::string why = docker_unavailable_reason();
  if (why.empty()) return true;
  const std::string message = "no container engine (" + why + "): start one with scripts/start-container-engine.sh";
  const char* require = std::getenv("TORCHX_TEST_REQUIRE_DOCKER");
  if (require != nullptr && std::string(require) == "1") FAIL(message << " [TORCHX_TEST_REQUIRE_DOCKER=1]");
  std::cout << "TORCHX_TEST_SKIPPED: " << message << std::endl;
  return false;
}

}  // namespace torchx::test
