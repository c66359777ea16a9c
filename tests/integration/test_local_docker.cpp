// SPDX-License-Identifier: BSD-3-Clause
// local_docker end to end against a real engine (Podman's Docker-compatible API, started by
// scripts/start-container-engine.sh): the real binary, separate processes, nothing in memory.
// Without an engine each test is skipped with the reason (a failure under TORCHX_TEST_REQUIRE_DOCKER=1).
#include "../support/cli_env.hpp"
#include "../support/docker_engine.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <torchx/http/client.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "../support/files.hpp"

using torchx::test::first_line;

namespace json = boost::json;
using torchx::util::ProcessResult;

namespace {

constexpr const char* k_image = "localhost/busybox";

struct Docker {
  torchx::test::TempDir tmp;
  std::vector<std::pair<std::string, std::optional<std::string>>> extra_env;
  /// Off: `run` gets `--workspace ""`, so that tests of other things build no image of their
  /// directory (each would leave one behind on the engine).
  bool use_workspace = false;

  ProcessResult operator()(std::vector<std::string> args) const {
    if (!use_workspace && !args.empty() && args[0] == "run") args.insert(args.begin() + 1, {"--workspace", ""});
    args.insert(args.begin(), TORCHX_EXE);
    auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);  // the build's plugins only
    options.env.insert(options.env.end(), {{"DOCKER_HOST", torchx::test::docker_host()}, {"TORCHX_DOCKER_GRACE_SECONDS", "2"}});
    options.env.insert(options.env.end(), extra_env.begin(), extra_env.end());
    return torchx::util::run_process(args, options);
  }

  json::object status(const std::string& handle) const {
    const auto r = (*this)({"status", "--json", handle});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out).as_object();
  }

  std::string wait_terminal(const std::string& handle) const {
    std::string state;
    for (int i = 0; i < 300; ++i) {
      state = std::string(status(handle).at("state").as_string());
      if (state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED") return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return state;
  }

  /// The engine's containers (`kind` "containers") or networks of the app, straight from the API.
  static json::array engine_objects(const std::string& kind, const std::string& app_id) {
    torchx::http::Client client(torchx::http::Endpoint::parse(torchx::test::docker_host()));
    const std::string filters = json::serialize(json::object{{"label", json::array{json::value("torchx.pytorch.org/app-id=" + app_id)}}});
    const std::string target = "/v1.41/" + kind + (kind == "containers" ? "/json?all=1&" : "?") + "filters=" + torchx::http::url_encode(filters);
    json::value v = json::parse(client.request("GET", target).body);
    if (kind == "volumes") v = v.at("Volumes").is_null() ? json::value(json::array{}) : v.at("Volumes");
    return v.as_array();
  }

  void remove(const std::string& handle) const { (*this)({"delete", handle}); }

  static void remove_image(const std::string& image) {
    torchx::http::Client client(torchx::http::Endpoint::parse(torchx::test::docker_host()));
    client.request("DELETE", "/v1.41/images/" + torchx::http::url_encode(image));
  }
};

std::string app_id_of(const std::string& handle) { return handle.substr(handle.rfind('/') + 1); }

}  // namespace

TEST_SUITE_BEGIN("local_docker");

TEST_CASE("local_docker: utils.echo with hostile arguments runs in a container, byte for byte, logs and status from other processes") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  const std::string hostile = "a b $(touch pwned) `id` it's \"q\" ünï,comma=eq * \\n";
  auto r = docker({"run", "-s", "local_docker", "utils.echo", "--image", k_image, "--msg", hostile});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  CHECK(handle.starts_with("local_docker://torchx/echo-"));
  CHECK(r.out == handle + "\n");
  CHECK(r.err.find("echo/0 " + hostile + "\n") != std::string::npos);
  CHECK(docker.status(handle).at("state") == "SUCCEEDED");
  CHECK(docker({"log", handle}).out == "echo/0 " + hostile + "\n");
  r = docker({"describe", "--json", handle});
  const auto d = json::parse(r.out);
  CHECK(d.at("roles").as_array().at(0).at("args").as_array().at(0) == json::value(hostile));
  const auto s = docker.status(handle);
  CHECK(s.at("roles").as_array().at(0).at("replicas").as_array().at(0).at("hostname") == json::value("echo-" + app_id_of(handle).substr(5) + "-echo-0"));
  bool listed = false;
  r = docker({"list", "-s", "local_docker", "--json"});
  const json::value apps = json::parse(r.out);
  for (const auto& a : apps.as_array()) {
    listed = listed || a.at("app_handle") == json::value(handle);
  }
  CHECK(listed);
  docker.remove(handle);
}

