// SPDX-License-Identifier: BSD-3-Clause
// Pushing an image to a registry through the local engine (TorchX's DockerWorkspaceMixin
// push_images): `POST /images/{name}/tag` then `POST /images/{name}/push` with X-Registry-Auth,
// the engine's streamed progress read as it arrives. Part of the SDK's containers library
// (`torchx::containers`). Includes no Boost.
#pragma once

#include <torchx/containers/engine.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::containers {

/// Reads the engine's push stream: one JSON object a line (`{"status": ..., "id": ...,
/// "progressDetail": ...}`, `{"aux": {"Digest": ...}}`, `{"error": ..., "errorDetail": {...}}`).
/// Pure and total: any bytes, in any pieces, give lines, an error or nothing; never throws.
class PushStreamReader {
 public:
  /// Reads `bytes`; returns the progress lines worth showing that they completed: each layer's
  /// new state ("<id>: Pushed", "<id>: Layer already exists") and the engine's other statuses,
  /// without the byte counts ("Pushing [==>  ]") or repeats. A line longer than 1 MiB is dropped.
  std::vector<std::string> feed(std::string_view bytes);
  /// At the end of the stream: reads what is left of the last line.
  std::vector<std::string> finish();
  /// The push's error as one line (errorDetail.message, else error), "" when none; at most 500
  /// characters, control characters as spaces.
  [[nodiscard]] const std::string& error() const { return m_error; }
  /// The pushed manifest's digest (`sha256:...`, from aux.Digest or "digest: ..." status), "" if not said.
  [[nodiscard]] const std::string& digest() const { return m_digest; }

 private:
  void line(std::string_view text, std::vector<std::string>& out);
  std::string m_pending;
  bool m_overlong = false;
  std::string m_error, m_digest, m_last;
};

/// How push_image reports and authenticates.
struct PushOptions {
  /// Called with each progress line (PushStreamReader::feed's); empty: quiet.
  std::function<void(const std::string&)> progress;
  /// The X-Registry-Auth value to send; nullopt: find_registry_auth() for the target's
  /// registry, else k_no_registry_auth (the engine may use credentials of its own).
  std::optional<std::string> registry_auth;
};

/// What was pushed.
struct PushResult {
  std::string name;    ///< the target, `<repository>:<tag>`
  std::string digest;  ///< its manifest digest as the engine reported it ("" if it did not)
};

/// Tags `local_image` (a name or id on the engine) as `target_name` (`<repository>:<tag>`,
/// parse_image_name) and pushes it. Always pushes, as TorchX does: the engine skips the layers
/// the registry already has, so an unchanged image costs a manifest upload.
/// Errors (one line each; no credential ever in them): plugin::InvalidArgument for a malformed
/// target or a local image the engine lacks; plugin::Error(TX_E_INTERNAL) "cannot push '<target>'
/// to <registry>: <engine's error>" when the engine or the registry refuses (a registry that is
/// down, a denied push); plugin::Unavailable when the engine does not answer.
PushResult push_image(Engine& engine, const std::string& local_image, const std::string& target_name,
                      const PushOptions& options = {});

/// Pulls `image` (`repository[:tag]` or `repository@digest`, as `docker pull` takes it) with
/// `POST /images/create?fromImage=`, X-Registry-Auth as push_image finds it (for a name that
/// parse_repository reads; else `{}`), progress as push_image reports it. Errors as push_image's:
/// plugin::Error(TX_E_INTERNAL) "cannot pull '<image>': <engine's error>", one line; Unavailable
/// when the engine does not answer.
void pull_image(Engine& engine, const std::string& image, const PushOptions& options = {});

}  // namespace torchx::containers
