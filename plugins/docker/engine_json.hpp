// SPDX-License-Identifier: BSD-3-Clause
// What local_docker reads from the engine: container inspect and list bodies, error bodies, and
// the multiplexed log stream. Pure and total: any byte string either parses or throws
// EngineJsonError saying what is missing (fuzz/fuzz_docker_engine.cpp holds it to that).
#pragma once

#include <torchx/containers/engine.hpp>
#include <torchx/specs/app_state.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::docker {

/// An engine answer that is not what API 1.41 documents.
class EngineJsonError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One container as `GET /containers/{id}/json` describes it (the fields we use).
struct ContainerInfo {
  std::string id;
  std::string name;  ///< without Docker's leading '/'
  std::string app_id, role, app_name;
  int replica_id = 0;
  std::string status;  ///< State.Status: created, running, exited, stopped (Podman), dead, ...
  int exit_code = 0;
  bool oom_killed = false;
  int restart_count = 0;
  std::int64_t memory_limit = 0;  ///< HostConfig.Memory in bytes, 0 for none
  std::string error;  ///< State.Error
  std::string image;  ///< Config.Image
  std::vector<std::string> cmd;
  std::vector<std::string> env;  ///< "K=V"
};
ContainerInfo parse_inspect(std::string_view body);

/// One entry of `GET /containers/json?all=1` with TorchX's labels.
struct ListedContainer {
  std::string id;
  std::string app_id, role;
  int replica_id = 0;
  std::string app_name;
};
/// Entries without TorchX's labels are skipped.
std::vector<ListedContainer> parse_list(std::string_view body);

/// The container id in the answer to POST /containers/create (`{"Id": "...", "Warnings": [...]}`).
std::string parse_created_id(std::string_view body);

/// The app ids (label torchx.pytorch.org/app-id) and names (…/app-name) of `GET /networks`.
struct ListedNetwork {
  std::string name, app_id, app_name;
};
std::vector<ListedNetwork> parse_networks(std::string_view body);

/// The same of `GET /volumes` (`{"Volumes": [...]}`): cancel's records.
std::vector<ListedNetwork> parse_volumes(std::string_view body);

/// A replica's state: created → SUBMITTED; restarting, paused, removing → PENDING; running →
/// RUNNING; exited and Podman's transient `stopped` → SUCCEEDED on exit code 0, else FAILED;
/// dead → FAILED; anything else UNKNOWN (never an error: engines add states).
specs::AppState replica_state(const ContainerInfo& c);

/// The app's state from its replicas' (TorchX): all terminal → SUCCEEDED iff all succeeded,
/// else FAILED; otherwise the first non-terminal state. UNKNOWN for none.
specs::AppState app_state(const std::vector<specs::AppState>& states);

/// Why a finished container failed, in words: "exited with code 3", "killed by signal 9
/// (SIGKILL, exit code 137)", "killed: out of memory (exit code 137)"; "" for a success. A
/// SIGKILL under a memory limit names the limit: Podman never sets OOMKilled.
std::string exit_text(const ContainerInfo& c);

/// The `message` of an error body (the SDK's containers library: plugin-api/containers/engine_message.cpp).
using containers::engine_message;

/// Splits the engine's log stream into lines. The stream is multiplexed (frames of an 8-byte
/// header: byte 0 the stream, 1 stdout or 2 stderr, bytes 4-7 the big-endian length) unless the
/// first bytes are no such header (a TTY container): then all of it is stdout. Lines are
/// returned without their '\n', per stream, in the order their ends arrived; a line longer than
/// k_max_line is returned in pieces.
class LogDemux {
public:
  static constexpr std::size_t k_max_line = std::size_t{1} << 20;
  struct Line {
    int stream = 1;  ///< 1 stdout, 2 stderr
    std::string text;
  };
  void feed(std::string_view bytes);
  /// The next complete line, if any.
  std::optional<Line> next();
  /// At the end of the stream: the unterminated rests become lines.
  void finish();

private:
  void emit(int stream, std::string_view data);
  std::string m_frame;  ///< bytes of a frame header not yet complete
  std::uint32_t m_left = 0;  ///< payload bytes of the current frame still to come
  int m_stream = 1;
  std::optional<bool> m_multiplexed;
  std::string m_pending[3];
  std::vector<Line> m_ready;
  std::size_t m_ready_pos = 0;
};

}  // namespace torchx::docker