TEST_CASE("local_docker: a failing exit code and a signal are told apart, both streams are read") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  auto r = docker({"run", "-s", "local_docker", "utils.sh", "--image", k_image, "--", "sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.exit_code == 1);
  std::string handle = first_line(r.out);
  auto s = docker.status(handle);
  CHECK(s.at("state") == "FAILED");
  CHECK(std::string(s.at("msg").as_string()).ends_with("exited with code 3"));
  CHECK(docker({"log", "--streams", "stdout", handle}).out == "sh/0 out\n");
  CHECK(docker({"log", "--streams", "stderr", handle}).out == "sh/0 err\n");
  docker.remove(handle);

  r = docker({"run", "-s", "local_docker", "utils.sh", "--image", k_image, "--", "sh", "-c", "kill -KILL $$$$"});
  CHECK(r.exit_code == 1);
  handle = first_line(r.out);
  s = docker.status(handle);
  CHECK(s.at("state") == "FAILED");
  CHECK(std::string(s.at("msg").as_string()).find("killed by signal 9 (SIGKILL, exit code 137)") != std::string::npos);
  docker.remove(handle);
}

TEST_CASE("local_docker: bind mounts, and a memory limit that kills") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  docker.tmp.write("data/in.txt", "from the host\n");
  const std::string data = (docker.tmp.path() / "data").string();
  docker.tmp.write("cwd/app.yaml", "app:\n  app:\n    name: app\n    roles:\n"
                                   "      - name: r\n        image: " + std::string(k_image) + "\n        entrypoint: sh\n"
                                   "        args: [-c, 'cat /mnt/d/in.txt && echo back > /mnt/d/out.txt']\n"
                                   "        mounts: [{type: bind, src_path: " + data + ", dst_path: /mnt/d}]\n"
                                   "        resource: {cpu: 1, gpu: 0, memMB: 64}\n");
  auto r = docker({"run", "-s", "local_docker", "app.yaml"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("r/0 from the host\n") != std::string::npos);
  CHECK(torchx::test::slurp(docker.tmp.path() / "data/out.txt") == "back\n");
  docker.remove(first_line(r.out));

  docker.tmp.write("cwd/oom.yaml", "oom:\n  app:\n    name: oom\n    roles:\n"
                                   "      - name: r\n        image: " + std::string(k_image) + "\n        entrypoint: sh\n"
                                   "        args: [-c, \"x=$(head -c 200000000 /dev/zero | tr '\\\\0' a); echo survived\"]\n"
                                   "        resource: {cpu: 1, gpu: 0, memMB: 16}\n");
  r = docker({"run", "-s", "local_docker", "oom.yaml"});
  CHECK(r.exit_code == 1);
  const auto s = docker.status(first_line(r.out));
  CHECK(std::string(s.at("msg").as_string()).find("killed by signal 9 (SIGKILL, exit code 137)") != std::string::npos);
  CHECK(r.err.find("survived") == std::string::npos);
  docker.remove(first_line(r.out));
}

TEST_CASE("local_docker: two replicas reach each other by name on the app's network, which delete removes") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  const std::string script =
      "if [ ${replica_id} = 0 ]; then mkdir -p /tmp/w && echo pong > /tmp/w/index.html && httpd -p 8080 -h /tmp/w && sleep 8; "
      "else for i in $(seq 40); do wget -q -O - http://$TORCHX_RANK0_HOST:8080/ && exit 0; sleep 0.25; done; exit 1; fi";
  docker.tmp.write("cwd/two.yaml", "two:\n  app:\n    name: two\n    roles:\n      - {name: peer, image: " + std::string(k_image) +
                                       ", entrypoint: sh, args: [-c, '" + script + "'], num_replicas: 2}\n");
  auto r = docker({"run", "-s", "local_docker", "two.yaml"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  CHECK(docker({"log", handle + "/peer/1"}).out == "peer/1 pong\n");
  CHECK(Docker::engine_objects("networks", app_id_of(handle)).size() == 1);
  r = docker({"delete", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(Docker::engine_objects("networks", app_id_of(handle)).empty());
  CHECK(Docker::engine_objects("containers", app_id_of(handle)).empty());
}

TEST_CASE("local_docker: cancel stops the app and leaves no container, delete removes its record") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  auto r = docker({"run", "-s", "local_docker", "--detach", "utils.sh", "--image", k_image, "--", "sh", "-c", "echo started; sleep 987653"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  const std::string id = app_id_of(handle);
  CHECK(docker.status(handle).at("state") == "RUNNING");
  const auto start = std::chrono::steady_clock::now();
  r = docker({"cancel", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));  // Init: SIGTERM reaches sleep
  CHECK(Docker::engine_objects("containers", id).empty());
  CHECK(docker.status(handle).at("state") == "CANCELLED");
  CHECK(Docker::engine_objects("volumes", id).size() == 1);  // cancel's record, until delete
  r = docker({"delete", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(Docker::engine_objects("volumes", id).empty());
  r = docker({"status", handle});
  CHECK(r.exit_code == 1);
}

TEST_CASE("local_docker: log -t follows a running replica until it ends") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  auto r = docker({"run", "-s", "local_docker", "--detach", "utils.sh", "--image", k_image, "--", "sh", "-c",
                   "for i in 1 2 3; do echo line $i; sleep 0.5; done; echo done >&2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  r = docker({"log", "-t", handle});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "sh/0 line 1\nsh/0 line 2\nsh/0 line 3\nsh/0 done\n");
  CHECK(docker.status(handle).at("state") == "SUCCEEDED");
  docker.remove(handle);
}

TEST_CASE("local_docker: the workspace is built onto the image, an edit shows in the next run, an unchanged one reuses its image") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  docker.use_workspace = true;
  docker.tmp.write("cwd/hello.sh", "echo from the workspace v1\n");
  docker.tmp.write("cwd/.dockerignore", "secret.txt\n");
  docker.tmp.write("cwd/secret.txt", "not for the image\n");
  const auto image_of = [&](const std::string& handle) {
    return std::string(json::parse(docker({"describe", "--json", handle}).out).at("roles").as_array().at(0).at("image").as_string());
  };
  auto r = docker({"run", "-s", "local_docker", "utils.sh", "--image", k_image, "--", "sh", "-c", "sh hello.sh; ls secret.txt"});
  CHECK(r.err.find("sh/0 from the workspace v1\n") != std::string::npos);
  CHECK(r.exit_code == 1);  // .dockerignore kept secret.txt out
  const std::string first = first_line(r.out);
  r = docker({"run", "-s", "local_docker", "utils.sh", "--image", k_image, "--", "sh", "hello.sh"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(image_of(first_line(r.out)) == image_of(first));  // unchanged: the same image, not rebuilt
  CHECK(image_of(first).starts_with("localhost/torchx-workspace:"));
  docker.remove(first_line(r.out));
  docker.tmp.write("cwd/hello.sh", "echo from the workspace v2\n");
  r = docker({"run", "-s", "local_docker", "utils.sh", "--image", k_image, "--", "sh", "hello.sh"});
  CHECK(r.err.find("sh/0 from the workspace v2\n") != std::string::npos);
  CHECK(image_of(first_line(r.out)) != image_of(first));
  const std::string second_image = image_of(first_line(r.out));
  const std::string first_image = image_of(first);
  docker.remove(first_line(r.out));
  docker.remove(first);
  Docker::remove_image(first_image);  // the images of this test's workspace, which no one reuses
  Docker::remove_image(second_image);
  // A step that fails before a build container exists: Podman 4.3 leaves the build container of
  // a failed RUN behind, whatever forcerm says (docs/local_docker.md).
  docker.tmp.write("cwd/Dockerfile.torchx", "FROM localhost/no-such-base-xyz\nCOPY . .\n");
  r = docker({"run", "-s", "local_docker", "utils.sh", "--image", k_image, "--", "true"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the image build of the workspace '" + (docker.tmp.path() / "cwd").string() + "' failed at 'STEP 1/") !=
        std::string::npos);
  CHECK(r.err.find(": FROM localhost/no-such-base-xyz': ") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
  r = docker({"run", "-s", "local_docker", "--workspace", "", "utils.sh", "--image", k_image, "--", "true"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);  // no workspace: the image as it is
  CHECK(image_of(first_line(r.out)) == "localhost/busybox:latest");
  docker.remove(first_line(r.out));
}

TEST_CASE("local_docker: a builtin Python app runs a script that exists only in the workspace, in the runtime image") {
  if (!torchx::test::docker_engine_or_skip()) return;
  Docker docker;
  docker.use_workspace = true;
  docker.tmp.write("cwd/main.py", "import sys\nprint('hello from', sys.argv[1:])\n");
  // The builtins' default image (ghcr.io/pytorch/torchx:<version>), which the engine script tags
  // onto our runtime image.
  auto r = docker({"run", "-s", "local_docker", "--dryrun", "--json", "utils.python", "--script", "main.py", "--", "x y"});
  REQUIRE(r.exit_code == 0);
  const std::string image(json::parse(r.out).at("app").at("roles").as_array().at(0).at("image").as_string());
  torchx::http::Client client(torchx::http::Endpoint::parse(torchx::test::docker_host()));
  if (client.request("GET", "/v1.41/images/" + torchx::http::url_encode(image) + "/json").status != 200) {
    const std::string message = "the engine has no image '" + image + "' (scripts/start-container-engine.sh builds it)";
    const char* require = std::getenv("TORCHX_TEST_REQUIRE_DOCKER");
    if (require != nullptr && std::string(require) == "1") FAIL(message);
    std::cout << "TORCHX_TEST_SKIPPED: " << message << std::endl;
    return;
  }
  r = docker({"run", "-s", "local_docker", "utils.python", "--script", "main.py", "--", "x y"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("python/0 hello from ['x y']\n") != std::string::npos);
  const std::string handle = first_line(r.out);
  const std::string built(json::parse(docker({"describe", "--json", handle}).out).at("roles").as_array().at(0).at("image").as_string());
  docker.remove(handle);
  Docker::remove_image(built);
}

TEST_CASE("local_docker: no engine is one line naming the sockets tried, exit 4") {
  Docker docker;
  docker.extra_env.emplace_back("DOCKER_HOST", "unix:///nonexistent/docker.sock");
  auto r = docker({"status", "local_docker://torchx/echo-b123"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "torchx: error: scheduler 'local_docker' describe: no container engine answers: tried unix:///nonexistent/docker.sock (No such file or "
                 "directory); start Podman's API service (podman system service --time=0 unix:///run/podman/podman.sock) "
                 "or Docker, or name the socket with DOCKER_HOST or -cfg docker_host=unix:///path\n");
  r = docker({"run", "-s", "local_docker", "--dryrun", "utils.echo", "--image", k_image});
  CHECK(r.exit_code == 0);  // dryrun needs no engine
  CHECK(r.out.find("POST /containers/create?name=") != std::string::npos);
}
