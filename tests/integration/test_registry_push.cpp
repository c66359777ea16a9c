// SPDX-License-Identifier: BSD-3-Clause
// Workspace images pushed to a real registry (kubernetes' image_repo): the engine of
// scripts/start-container-engine.sh builds, Debian's docker-registry on localhost:5000
// (scripts/start-registry.sh) receives, and the registry's own API is asked what it holds.
// Without an engine or a registry each test is skipped with the reason (a failure under
// TORCHX_TEST_REQUIRE_DOCKER=1).
#include "../support/registry.hpp"
#include "../support/temp_dir.hpp"

#include "k8s_workspace.hpp"

#include <torchx/containers/engine.hpp>
#include <torchx/containers/push.hpp>
#include <torchx/containers/workspace_image.hpp>
#include <torchx/plugin.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>

using namespace torchx;

namespace {

constexpr const char* k_base = "localhost/busybox:latest";
constexpr const char* k_version = "0.0.0-test";

/// A workspace whose content no earlier run had: its image is new to the engine and the registry.
struct Workspace {
  test::TempDir tmp;
  Workspace() {
    std::random_device rd;
    tmp.write("ws/train.py", "print('hello')\n");
    tmp.write("ws/nonce.txt", std::to_string(rd()) + "-" + std::to_string(rd()) + "\n");
    tmp.write("ws/.dockerignore", "secret.txt\n");
    tmp.write("ws/secret.txt", "not in the image\n");
  }
  [[nodiscard]] std::string path() const { return (tmp.path() / "ws").string(); }
};

/// The message and status of what `fn` throws ("" when nothing).
template <typename Fn>
std::pair<std::string, int> thrown(Fn&& fn) {
  try {
    fn();
    return {"", 0};
  } catch (const plugin::Error& e) {
    return {e.what(), static_cast<int>(e.status())};
  }
}

/// Removes `image` from the engine (a test's leftovers; in use: kept).
void remove_local(const std::string& image) {
  try {
    auto engine = containers::Engine::connect("");
    engine.call("DELETE", "/images/" + http::url_encode(image));
  } catch (const std::exception&) {
  }
}

/// Deletes `repository:tag` from the registry by its manifest digest (the test's leftovers).
void remove_remote(const std::string& repository_path, const std::string& tag) {
  const auto m = test::registry_request(
      "HEAD", "/v2/" + repository_path + "/manifests/" + tag,
      "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json");
  if (!m) return;
  const auto at = m->headers.find("Docker-Content-Digest: ");
  if (at == std::string::npos) return;
  const auto end = m->headers.find("\r\n", at);
  test::registry_request("DELETE",
                         "/v2/" + repository_path + "/manifests/" + m->headers.substr(at + 23, end - at - 23));
}

}  // namespace

TEST_SUITE_BEGIN("registry");

TEST_CASE("push_workspace_image: a workspace built onto busybox is pushed to localhost:5000 and the registry has it") {
  if (!test::registry_or_skip()) return;
  Workspace ws;
  const std::string repo = test::registry_host() + "/torchx-test/ws";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string name = k8s::push_workspace_image(ws.path(), k_base, repo, k_version, true);
  const auto first_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "build+push of a new small workspace: " << first_ms << " ms" << std::endl;

  // `<image_repo>:<16 hex digits>`: the local build's content tag.
  REQUIRE(name.starts_with(repo + ":"));
  const std::string tag = name.substr(repo.size() + 1);
  CHECK(tag.size() == 16);
  CHECK(tag.find_first_not_of("0123456789abcdef") == std::string::npos);

  // The registry's own API: the tag is listed and its manifest is there, with the workspace's layer.
  const auto tags = test::registry_request("GET", "/v2/torchx-test/ws/tags/list");
  REQUIRE(tags.has_value());
  CHECK(tags->status == 200);
  CHECK(tags->body.find("\"" + tag + "\"") != std::string::npos);
  const auto manifest = test::registry_request(
      "GET", "/v2/torchx-test/ws/manifests/" + tag,
      "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json");
  REQUIRE(manifest.has_value());
  CHECK(manifest->status == 200);
  CHECK(manifest->headers.find("Docker-Content-Digest: sha256:") != std::string::npos);
  CHECK(manifest->body.find("\"layers\"") != std::string::npos);
  // busybox is one layer; the workspace adds (at least) one.
  const auto layers = manifest->body.substr(manifest->body.find("\"layers\""));
  CHECK(std::count(layers.begin(), layers.end(), '{') >= 2);

  // Again, unchanged: the same name, the same local image (no build), and the push is quick.
  auto engine = containers::Engine::connect("");
  const std::string local = std::string(containers::k_workspace_repo) + ":" + tag;
  const std::string id = containers::image_id(engine, local);
  CHECK_FALSE(id.empty());
  const auto t1 = std::chrono::steady_clock::now();
  CHECK(k8s::push_workspace_image(ws.path(), k_base, repo, k_version, true) == name);
  const auto second_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t1).count();
  std::cout << "second push of the same workspace (no build): " << second_ms << " ms" << std::endl;
  CHECK(containers::image_id(engine, local) == id);

  // A changed workspace is another image and another tag.
  ws.tmp.write("ws/train.py", "print('changed')\n");
  const std::string changed = k8s::push_workspace_image(ws.path(), k_base, repo, k_version, true);
  CHECK(changed != name);
  CHECK(test::registry_request("GET", "/v2/torchx-test/ws/tags/list")->body.find(changed.substr(repo.size() + 1)) !=
        std::string::npos);

  for (const auto& n : {name, changed}) {
    remove_remote("torchx-test/ws", n.substr(repo.size() + 1));
    remove_local(n);
    remove_local(std::string(containers::k_workspace_repo) + ":" + n.substr(repo.size() + 1));
  }
}

