// SPDX-License-Identifier: BSD-3-Clause
#include "docker_request.hpp"

#include <torchx/specs/macros.hpp>
#include <torchx/specs/named_resources.hpp>
#include <torchx/util/shell.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace json = boost::json;

namespace torchx::docker {

std::string container_name(const std::string& app_id, const std::string& role, int replica_id) {
  const std::string id = app_id.size() > 30 ? app_id.substr(app_id.size() - 30) : app_id;
  std::string name = id + "-" + role.substr(0, 30) + "-" + std::to_string(replica_id);
  std::size_t start = 0;
  while (start < name.size() && std::isalnum(static_cast<unsigned char>(name[start])) == 0) ++start;
  return name.substr(start);
}

std::string network_name(const std::string& app_id) { return "torchx-" + app_id; }

std::string cancelled_marker_name(const std::string& app_id) { return "torchx-" + app_id + "-cancelled"; }

namespace {

/// TorchX's get_device_mounts: EFA and Neuron devices named in the resource become device mounts.
void add_resource_devices(const specs::Resource& resource, json::array& devices) {
  for (const auto& [name, count] : resource.devices) {
    std::string prefix;
    if (name == "vpc.amazonaws.com/efa") prefix = "/dev/infiniband/uverbs";
    else if (name == specs::k_neuron_device) prefix = "/dev/neuron";
    else continue;
    for (int i = 0; i < count; ++i) {
      const std::string path = prefix + std::to_string(i);
      devices.push_back({{"PathOnHost", path}, {"PathInContainer", path}, {"CgroupPermissions", "rwm"}});
    }
  }
}

void check_retries(const specs::AppDef& app, const specs::Role& role) {
  if (role.max_retries <= 0 || role.retry_policy == specs::RetryPolicy::replica) return;
  int total = 0;
  for (const auto& r : app.roles) total += r.num_replicas;
  const bool role_policy = role.retry_policy == specs::RetryPolicy::role;
  if ((role_policy && role.num_replicas > 1) || (!role_policy && total > 1)) {
    throw std::invalid_argument(
        "role '" + role.name + "' asks for max_retries=" + std::to_string(role.max_retries) + " with retry_policy " +
        specs::to_string(role.retry_policy) + ", but local_docker restarts each replica's container on its own (a " +
        "restart policy per container): use retry_policy REPLICA, or max_retries 0");
  }
}

/// Refuses, in words, a container name the engine would refuse (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`) or
/// one that two roles share (the role name is cut at 30 characters, as TorchX cuts it): found here,
/// at dryrun, rather than as an engine error halfway through creating the app's containers.
void check_container_names(const specs::AppDef& app, const std::string& app_id) {
  const auto valid = [](const std::string& s) {
    return s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == std::string::npos;
  };
  std::map<std::string, std::string> owner;  // container name of replica 0 -> role
  for (const auto& role : app.roles) {
    const std::string name = container_name(app_id, role.name, 0);
    if (name.empty() || !valid(name)) {
      const bool role_fault = !valid(role.name.substr(0, 30));
      throw std::invalid_argument((role_fault ? "role '" + role.name : "app '" + app.name) + "' gives the container name '" +
                                  name + "', which the engine refuses: expected letters, digits, '_', '.' and '-'");
    }
    const auto [it, fresh] = owner.emplace(name, role.name);
    if (!fresh) {
      throw std::invalid_argument("roles '" + it->second + "' and '" + role.name + "' give the same container name '" +
                                  name + "' (local_docker keeps the first 30 characters of a role name): rename one");
    }
  }
}

}  // namespace

json::object make_request(const specs::AppDef& app, const RequestOptions& options) {
  if (app.roles.empty()) throw std::invalid_argument("app '" + app.name + "' has no roles");
  const std::string& app_id = options.app_id;
  check_container_names(app, app_id);
  int total = 0;
  for (const auto& r : app.roles) total += r.num_replicas;
  // One replica has no one to reach: it runs on the engine's default network, as `docker run`
  // does, saving the ~300 ms Podman takes to create a network.
  const bool own_network = total > 1;
  const std::string network = network_name(app_id);
  const std::string rank0 = container_name(app_id, app.roles[0].name, 0);
  json::array containers;
  for (const auto& role : app.roles) {
    check_retries(app, role);
    for (int i = 0; i < role.num_replicas; ++i) {
      const specs::macros::Values values{"", app_id, std::to_string(i), "TORCHX_RANK0_HOST"};
      const specs::Role r = values.apply(role);
      const std::string name = container_name(app_id, role.name, i);
      specs::Dict<std::string> env = options.env;
      for (const auto& [k, v] : r.env) env.set(k, v);
      env.set("TORCHX_RANK0_HOST", rank0);
      json::array env_json;
      for (const auto& [k, v] : env) env_json.emplace_back(k + "=" + v);
      // TorchX's `command`: the image's ENTRYPOINT (if any) stays; Cmd is the role's argv.
      json::array cmd{json::value(r.entrypoint)};
      for (const auto& a : r.args) cmd.emplace_back(a);

      json::object host{{"Init", true}};
      if (own_network) host["NetworkMode"] = network;
      if (options.privileged) host["Privileged"] = true;
      if (r.max_retries > 0) host["RestartPolicy"] = {{"Name", "on-failure"}, {"MaximumRetryCount", r.max_retries}};
      const auto& res = r.resource;
      if (res.memMB >= 0) {
        const std::int64_t bytes = static_cast<std::int64_t>(res.memMB) * 1024 * 1024;
        host["Memory"] = bytes;
        host["ShmSize"] = bytes;
      }
      if (res.cpu >= 0) host["NanoCpus"] = static_cast<std::int64_t>(res.cpu) * 1000000000;
      if (res.gpu > 0) {
        host["DeviceRequests"] = json::array{
            {{"Driver", ""}, {"Count", res.gpu}, {"Capabilities", json::array{json::array{"compute", "utility"}}}}};
      }
      json::array mounts;
      json::array devices;
      for (const auto& m : r.mounts) {
        if (const auto* b = std::get_if<specs::BindMount>(&m)) {
          mounts.push_back({{"Type", "bind"}, {"Source", b->src_path}, {"Target", b->dst_path}, {"ReadOnly", b->read_only}});
        } else if (const auto* v = std::get_if<specs::VolumeMount>(&m)) {
          mounts.push_back({{"Type", "volume"}, {"Source", v->src}, {"Target", v->dst_path}, {"ReadOnly", v->read_only}});
        } else if (const auto* d = std::get_if<specs::DeviceMount>(&m)) {
          devices.push_back({{"PathOnHost", d->src_path},
                             {"PathInContainer", d->dst_path.empty() ? d->src_path : d->dst_path},
                             {"CgroupPermissions", d->permissions}});
        }
      }
      add_resource_devices(res, devices);
      if (!mounts.empty()) host["Mounts"] = std::move(mounts);
      if (!devices.empty()) host["Devices"] = std::move(devices);

      json::object labels{{k_label_version, options.version},
                          {k_label_app_id, app_id},
                          {k_label_app_name, app.name},
                          {k_label_role_name, role.name},
                          {k_label_replica_id, std::to_string(i)}};
      json::object create{{"Image", r.image},
                          {"Cmd", std::move(cmd)},
                          {"Env", std::move(env_json)},
                          {"Labels", std::move(labels)},
                          {"Hostname", name},
                          {"HostConfig", std::move(host)}};
      if (own_network) {
        create["NetworkingConfig"] = {{"EndpointsConfig", {{network, {{"Aliases", json::array{json::value(name)}}}}}}};
      }
      if (!r.port_map.empty()) {
        // Replicas reach each other's ports on the app's network; nothing is published on the host.
        json::object exposed;
        for (const auto& [port_name, port] : r.port_map) exposed[std::to_string(port) + "/tcp"] = json::object{};
        create["ExposedPorts"] = std::move(exposed);
      }
      containers.push_back({{"name", name}, {"role", role.name}, {"replica_id", i}, {"create", std::move(create)}});
    }
  }
  json::object net_labels{{k_label_version, options.version}, {k_label_app_id, app_id}, {k_label_app_name, app.name}};
  return {{"app_id", app_id},
          {"network", own_network ? json::value{{"Name", network}, {"Driver", "bridge"}, {"Labels", std::move(net_labels)}}
                                  : json::value(nullptr)},
          {"containers", std::move(containers)}};
}

void check_bind_sources(const json::object& request) {
  std::vector<std::string> missing;
  for (const auto& c : request.at("containers").as_array()) {
    const auto* mounts = c.at("create").at("HostConfig").as_object().if_contains("Mounts");
    if (mounts == nullptr) continue;
    for (const auto& m : mounts->as_array()) {
      if (m.at("Type") != "bind") continue;
      const std::string src(m.at("Source").as_string());
      std::error_code ec;
      if (!std::filesystem::exists(src, ec) && std::find(missing.begin(), missing.end(), src) == missing.end()) {
        missing.push_back(src);
      }
    }
  }
  if (missing.empty()) return;
  std::string text;
  for (const auto& m : missing) text += (text.empty() ? "'" : ", '") + m + "'";
  throw std::invalid_argument("bind mount source " + text + (missing.size() > 1 ? " do" : " does") +
                              " not exist on this machine: create it, or correct the path");
}

std::string request_text(const json::object& request) {
  const auto& network = request.at("network");
  std::string text = "local_docker: app '" + std::string(request.at("app_id").as_string()) + "' on " +
                     (network.is_object() ? "network '" + std::string(network.at("Name").as_string()) + "'"
                                          : std::string("the engine's default network (one replica)")) +
                     "\n";
  bool gpus = false;
  for (const auto& c : request.at("containers").as_array()) {
    const auto& create = c.at("create").as_object();
    std::vector<std::string> argv;
    for (const auto& a : create.at("Cmd").as_array()) argv.emplace_back(a.as_string());
    text += "  " + std::string(c.at("name").as_string()) + " (" + std::string(create.at("Image").as_string()) +
            "): " + util::shell_join(argv) + "\n";
    text += "    POST /containers/create?name=" + std::string(c.at("name").as_string()) + " " + json::serialize(create) + "\n";
    gpus = gpus || create.at("HostConfig").as_object().contains("DeviceRequests");
  }
  if (gpus) text += "  note: GPUs are requested as DeviceRequests (NVIDIA container toolkit); not verified on this engine\n";
  return text;
}

}  // namespace torchx::docker
