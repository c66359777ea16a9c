// SPDX-License-Identifier: BSD-3-Clause
#include "docker_request.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <stdexcept>

using namespace torchx;
namespace json = boost::json;

namespace {

specs::AppDef app_of(int replicas) {
  specs::Role r;
  r.name = "trainer";
  r.image = "localhost/busybox";
  r.entrypoint = "sh";
  r.args = {"-c", "echo ${replica_id} $${${rank0_env}} it's \"q\" $(x)"};
  r.env.set("A", "role");
  r.num_replicas = replicas;
  r.resource.cpu = 2;
  r.resource.memMB = 512;
  r.resource.gpu = 0;
  return specs::AppDef{"train", {r}, {}};
}

docker::RequestOptions options() {
  docker::RequestOptions o;
  o.app_id = "train-abc";
  o.version = "0.1.0";
  o.env.set("A", "cfg");
  o.env.set("B", "cfg");
  return o;
}

}  // namespace

TEST_CASE("container_name: TorchX's last 30 of the app id, first 30 of the role, leading non-alphanumerics dropped") {
  CHECK(docker::container_name("echo-x1", "echo", 0) == "echo-x1-echo-0");
  CHECK(docker::container_name("__app", "r", 2) == "app-r-2");
  const std::string long_id(40, 'a');
  CHECK(docker::container_name(long_id + "b", std::string(35, 'r'), 1) == std::string(29, 'a') + "b-" + std::string(30, 'r') + "-1");
}

TEST_CASE("make_request: one container per replica on the app's network, TorchX's labels, env, Init, resources") {
  const auto req = docker::make_request(app_of(2), options());
  CHECK(req.at("network").at("Name") == "torchx-train-abc");
  CHECK(req.at("network").at("Labels").at("torchx.pytorch.org/app-name") == "train");
  const auto& containers = req.at("containers").as_array();
  REQUIRE(containers.size() == 2);
  const auto& c1 = containers[1].at("create").as_object();
  CHECK(containers[1].at("name") == "train-abc-trainer-1");
  CHECK(c1.at("Hostname") == "train-abc-trainer-1");
  CHECK(c1.at("Cmd") == json::array{"sh", "-c", "echo 1 ${TORCHX_RANK0_HOST} it's \"q\" $(x)"});
  CHECK_FALSE(c1.contains("Entrypoint"));
  CHECK(c1.at("Env") == json::array{"A=role", "B=cfg", "TORCHX_RANK0_HOST=train-abc-trainer-0"});
  CHECK(c1.at("Labels") == json::object{{"torchx.pytorch.org/version", "0.1.0"},
                                        {"torchx.pytorch.org/app-id", "train-abc"},
                                        {"torchx.pytorch.org/app-name", "train"},
                                        {"torchx.pytorch.org/role-name", "trainer"},
                                        {"torchx.pytorch.org/replica-id", "1"}});
  const auto& host = c1.at("HostConfig").as_object();
  CHECK(host.at("Init") == true);
  CHECK(host.at("NetworkMode") == "torchx-train-abc");
  CHECK(host.at("NanoCpus") == 2000000000);
  CHECK(host.at("Memory") == 512 * 1024 * 1024);
  CHECK_FALSE(host.contains("DeviceRequests"));
  CHECK_FALSE(host.contains("RestartPolicy"));
  CHECK(c1.at("NetworkingConfig").at("EndpointsConfig").at("torchx-train-abc").at("Aliases") == json::array{"train-abc-trainer-1"});
}

TEST_CASE("make_request: an app of one replica runs on the engine's default network, creating none") {
  const auto req = docker::make_request(app_of(1), options());
  CHECK(req.at("network").is_null());
  const auto& c = req.at("containers").as_array().at(0).at("create").as_object();
  CHECK_FALSE(c.at("HostConfig").as_object().contains("NetworkMode"));
  CHECK_FALSE(c.contains("NetworkingConfig"));
  CHECK(c.at("Env").as_array().back() == "TORCHX_RANK0_HOST=train-abc-trainer-0");  // itself, by its hostname
  CHECK(docker::request_text(req).starts_with("local_docker: app 'train-abc' on the engine's default network (one replica)\n"));
}

