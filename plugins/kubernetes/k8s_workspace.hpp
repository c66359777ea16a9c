// SPDX-License-Identifier: BSD-3-Clause
// Image workspaces for a remote scheduler (TorchX's DockerWorkspaceMixin with image_repo): the
// user's workspace built onto the role's image through the local container engine, then tagged
// `<image_repo>:<content tag>` and pushed, so that the cluster can pull it.
#pragma once

#include <string>

namespace torchx::k8s {

/// Builds `workspace` onto `base_image` (an unchanged workspace is not built again), tags it
/// `<image_repo>:<tag>` and pushes it (progress on stderr unless `quiet`); returns that name.
/// `docker_host`: the engine's socket (empty: $DOCKER_HOST, else the default sockets).
/// Throws torchx::plugin::Error: Unavailable when no engine answers, InvalidArgument for a bad
/// image_repo, Error(TX_E_INTERNAL) when the build or the push fails (one line, the registry's
/// message; never credentials).
std::string push_workspace_image(const std::string& workspace, const std::string& base_image, const std::string& image_repo,
                                 const std::string& version, bool quiet, const std::string& docker_host = {});

}  // namespace torchx::k8s
