// SPDX-License-Identifier: BSD-3-Clause
#include "k8s_workspace.hpp"

#include <torchx/containers/engine.hpp>
#include <torchx/containers/image_reference.hpp>
#include <torchx/containers/push.hpp>
#include <torchx/containers/workspace_image.hpp>
#include <torchx/plugin.hpp>

#include <stdexcept>

namespace torchx::k8s {

containers::ImageRepository parse_image_repo(const std::string& image_repo) {
  try {
    return containers::parse_repository(image_repo);
  } catch (const std::invalid_argument& e) {
    throw plugin::InvalidArgument(
        std::string("image_repo ") + e.what() +
        " (expected a repository such as registry.example.com:5000/team/app, without a tag or digest)");
  }
}

std::string push_workspace_image(const std::string& workspace, const std::string& base_image,
                                 const std::string& image_repo, const std::string& version, bool quiet,
                                 const std::string& docker_host) {
  // Checked before anything is built: a bad image_repo costs nothing.
  const containers::ImageRepository repository = parse_image_repo(image_repo);
  containers::Engine engine = containers::Engine::connect(docker_host);
  containers::PushOptions options;
  if (!quiet) options.progress = [](const std::string& line) { plugin::log(TX_LOG_INFO, "push: " + line); };
  // The role's image usually lives in a registry (the cluster pulls it too): pulled when the
  // engine lacks it. One it has is used as it is (TorchX pulls every time; a new base image gets a
  // new content tag either way, since the tag hashes the base image's id).
  if (containers::image_id(engine, base_image).empty()) {
    if (!quiet) plugin::log(TX_LOG_INFO, "pulling " + base_image + ", which the workspace is built onto");
    containers::pull_image(engine, base_image, options);
  }
  const std::string local = containers::build_workspace_image(engine, workspace, base_image, version);
  // The content tag of the local build (`localhost/torchx-workspace:<hash>`) names it in the registry too.
  const std::string target = repository.str() + ":" + local.substr(local.rfind(':') + 1);
  const auto pushed = containers::push_image(engine, local, target, options);
  if (!quiet) {
    plugin::log(TX_LOG_INFO, "pushed the workspace image " + pushed.name +
                                 (pushed.digest.empty() ? "" : " (" + pushed.digest + ")"));
  }
  return pushed.name;
}

}  // namespace torchx::k8s