TEST_CASE("push_workspace_image: a role image that only the registry has is pulled first, a missing one is one line") {
  if (!test::registry_or_skip()) return;
  Workspace ws;
  auto engine = containers::Engine::connect("");
  // The role's image, as a cluster user has it: in the registry, not on this engine.
  const std::string base_repo = test::registry_host() + "/torchx-test/base";
  const std::string base = base_repo + ":" + containers::content_hash(ws.path());
  containers::PushOptions quiet;
  containers::push_image(engine, k_base, base, quiet);
  remove_local(base);
  REQUIRE(containers::image_id(engine, base).empty());
  const std::string repo = test::registry_host() + "/torchx-test/ws";
  const std::string name = k8s::push_workspace_image(ws.path(), base, repo, k_version, true);
  CHECK(name.starts_with(repo + ":"));
  CHECK_FALSE(containers::image_id(engine, base).empty());  // pulled
  const std::string tag = name.substr(repo.size() + 1);
  CHECK(test::registry_request("GET", "/v2/torchx-test/ws/tags/list")->body.find(tag) != std::string::npos);

  const auto [message, status] =
      thrown([&] { k8s::push_workspace_image(ws.path(), base_repo + ":no-such-tag", repo, k_version, true); });
  CHECK(status == TX_E_INTERNAL);
  CHECK(message.starts_with("cannot pull '" + base_repo + ":no-such-tag': "));
  CHECK(message.find('\n') == std::string::npos);

  remove_remote("torchx-test/base", base.substr(base_repo.size() + 1));
  remove_remote("torchx-test/ws", tag);
  remove_local(base);
  remove_local(name);
  remove_local(std::string(containers::k_workspace_repo) + ":" + tag);
}

TEST_CASE("push_workspace_image: a registry that is down is one line, and nothing is left half-done") {
  if (!test::registry_or_skip()) return;
  Workspace ws;
  // A port nothing listens on: bound, then released.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string repo = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/torchx-test/ws";
  ::close(fd);
  const auto [message, status] = thrown([&] { k8s::push_workspace_image(ws.path(), k_base, repo, k_version, true); });
  CHECK(status == TX_E_INTERNAL);  // torchx exits 1
  CHECK(message.starts_with("cannot push '" + repo + ":"));
  CHECK(message.find("connection refused") != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
  // The local build is there (a retry reuses it); the tag for the registry is too.
  auto engine = containers::Engine::connect("");
  const std::string tag = message.substr(("cannot push '" + repo + ":").size(), 16);
  CHECK_FALSE(containers::image_id(engine, std::string(containers::k_workspace_repo) + ":" + tag).empty());
  remove_local(repo + ":" + tag);
  remove_local(std::string(containers::k_workspace_repo) + ":" + tag);
}

TEST_CASE("push_workspace_image: a hostile image_repo is one line, refused before anything is built") {
  // No engine needed: image_repo is checked first (docker_host names a socket that does not exist).
  for (const std::string& repo :
       std::vector<std::string>{"localhost:5000/ws:latest", "localhost:5000/ws;rm -rf /", "https://localhost:5000/ws",
                                "localhost:5000/ws@sha256:0000", "localhost:5000/$(touch pwned)", "localhost:5000/a\nb",
                                "LOCALHOST:5000/Ws", std::string(4096, 'a'), ""}) {
    CAPTURE(repo);
    const auto [message, status] = thrown([&] {
      k8s::push_workspace_image("/nonexistent-workspace", k_base, repo, k_version, true,
                                "unix:///nonexistent/engine.sock");
    });
    CHECK(status == TX_E_INVALID_ARGUMENT);
    CHECK(message.starts_with("image_repo '"));
    CHECK(message.ends_with(
        "(expected a repository such as registry.example.com:5000/team/app, without a tag or digest)"));
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.size() < 400);
  }
  // A good image_repo gets as far as the engine (here: none), and says so with exit 4.
  const auto [message, status] = thrown([&] {
    k8s::push_workspace_image("/nonexistent-workspace", k_base, "localhost:5000/torchx-test/ws", k_version, true,
                              "unix:///nonexistent/engine.sock");
  });
  CHECK(status == TX_E_UNAVAILABLE);
  CHECK(message.starts_with("no container engine answers: tried unix:///nonexistent/engine.sock"));
}

TEST_SUITE_END();
