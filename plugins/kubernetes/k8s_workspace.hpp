// SPDX-License-Identifier: BSD-3-Clause
// Image workspaces for a remote scheduler (TorchX's DockerWorkspaceMixin with image_repo): the
// user's workspace built onto the role's image through the local container engine, then tagged
// `<image_repo>:<content tag>` and pushed, so that the cluster can pull it.
#pragma once

#include <torchx/containers/image_reference.hpp>

#include <string>

namespace torchx::k8s {

/// `image_repo` read as a repository (containers::parse_repository); plugin::InvalidArgument
/// "image_repo '<text>' <why> (expected ...)" on one line for anything else.
containers::ImageRepository parse_image_repo(const std::string& image_repo);

/// Builds `workspace` onto `base_image` (pulled first when the engine lacks it; an unchanged
/// workspace is not built again), tags it
/// `<image_repo>:<tag>` and pushes it (progress on stderr unless `quiet`); returns that name.
/// The tag is the build's content tag (16 hex digits of the base image's id and the build
/// context), so the same workspace on the same image always gets the same name. It always
/// pushes, as TorchX does: the engine skips the layers the registry has.
/// `docker_host`: the engine's socket (empty: $DOCKER_HOST, else the default sockets).
/// Throws torchx::plugin::Error: Unavailable when no engine answers, InvalidArgument for a bad
/// image_repo or a failed build, Error(TX_E_INTERNAL) when the pull or the push fails (one line, the registry's
/// message; never credentials).
std::string push_workspace_image(const std::string& workspace, const std::string& base_image,
                                 const std::string& image_repo, const std::string& version, bool quiet,
                                 const std::string& docker_host = {});

}  // namespace torchx::k8s
