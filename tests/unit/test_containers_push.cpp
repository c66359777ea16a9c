// SPDX-License-Identifier: BSD-3-Clause
// containers::PushStreamReader (the engine's push stream) and push_image against a fake engine
// on a unix socket: the requests it sends and the one line each failure becomes. The real
// engine and registry: tests/integration/test_registry_push.cpp.
#include <torchx/containers/engine.hpp>
#include <torchx/containers/push.hpp>
#include <torchx/containers/registry_auth.hpp>
#include <torchx/containers/workspace_image.hpp>
#include <torchx/plugin.hpp>

#include "../support/temp_dir.hpp"
#include "../support/fake_engine.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>
#include <thread>

using namespace torchx;

namespace {

using test::answer;
using test::FakeEngine;

const std::string k_ping = answer(200, "OK");

/// The message push_image throws against an engine answering `tag` then `push` ("" if none).
std::string push_error(const std::vector<std::string>& answers, std::vector<std::string>* requests = nullptr,
                       const std::string& target = "localhost:5000/torchx-test/ws:abc") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "engine.sock";
  FakeEngine fake(sock, answers);
  auto engine = containers::Engine::connect("unix://" + sock.string());
  std::string error;
  try {
    containers::PushOptions options;
    options.registry_auth = std::string(containers::k_no_registry_auth);
    containers::push_image(engine, "localhost/torchx-workspace:abc", target, options);
  } catch (const plugin::Error& e) {
    error = std::to_string(static_cast<int>(e.status())) + " " + e.what();
  }
  if (requests != nullptr) *requests = fake.requests();
  return error;
}

}  // namespace

TEST_CASE("PushStreamReader: layer states shown once, byte counts not, the digest kept") {
  containers::PushStreamReader r;
  std::vector<std::string> shown;
  auto add = [&](const std::vector<std::string>& lines) { shown.insert(shown.end(), lines.begin(), lines.end()); };
  // Docker's stream, cut mid-line.
  add(r.feed(
      R"({"status":"The push refers to repository [localhost:5000/torchx-test/ws]"})"
      "\n"
      R"({"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"})"
      "\n"
      R"({"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[==> ]","id":"5f70bf18a086"})"
      "\n"
      R"({"status":"Pus)"));
  add(r.feed(R"(hed","progressDetail":{},"id":"5f70bf18a086"})"
             "\n"
             R"({"status":"Pushed","progressDetail":{},"id":"5f70bf18a086"})"
             "\n"
             R"({"status":"abc: digest: sha256:0123 size: 527"})"
             "\n"
             R"({"progressDetail":{},"aux":{"Tag":"abc","Digest":"sha256:0123","Size":527}})"));
  add(r.finish());
  CHECK(shown == std::vector<std::string>{"The push refers to repository [localhost:5000/torchx-test/ws]",
                                          "5f70bf18a086: Preparing", "5f70bf18a086: Pushed",
                                          "abc: digest: sha256:0123 size: 527"});
  CHECK(r.digest() == "sha256:0123");
  CHECK(r.error().empty());
}

TEST_CASE("PushStreamReader: the first error, on one line, garbage and huge lines ignored") {
  containers::PushStreamReader r;
  r.feed("garbage\n[1,2]\n{\"status\":5}\n");
  r.feed(std::string(3 << 20, 'x') + "\n");
  r.feed(
      R"({"errorDetail":{"message":"denied:\nrequested access\u001b[31m to the resource is denied"},"error":"other"})"
      "\n");
  r.feed(R"({"error":"second"})"
         "\n");
  CHECK(r.error() == "denied: requested access [31m to the resource is denied");
  containers::PushStreamReader only_error;
  only_error.feed(R"({"error":")" + std::string(2000, 'e') + R"("})");
  only_error.finish();
  CHECK(only_error.error() == std::string(500, 'e') + "...");
}

TEST_CASE("push_image: tags, then pushes with the tag, and returns the digest") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "engine.sock";
  FakeEngine fake(sock, {k_ping, answer(201, ""),
                         answer(200, R"({"status":"The push refers to repository [localhost:5000/torchx-test/ws:abc]"})"
                                     "\n"
                                     R"({"status":"abc: digest: sha256:feed size: 343"})"
                                     "\n")});
  auto engine = containers::Engine::connect("unix://" + sock.string());
  std::vector<std::string> progress;
  containers::PushOptions options;
  options.progress = [&](const std::string& l) { progress.push_back(l); };
  options.registry_auth = std::string(containers::k_no_registry_auth);
  const auto pushed =
      containers::push_image(engine, "localhost/torchx-workspace:abc", "localhost:5000/torchx-test/ws:abc", options);
  CHECK(pushed.name == "localhost:5000/torchx-test/ws:abc");
  CHECK(pushed.digest == "sha256:feed");
  CHECK(progress.size() == 2);
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1] ==
        "POST /v1.41/images/localhost%2Ftorchx-workspace%3Aabc/tag?repo=localhost%3A5000%2Ftorchx-test%2Fws&tag=abc "
        "HTTP/1.1");
  CHECK(requests[2] == "POST /v1.41/images/localhost%3A5000%2Ftorchx-test%2Fws/push?tag=abc HTTP/1.1");
}

