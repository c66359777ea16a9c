// SPDX-License-Identifier: BSD-3-Clause
// A local container engine (Docker, or Podman's Docker-compatible service) through the Docker
// Engine API over its unix socket: which socket (a run option, else DOCKER_HOST, else Podman's
// and Docker's default sockets) and the API calls, with every failure to reach it turned into
// plugin::Unavailable (torchx exits 4) naming what was tried.
//
// Part of the SDK's containers library (DESIGN §11): link `torchx::containers`. local_docker runs
// containers with it; kubernetes builds and pushes workspace images with it. Includes no Boost.
#pragma once

#include <torchx/http/client.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torchx::containers {

/// The API version we speak (Podman 4.3 answers 1.41).
inline constexpr std::string_view k_api_prefix = "/v1.41";

/// The sockets to try, in order: `configured` (the run option) when not empty, else
/// $DOCKER_HOST, else Podman's rootful socket, Podman's rootless one ($XDG_RUNTIME_DIR) and
/// Docker's. `getenv` is a parameter so that the rule is a unit test.
std::vector<std::string> candidate_hosts(const std::string& configured,
                                         const std::function<const char*(const char*)>& getenv);

/// The `message` of an engine's error body (`{"message": "..."}`), else the body's first line;
/// at most 300 characters (then "..."). Total: any bytes give a string.
std::string engine_message(std::string_view body);

/// A connection to one engine. Holds no socket between calls (each request connects anew), so
/// an Engine is cheap to keep; use one from one thread at a time.
class Engine {
public:
  /// The first candidate that answers `GET /_ping`; plugin::Unavailable naming each candidate
  /// and why it did not answer when none does; plugin::InvalidArgument for a malformed host.
  static Engine connect(const std::string& configured);

  /// `method k_api_prefix+target`: the response, whatever its status. Unavailable when the
  /// engine stops answering. A GET answered with Podman 4.3's "read /proc/N/cgroup: no such
  /// process" race (HTTP 500) is asked again, up to 5 times (~0.6 s in all), before it counts.
  http::Response call(std::string_view method, const std::string& target, std::string_view body = {},
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// As call, and a status >= 400 becomes plugin::Error(TX_E_INTERNAL) "<doing>: <engine's message>".
  http::Response check(std::string_view method, const std::string& target, std::string_view body, const std::string& doing,
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// `GET target`, its response read as it arrives (each piece waiting at most `idle`).
  std::unique_ptr<http::StreamingResponse> open(const std::string& target, std::optional<std::chrono::milliseconds> idle);
  /// `method target` with `body` of `content_type`, its response read as it arrives. `headers`
  /// are sent with this request only (e.g. X-Registry-Auth); their values never appear in messages.
  std::unique_ptr<http::StreamingResponse> open(std::string_view method, const std::string& target, std::string_view body,
                                                std::string_view content_type, std::optional<std::chrono::milliseconds> idle,
                                                const std::vector<std::pair<std::string, std::string>>& headers = {});

  /// The engine's socket as messages name it (`unix:///run/podman/podman.sock`).
  [[nodiscard]] std::string url() const { return m_client.endpoint().url(); }

private:
  explicit Engine(http::Client client) : m_client(std::move(client)) {}
  http::Client m_client;
};

}  // namespace torchx::containers
