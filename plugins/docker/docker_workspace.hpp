// SPDX-License-Identifier: BSD-3-Clause
// Image workspaces (TorchX's DockerWorkspaceMixin): the user's workspace built onto the role's
// image through the engine's POST /build, tagged by content so that an unchanged workspace is
// never built again.
#pragma once

#include "docker_engine.hpp"

#include <string>

namespace torchx::docker {

/// The Dockerfile TorchX uses when the workspace has no Dockerfile.torchx.
inline constexpr const char* k_default_dockerfile = "ARG IMAGE\nFROM $IMAGE\n\nCOPY . .\n";

/// FNV-1a (64 bits) of `data` as 16 hex digits: names a build context by its content.
std::string content_hash(std::string_view data);

/// The image of `workspace` built onto `base_image`: `localhost/torchx-workspace:<hash of the
/// base image's id and the context>`, built only when the engine does not have it. The context
/// is the workspace minus what its .dockerignore names, with TorchX's default Dockerfile.torchx
/// added when it has none; build args IMAGE and WORKSPACE as TorchX. A failed build throws one
/// line naming the failing step.
std::string build_workspace_image(Engine& engine, const std::string& workspace, const std::string& base_image,
                                  const std::string& version);

}  // namespace torchx::docker
