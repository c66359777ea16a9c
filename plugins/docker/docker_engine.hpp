// SPDX-License-Identifier: BSD-3-Clause
// The container engine local_docker talks to: which socket (the docker_host run option, else
// DOCKER_HOST, else Podman's and Docker's default sockets) and the API calls, with every
// failure to reach it turned into plugin::Unavailable (torchx exits 4) naming what was tried.
#pragma once

#include <torchx/http/client.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::docker {

/// The API version we speak (Podman 4.3 answers 1.41).
inline constexpr std::string_view k_api_prefix = "/v1.41";

/// The sockets to try, in order: `configured` (the run option) when not empty, else
/// $DOCKER_HOST, else Podman's rootful socket, Podman's rootless one ($XDG_RUNTIME_DIR) and
/// Docker's. `getenv` is a parameter so that the rule is a unit test.
std::vector<std::string> candidate_hosts(const std::string& configured,
                                         const std::function<const char*(const char*)>& getenv);

class Engine {
public:
  /// The first candidate that answers `GET /_ping`; plugin::Unavailable naming each candidate
  /// and why it did not answer when none does; plugin::InvalidArgument for a malformed host.
  static Engine connect(const std::string& configured);

  /// `method k_api_prefix+target`: the response, whatever its status. Unavailable when the
  /// engine stops answering.
  http::Response call(std::string_view method, const std::string& target, std::string_view body = {},
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// As call, and a status >= 400 becomes plugin::Error(TX_E_INTERNAL) "<doing>: <engine's message>".
  http::Response check(std::string_view method, const std::string& target, std::string_view body, const std::string& doing,
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  std::unique_ptr<http::StreamingResponse> open(const std::string& target, std::optional<std::chrono::milliseconds> idle);
  /// `method target` with `body` of `content_type`, its response read as it arrives.
  std::unique_ptr<http::StreamingResponse> open(std::string_view method, const std::string& target, std::string_view body,
                                                std::string_view content_type, std::optional<std::chrono::milliseconds> idle);

  [[nodiscard]] std::string url() const { return m_client.endpoint().url(); }

private:
  explicit Engine(http::Client client) : m_client(std::move(client)) {}
  http::Client m_client;
};

}  // namespace torchx::docker