TEST_CASE("push_image: each failure is one line with its status") {
  // The registry is down: the engine says so inside a 200 stream.
  CHECK(
      push_error(
          {k_ping, answer(201, ""),
           answer(
               200,
               R"({"errorDetail":{"message":"pinging container registry localhost:5000: Get \"http://localhost:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused"}})"
               "\n")}) ==
      "5 cannot push 'localhost:5000/torchx-test/ws:abc' to localhost:5000: pinging container registry localhost:5000: "
      "Get "
      "\"http://localhost:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused");
  // The engine refuses the push outright.
  CHECK(push_error({k_ping, answer(201, ""), answer(500, R"({"message":"no\nway"})")}) ==
        "5 cannot push 'localhost:5000/torchx-test/ws:abc' to localhost:5000: no way (HTTP 500)");
  // The local image is missing: nothing is pushed.
  std::vector<std::string> requests;
  CHECK(push_error({k_ping, answer(404, R"({"message":"no such image"})")}, &requests)
            .starts_with("1 cannot push 'localhost/torchx-workspace:abc': the engine at unix://"));
  CHECK(requests.size() == 2);
  // A malformed target: refused before the engine is asked anything but its ping.
  CHECK(push_error({k_ping}, &requests, "localhost:5000/ws") ==
        "1 cannot push to 'localhost:5000/ws' has no tag (expected repository:tag)");
  CHECK(requests.size() == 1);
  // The engine closes the stream mid-way: not a success.
  CHECK(
      push_error({k_ping, answer(201, ""), "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"status\":\"Prep"})
          .starts_with("4 the container engine stopped answering while pushing 'localhost:5000/torchx-test/ws:abc': "));
}

TEST_CASE("pull_image: fromImage with the tag, and a failed pull is one line") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "engine.sock";
  FakeEngine fake(
      sock,
      {k_ping,
       answer(200, R"({"status":"Pulling from team/base","id":"v1"})"
                   "\n"),
       answer(
           200,
           R"({"status":"Trying to pull"})"
           "\n"
           R"({"error":"initializing source docker://r.io/team/base:v2: manifest unknown","errorDetail":{"message":"initializing source docker://r.io/team/base:v2: manifest unknown"}})"
           "\n")});
  auto engine = containers::Engine::connect("unix://" + sock.string());
  containers::PushOptions options;
  options.registry_auth = std::string(containers::k_no_registry_auth);
  containers::pull_image(engine, "r.io/team/base:v1", options);
  CHECK(fake.requests().back() == "POST /v1.41/images/create?fromImage=r.io%2Fteam%2Fbase%3Av1 HTTP/1.1");
  try {
    containers::pull_image(engine, "r.io/team/base:v2", options);
    FAIL("a failed pull was not an error");
  } catch (const plugin::Error& e) {
    CHECK(e.status() == TX_E_INTERNAL);
    CHECK(std::string(e.what()) ==
          "cannot pull 'r.io/team/base:v2': initializing source docker://r.io/team/base:v2: manifest unknown");
  }
}

TEST_CASE("candidate_hosts: the run option, else DOCKER_HOST, else podman's and docker's sockets") {
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* n) -> const char* {
    const auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  CHECK(containers::candidate_hosts("unix:///x.sock", getenv) == std::vector<std::string>{"unix:///x.sock"});
  CHECK(containers::candidate_hosts("", getenv) ==
        std::vector<std::string>{"unix:///run/podman/podman.sock", "unix:///var/run/docker.sock"});
  env["XDG_RUNTIME_DIR"] = "/run/user/7";
  CHECK(containers::candidate_hosts("", getenv) == std::vector<std::string>{"unix:///run/podman/podman.sock",
                                                                            "unix:///run/user/7/podman/podman.sock",
                                                                            "unix:///var/run/docker.sock"});
  env["DOCKER_HOST"] = "unix:///d.sock";
  CHECK(containers::candidate_hosts("", getenv) == std::vector<std::string>{"unix:///d.sock"});
}

TEST_CASE("content_hash: FNV-1a 64 as 16 hex digits") {
  CHECK(containers::content_hash("") == "cbf29ce484222325");
  CHECK(containers::content_hash("a") == "af63dc4c8601ec8c");
  CHECK(containers::content_hash("a") != containers::content_hash("b"));
}
