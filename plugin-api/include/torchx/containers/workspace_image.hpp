// SPDX-License-Identifier: BSD-3-Clause
// Image workspaces (TorchX's DockerWorkspaceMixin): the user's workspace built onto the role's
// image through the engine's POST /build, tagged by content so that an unchanged workspace is
// never built again. Part of the SDK's containers library (link `torchx::containers`): local_docker
// runs the image, kubernetes pushes it (push.hpp). Includes no Boost.
#pragma once

#include <torchx/containers/engine.hpp>

#include <string>
#include <string_view>

namespace torchx::containers {

/// The Dockerfile TorchX uses when the workspace has no Dockerfile.torchx.
inline constexpr const char* k_default_dockerfile = "ARG IMAGE\nFROM $IMAGE\n\nCOPY . .\n";

/// The repository every workspace image is built under: `<k_workspace_repo>:<content hash>`.
inline constexpr std::string_view k_workspace_repo = "localhost/torchx-workspace";

/// FNV-1a (64 bits) of `data` as 16 hex digits: names a build context by its content.
std::string content_hash(std::string_view data);

/// The id (`sha256:...`) of `image` on the engine, or "" when it has no such image.
/// plugin::Error(TX_E_INTERNAL) when the engine answers an error; Unavailable when it does not answer.
std::string image_id(Engine& engine, const std::string& image);

/// The image of `workspace` built onto `base_image`: `localhost/torchx-workspace:<hash of the
/// base image's id and the context>` (k_workspace_repo), built only when the engine does not have it. The context
/// is the workspace minus what its .dockerignore names, with TorchX's default Dockerfile.torchx
/// added when it has none; build args IMAGE and WORKSPACE as TorchX. A failed build throws one
/// line naming the failing step (plugin::InvalidArgument); a base image the engine lacks and an
/// unreadable workspace are InvalidArgument too. Progress goes to plugin::log while stderr is a terminal.
std::string build_workspace_image(Engine& engine, const std::string& workspace, const std::string& base_image,
                                  const std::string& version);

}  // namespace torchx::containers