TEST_CASE("make_request: GPUs as device requests, mounts, devices and ports") {
  auto app = app_of(1);
  auto& r = app.roles[0];
  r.resource.gpu = 2;
  r.resource.devices.set("vpc.amazonaws.com/efa", 1);
  r.mounts = {specs::BindMount{"/data", "/mnt/data", true}, specs::VolumeMount{"vol", "/v", false},
              specs::DeviceMount{"/dev/fuse", "", "rw"}};
  r.port_map.set("http", 8080);
  const auto req = docker::make_request(app, options());
  const auto& c = req.at("containers").at(0).at("create").as_object();
  const auto& host = c.at("HostConfig").as_object();
  CHECK(host.at("DeviceRequests") ==
        json::array{{{"Driver", ""}, {"Count", 2}, {"Capabilities", json::array{json::array{"compute", "utility"}}}}});
  CHECK(host.at("Mounts") == json::array{{{"Type", "bind"}, {"Source", "/data"}, {"Target", "/mnt/data"}, {"ReadOnly", true}},
                                         {{"Type", "volume"}, {"Source", "vol"}, {"Target", "/v"}, {"ReadOnly", false}}});
  CHECK(host.at("Devices") ==
        json::array{{{"PathOnHost", "/dev/fuse"}, {"PathInContainer", "/dev/fuse"}, {"CgroupPermissions", "rw"}},
                    {{"PathOnHost", "/dev/infiniband/uverbs0"}, {"PathInContainer", "/dev/infiniband/uverbs0"}, {"CgroupPermissions", "rwm"}}});
  CHECK(c.at("ExposedPorts") == json::object{{"8080/tcp", json::object{}}});
  CHECK(docker::request_text(req).find("GPUs are requested as DeviceRequests") != std::string::npos);
}

TEST_CASE("make_request: retries are a restart policy per container, a policy it cannot honour is refused") {
  auto app = app_of(1);
  app.roles[0].max_retries = 3;  // APPLICATION with one replica: the same as REPLICA
  auto req = docker::make_request(app, options());
  CHECK(req.at("containers").at(0).at("create").at("HostConfig").at("RestartPolicy") ==
        json::object{{"Name", "on-failure"}, {"MaximumRetryCount", 3}});
  app = app_of(2);
  app.roles[0].max_retries = 1;
  CHECK_THROWS_WITH_AS(docker::make_request(app, options()),
                       "role 'trainer' asks for max_retries=1 with retry_policy APPLICATION, but local_docker restarts "
                       "each replica's container on its own (a restart policy per container): use retry_policy REPLICA, or "
                       "max_retries 0",
                       std::invalid_argument);
  app.roles[0].retry_policy = specs::RetryPolicy::replica;
  CHECK_NOTHROW(docker::make_request(app, options()));
}

TEST_CASE("request_text: each container's command line, quoted for a shell, and its create body") {
  const auto text = docker::request_text(docker::make_request(app_of(2), options()));
  CHECK(text.starts_with("local_docker: app 'train-abc' on network 'torchx-train-abc'\n"
                         "  train-abc-trainer-0 (localhost/busybox): sh -c "));
  CHECK(text.find("POST /containers/create?name=train-abc-trainer-0 {\"Image\":\"localhost/busybox\"") != std::string::npos);
}

TEST_CASE("make_request: two roles whose container names clash are refused in words, before any container is made") {
  auto app = app_of(1);
  specs::Role second = app.roles[0];
  app.roles[0].name = std::string(30, 'r') + "_a";
  second.name = std::string(30, 'r') + "_b";
  app.roles.push_back(second);
  CHECK_THROWS_WITH_AS(docker::make_request(app, options()),
                       ("roles '" + std::string(30, 'r') + "_a' and '" + std::string(30, 'r') +
                        "_b' give the same container name 'train-abc-" + std::string(30, 'r') +
                        "-0' (local_docker keeps the first 30 characters of a role name): rename one")
                           .c_str(),
                       std::invalid_argument);
}

TEST_CASE("make_request: a role or app name that is no valid container name is refused in words") {
  auto app = app_of(1);
  app.roles[0].name = "my role/x";
  CHECK_THROWS_WITH_AS(docker::make_request(app, options()),
                       "role 'my role/x' gives the container name 'train-abc-my role/x-0', which the engine refuses: "
                       "expected letters, digits, '_', '.' and '-'",
                       std::invalid_argument);
  auto ok = app_of(1);
  auto o = options();
  o.app_id = "my app-abc";
  CHECK_THROWS_WITH_AS(docker::make_request(ok, o),
                       "app 'train' gives the container name 'my app-abc-trainer-0', which the engine refuses: "
                       "expected letters, digits, '_', '.' and '-'",
                       std::invalid_argument);
}

TEST_CASE("check_bind_sources: a bind mount of a path that does not exist is refused, as Docker does (Podman creates it)") {
  auto app = app_of(2);
  app.roles[0].mounts = {specs::BindMount{"/", "/mnt/root", true}, specs::BindMount{"/no/such/torchx-src", "/mnt/a", false},
                         specs::VolumeMount{"no-such-volume", "/v", false}};
  const auto request = docker::make_request(app, options());
  CHECK_THROWS_WITH_AS(docker::check_bind_sources(request),
                       "bind mount source '/no/such/torchx-src' does not exist on this machine: create it, or correct the path",
                       std::invalid_argument);
  app.roles[0].mounts.erase(app.roles[0].mounts.begin() + 1);
  CHECK_NOTHROW(docker::check_bind_sources(docker::make_request(app, options())));
}
