// SPDX-License-Identifier: BSD-3-Clause
// Registry credentials as `docker push` and `podman push` find them, turned into the Docker
// Engine API's X-Registry-Auth header (base64url of a JSON auth config). Every value read here is
// a secret: none of it ever appears in a message, a log line or an exception.
// Part of the SDK's containers library (`torchx::containers`). Includes no Boost.
#pragma once

#include <torchx/containers/image_reference.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::containers {

/// The files searched, in order: $REGISTRY_AUTH_FILE; Podman's $XDG_RUNTIME_DIR/containers/auth.json
/// and $XDG_CONFIG_HOME/containers/auth.json (~/.config/...); Docker's $DOCKER_CONFIG/config.json,
/// else ~/.docker/config.json. Unset variables are skipped. `getenv` is a parameter for tests.
std::vector<std::filesystem::path> auth_files(const std::function<const char*(const char*)>& getenv);

/// The X-Registry-Auth value for `repository` from one auth file's text (Docker's config.json or
/// Podman's auth.json: `{"auths": {"<registry>": {"auth": base64("user:password")} or
/// {"identitytoken": "..."}}}`), or nullopt when the file has no entry for it. Keys match as
/// Docker and Podman match them: a scheme and a trailing `/v1/`/`/v2/` are ignored, and Podman's
/// `registry/namespace` keys match that namespace (the longest key wins); Docker Hub's
/// `https://index.docker.io/v1/` serves `docker.io`. Throws std::invalid_argument (naming the
/// registry, never a value) when the text is not JSON or the entry cannot be read.
/// Credential helpers (`credHelpers`, `credsStore`) are not run: such an entry counts as none.
std::optional<std::string> registry_auth_from_config(std::string_view config_text, const ImageRepository& repository);

/// Where an X-Registry-Auth value came from.
struct RegistryAuth {
  std::string header;  ///< the value to send (a secret)
  std::string source;  ///< the file it was read from (safe to print)
};

/// The first of auth_files() holding an entry for `repository`; nullopt when none does (the
/// engine may then still use credentials of its own). A file that cannot be read or parsed is
/// skipped and named in `warnings` (one line each, no secret).
std::optional<RegistryAuth> find_registry_auth(const ImageRepository& repository,
                                               const std::function<const char*(const char*)>& getenv,
                                               std::vector<std::string>* warnings = nullptr);

/// The X-Registry-Auth value meaning "no credentials": base64url of `{}`.
inline constexpr std::string_view k_no_registry_auth = "e30=";

/// RFC 4648 base64 with the URL-safe alphabet and padding (what the Engine API's header takes).
std::string base64url_encode(std::string_view data);
/// Decodes standard or URL-safe base64 (padding optional); nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace torchx::containers
