// SPDX-License-Identifier: BSD-3-Clause
// render(): an AppDef as Kubernetes objects. The Volcano kind is TorchX's `app_to_resource` /
// `role_to_pod` (kubernetes_scheduler.py) field for field; the batch/v1 kind is ours
// (docs/kubernetes.md, "Job kinds").
#include "k8s_render.hpp"

#include <torchx/specs/macros.hpp>
#include <torchx/util/app_id.hpp>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace torchx::k8s {
namespace json = boost::json;

namespace {

constexpr std::size_t k_dns_label_max = 63;
constexpr int k_reserved_millicpu = 100;  // TorchX's RESERVED_MILLICPU
constexpr int k_reserved_memmb = 1024;    // TorchX's RESERVED_MEMMB
constexpr const char* k_instance_type = "node.kubernetes.io/instance-type";
constexpr const char* k_completion_index_annotation = "batch.kubernetes.io/job-completion-index";

[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument(message); }

/// `s` quoted for a message: at most 80 bytes (cut at a character boundary), control characters as '?'.
std::string quoted(std::string_view s) {
  std::string_view head = s.substr(0, 80);
  if (head.size() < s.size()) {
    while (!head.empty() && (static_cast<unsigned char>(s[head.size()]) & 0xC0) == 0x80) head.remove_suffix(1);
  }
  std::string out = "'";
  for (const char c : head) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  if (head.size() < s.size()) out += "...";
  return out + "'";
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// An RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > k_dns_label_max || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

/// An RFC 1123 subdomain (PVC claim names): dot-separated labels, at most 253.
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!is_dns_label(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

/// A label value Kubernetes accepts: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63. TorchX
/// puts app and role names in labels as they are; the API server refuses those that do not fit,
/// so the other characters are dropped and the value cut (the same for the usual names).
std::string label_value(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '_' || c == '.') out.push_back(c);
  }
  if (out.size() > k_dns_label_max) out.resize(k_dns_label_max);
  auto edge = [](char c) { return c == '-' || c == '_' || c == '.'; };
  while (!out.empty() && edge(out.back())) out.pop_back();
  std::size_t lead = 0;
  while (lead < out.size() && edge(out[lead])) ++lead;
  return out.substr(lead);
}

std::string role_context(const specs::Role& role) { return "role " + quoted(role.name); }

/// An IANA service name (a container port name): 1-15 of [a-z0-9-], a letter somewhere, no '--',
/// no '-' at either end.
bool is_port_name(std::string_view s) {
  if (s.empty() || s.size() > 15 || s.front() == '-' || s.back() == '-' || s.find("--") != std::string_view::npos)
    return false;
  bool letter = false;
  for (const char c : s) {
    if (!is_lower_alnum(c) && c != '-') return false;
    letter = letter || (c >= 'a' && c <= 'z');
  }
  return letter;
}

void check_role(const specs::Role& role) {
  const std::string where = role_context(role);
  if (normalize_name(role.name).empty())
    bad(where + ": the name has no character a Kubernetes name allows ([a-z0-9-])");
  if (role.image.empty()) bad(where + ": the image is empty (a Kubernetes container needs one)");
  for (const auto& [name, value] : role.env) {
    if (name.empty()) bad(where + ": an env var has an empty name");
  }
  if (role.num_replicas < 1)
    bad(where + ": num_replicas is " + std::to_string(role.num_replicas) + ", expected 1 or more");
  if (role.max_retries < 0)
    bad(where + ": max_retries is " + std::to_string(role.max_retries) + ", expected 0 or more");
  if (role.max_retries > 0 && role.retry_policy == specs::RetryPolicy::role)
    bad(where + ": retry_policy ROLE is not supported by kubernetes (use REPLICA or APPLICATION)");
  if (role.min_replicas && (*role.min_replicas < 0 || *role.min_replicas > role.num_replicas))
    bad(where + ": min_replicas is " + std::to_string(*role.min_replicas) + ", expected 0 to num_replicas (" +
        std::to_string(role.num_replicas) + ")");
  const auto& r = role.resource;
  if (!r.is_null()) {
    if (r.cpu < 0) bad(where + ": resource cpu is " + std::to_string(r.cpu) + ", expected 0 or more");
    if (r.gpu < 0) bad(where + ": resource gpu is " + std::to_string(r.gpu) + ", expected 0 or more");
    if (r.memMB < 0) bad(where + ": resource memMB is " + std::to_string(r.memMB) + ", expected 0 or more");
  }
  for (const auto& [device, count] : r.devices) {
    if (count < 0)
      bad(where + ": device " + quoted(device) + " count is " + std::to_string(count) + ", expected 0 or more");
    if (device.empty()) bad(where + ": a device has an empty name");
  }
  if (const auto* it = r.capabilities.get(k_instance_type); it != nullptr && !it->is_string())
    bad(where + ": capability " + std::string(k_instance_type) + " is " + quoted(it->text) + ", expected a string");
  for (const auto& [name, port] : role.port_map) {
    if (!is_port_name(name))
      bad(where + ": port name " + quoted(name) +
          " is not a Kubernetes port name (1-15 of a-z, 0-9 and '-', with a letter, no '-' at either end)");
    if (port < 1 || port > 65535)
      bad(where + ": port " + quoted(name) + " is " + std::to_string(port) + ", expected 1 to 65535");
  }
  for (const auto& mount : role.mounts) {
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if (m.dst_path.empty() || m.dst_path.front() != '/')
            bad(where + ": mount destination " + quoted(m.dst_path) + " is not an absolute path");
          if constexpr (std::is_same_v<M, specs::VolumeMount>) {
            if (!is_dns_subdomain(m.src))
              bad(where + ": volume mount source " + quoted(m.src) +
                  " is not a PersistentVolumeClaim name (lowercase a-z, 0-9, '-' and '.')");
          } else {
            if (m.src_path.empty() || m.src_path.front() != '/')
              bad(where + ": " + specs::mount_type_name(mount) + " mount source " + quoted(m.src_path) +
                  " is not an absolute host path (Kubernetes hostPath needs one)");
          }
          if constexpr (std::is_same_v<M, specs::DeviceMount>) {
            if (m.permissions.find_first_not_of("rwm") != std::string::npos)
              bad(where + ": device mount permissions " + quoted(m.permissions) + " must be made of r, w and m");
          }
        },
        mount);
  }
}

/// The TorchX labels of every object and pod (pod_labels), the replica id only where known.
json::object app_labels(const specs::AppDef& app, const RenderOptions& options) {
  json::object labels;
  labels[k_label_version] = label_value(options.version);
  labels[k_label_app_name] = label_value(app.name);
  labels[k_label_name] = label_value(app.name);
  labels[k_label_managed_by] = k_managed_by;
  labels[k_label_instance] = options.name;
  return labels;
}

json::object role_labels(const specs::AppDef& app, const RenderOptions& options, std::size_t role_index,
                         const specs::Role& role) {
  json::object labels;
  labels[k_label_version] = label_value(options.version);
  labels[k_label_app_name] = label_value(app.name);
  labels[k_label_role_index] = std::to_string(role_index);
  labels[k_label_role_name] = label_value(role.name);
  labels[k_label_name] = label_value(app.name);
  labels[k_label_managed_by] = k_managed_by;
  labels[k_label_instance] = options.name;
  return labels;
}

json::object resources_of(const specs::Resource& r) {
  json::object limits;
  json::object requests;
  if (r.cpu > 0) {
    const std::int64_t mcpu = static_cast<std::int64_t>(r.cpu) * 1000;
    limits["cpu"] = std::to_string(mcpu) + "m";
    requests["cpu"] = std::to_string(std::max<std::int64_t>(mcpu - k_reserved_millicpu, 0)) + "m";
  }
  if (r.memMB > 0) {
    limits["memory"] = std::to_string(r.memMB) + "M";  // TorchX's "M" (10^6 bytes) for MiB, kept as is
    requests["memory"] = std::to_string(std::max(r.memMB - k_reserved_memmb, 0)) + "M";
  }
  if (r.gpu > 0) {
    limits["nvidia.com/gpu"] = std::to_string(r.gpu);
    requests["nvidia.com/gpu"] = std::to_string(r.gpu);
  }
  for (const auto& [device, count] : r.devices) limits[device] = std::to_string(count);
  json::object out;
  out["limits"] = std::move(limits);
  out["requests"] = std::move(requests);
  return out;
}

json::object env_var(const std::string& name, const std::string& value) {
  static constexpr std::string_view field_path = "[FIELD_PATH]";
  json::object e;
  e["name"] = name;
  if (std::string_view(value).starts_with(field_path)) {
    // TorchX: value.strip("[FIELD_PATH]") (a character set); the prefix is what it means.
    json::object ref;
    ref["fieldPath"] = value.substr(field_path.size());
    json::object from;
    from["fieldRef"] = std::move(ref);
    e["valueFrom"] = std::move(from);
  } else {
    e["value"] = value;
  }
  return e;
}

/// TorchX's role_to_pod: the pod (template) of one replica, `role` already macro-substituted.
/// `leading_env` goes first in the container's env (the batch kind's replica id).
json::object role_to_pod(const std::string& container_name, const specs::Role& role, const RenderOptions& options,
                         json::array leading_env = {}) {
  json::array volumes;
  json::array volume_mounts;
  {
    json::object empty_dir;
    empty_dir["medium"] = "Memory";
    json::object dshm;
    dshm["name"] = "dshm";
    dshm["emptyDir"] = std::move(empty_dir);
    volumes.push_back(std::move(dshm));
    json::object mount;
    mount["name"] = "dshm";
    mount["mountPath"] = "/dev/shm";
    volume_mounts.push_back(std::move(mount));
  }
  json::object security_context;
  for (std::size_t i = 0; i < role.mounts.size(); ++i) {
    const std::string name = "mount-" + std::to_string(i);
    json::object volume;
    volume["name"] = name;
    json::object mount;
    mount["name"] = name;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          mount["mountPath"] = m.dst_path;
          if constexpr (std::is_same_v<M, specs::VolumeMount>) {
            json::object claim;
            claim["claimName"] = m.src;
            volume["persistentVolumeClaim"] = std::move(claim);
            mount["readOnly"] = m.read_only;
          } else {
            json::object host;
            host["path"] = m.src_path;
            volume["hostPath"] = std::move(host);
            if constexpr (std::is_same_v<M, specs::BindMount>) {
              mount["readOnly"] = m.read_only;
            } else {
              mount["readOnly"] =
                  m.permissions.find('w') == std::string::npos && m.permissions.find('m') == std::string::npos;
              security_context["privileged"] = true;
            }
          }
        },
        role.mounts[i]);
    volumes.push_back(std::move(volume));
    volume_mounts.push_back(std::move(mount));
  }

  json::array command;
  command.emplace_back(role.entrypoint);
  for (const auto& arg : role.args) command.emplace_back(arg);
  json::array env = std::move(leading_env);
  for (const auto& [name, value] : role.env) env.push_back(env_var(name, value));
  json::array ports;
  for (const auto& [name, port] : role.port_map) {
    json::object p;
    p["name"] = name;
    p["containerPort"] = port;
    ports.push_back(std::move(p));
  }
  json::object container;
  container["command"] = std::move(command);
  container["image"] = role.image;
  container["name"] = container_name;
  container["env"] = std::move(env);
  container["resources"] = resources_of(role.resource);
  container["ports"] = std::move(ports);
  container["volumeMounts"] = std::move(volume_mounts);
  container["securityContext"] = std::move(security_context);

  json::object node_selector;
  if (const auto* it = role.resource.capabilities.get(k_instance_type); it != nullptr)
    node_selector[k_instance_type] = it->as_string();

  json::object spec;
  json::array containers;
  containers.push_back(std::move(container));
  spec["containers"] = std::move(containers);
  spec["restartPolicy"] = "Never";
  if (!options.service_account.empty()) spec["serviceAccountName"] = options.service_account;
  spec["volumes"] = std::move(volumes);
  spec["nodeSelector"] = std::move(node_selector);

  json::object annotations;
  annotations["sidecar.istio.io/inject"] = "false";  // the sidecar keeps finished pods running
  json::object metadata;
  metadata["annotations"] = std::move(annotations);
  metadata["labels"] = json::object{};
  json::object pod;
  pod["spec"] = std::move(spec);
  pod["metadata"] = std::move(metadata);
  return pod;
}

json::array retry_policies(specs::RetryPolicy policy) {
  json::array out;
  if (policy == specs::RetryPolicy::application) {
    for (const char* event : {"PodEvicted", "PodFailed"}) {
      json::object p;
      p["event"] = event;
      p["action"] = "RestartJob";
      out.push_back(std::move(p));
    }
  }
  return out;  // REPLICA: [] (ROLE is refused by check_role)
}

json::object object_metadata(const std::string& name, const RenderOptions& options, json::object labels) {
  json::object metadata;
  metadata["name"] = name;
  metadata["namespace"] = options.namespace_.empty() ? std::string("default") : options.namespace_;
  metadata["labels"] = std::move(labels);
  return metadata;
}

/// The rank-0 env var of a Volcano app, as Volcano's svc plugin names it: `VC_<TASK>_HOSTS` with
/// the task name upper-cased and '-' as '_'. (TorchX writes `VC_{role}_0_HOSTS` and keeps a '-' of
/// the role name, naming a variable Volcano never sets; for names without '-' both agree.)
std::string volcano_rank0_env(const specs::AppDef& app) {
  std::string task = normalize_name(app.roles.front().name) + "_0";
  for (char& c : task) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "VC_" + task + "_HOSTS";
}

/// Refuses a second object or task of the same name (roles whose names normalize alike).
void claim_name(std::vector<std::string>& taken, const std::string& name, const specs::Role& role) {
  if (std::find(taken.begin(), taken.end(), name) != taken.end())
    bad(role_context(role) + ": its Kubernetes name " + quoted(name) +
        " is also another role's (names differ only in case or in characters Kubernetes drops)");
  taken.push_back(name);
}

json::array render_volcano(const specs::AppDef& app, const RenderOptions& options) {
  json::array tasks;
  std::vector<std::string> taken;
  const std::string rank0_env = volcano_rank0_env(app);
  int job_retries = app.roles.front().max_retries;
  for (std::size_t role_idx = 0; role_idx < app.roles.size(); ++role_idx) {
    const specs::Role& role = app.roles[role_idx];
    job_retries = std::min(job_retries, role.max_retries);
    for (int replica = 0; replica < role.num_replicas; ++replica) {
      const bool rank0 = role_idx == 0 && replica == 0;
      specs::macros::Values values;
      values.img_root = "";
      values.app_id = options.name;
      values.replica_id = std::to_string(replica);
      values.rank0_env = rank0 ? k_env_rank0_host : rank0_env;
      const std::string name = normalize_name(role.name + "-" + std::to_string(replica));
      if (!is_dns_label(name))
        bad(role_context(role) + ": the task name " + quoted(name) +
            " is not a Kubernetes name (a-z, 0-9, '-', at most 63)");
      claim_name(taken, name, role);
      specs::Role replica_role = values.apply(role);
      if (rank0) replica_role.env.set(k_env_rank0_host, "localhost");
      json::object pod = role_to_pod(name, replica_role, options);
      json::object labels = role_labels(app, options, role_idx, role);
      labels[k_label_replica_id] = std::to_string(replica);
      pod["metadata"].as_object()["labels"] = std::move(labels);
      json::object task;
      task["replicas"] = 1;
      task["name"] = name;
      task["template"] = std::move(pod);
      if (role.max_retries > 0) {
        task["maxRetry"] = role.max_retries;
        task["policies"] = retry_policies(role.retry_policy);
      }
      if (role.min_replicas) task["minAvailable"] = replica < *role.min_replicas ? 1 : 0;
      tasks.push_back(std::move(task));
    }
  }
  json::object plugins;
  plugins["svc"] = json::array{"--publish-not-ready-addresses"};  // volcano-sh/volcano#533
  plugins["env"] = json::array{};
  json::object spec;
  spec["schedulerName"] = "volcano";
  if (!options.queue.empty()) spec["queue"] = options.queue;
  spec["tasks"] = std::move(tasks);
  spec["maxRetry"] = job_retries;
  spec["plugins"] = std::move(plugins);
  if (!options.priority_class.empty()) spec["priorityClassName"] = options.priority_class;
  json::object job;
  job["apiVersion"] = "batch.volcano.sh/v1alpha1";
  job["kind"] = "Job";
  job["metadata"] = object_metadata(options.name, options, app_labels(app, options));
  job["spec"] = std::move(spec);
  return json::array{std::move(job)};
}

std::size_t decimal_digits(int n) { return std::to_string(std::max(n, 0)).size(); }

json::array render_batch(const specs::AppDef& app, const RenderOptions& options) {
  const std::string service = batch_service_name(options.name);
  if (service.size() > k_dns_label_max)
    bad("app name " + quoted(options.name) + " is too long for a Service name (at most 63 characters)");
  json::array out;
  {
    json::object selector;
    selector[k_label_instance] = options.name;
    json::object spec;
    spec["clusterIP"] = "None";  // headless: a DNS record per pod, <hostname>.<service>
    spec["selector"] = std::move(selector);
    spec["publishNotReadyAddresses"] = true;  // rank 0 is reachable before it is Ready
    json::object svc;
    svc["apiVersion"] = "v1";
    svc["kind"] = "Service";
    svc["metadata"] = object_metadata(service, options, app_labels(app, options));
    svc["spec"] = std::move(spec);
    out.push_back(std::move(svc));
  }
  const std::string rank0_host = batch_job_name(options.name, app.roles.front(), 0) + "-0." + service;
  std::vector<std::string> taken;
  for (std::size_t role_idx = 0; role_idx < app.roles.size(); ++role_idx) {
    const specs::Role& role = app.roles[role_idx];
    const std::string job_name = batch_job_name(options.name, role, role_idx);
    claim_name(taken, job_name, role);
    specs::macros::Values values;
    values.img_root = "";
    values.app_id = options.name;
    values.replica_id = std::string("$(") + k_env_replica_id + ")";
    values.rank0_env = k_env_rank0_host;
    specs::Role replica_role = values.apply(role);
    replica_role.env.set(k_env_rank0_host, rank0_host);
    replica_role.env.erase(k_env_replica_id);  // ours goes first, from the completion index

    json::object field_ref;
    field_ref["fieldPath"] = std::string("metadata.annotations['") + k_completion_index_annotation + "']";
    json::object value_from;
    value_from["fieldRef"] = std::move(field_ref);
    json::object replica_env;
    replica_env["name"] = k_env_replica_id;
    replica_env["valueFrom"] = std::move(value_from);
    json::array leading_env;
    leading_env.push_back(std::move(replica_env));

    std::string container = normalize_name(role.name);
    if (container.size() > k_dns_label_max) container.resize(k_dns_label_max);
    while (!container.empty() && container.back() == '-') container.pop_back();
    if (!is_dns_label(container))
      bad(role_context(role) + ": the container name " + quoted(container) + " is not a Kubernetes name");
    json::object pod = role_to_pod(container, replica_role, options, std::move(leading_env));
    json::object labels = role_labels(app, options, role_idx, role);
    pod["metadata"].as_object()["labels"] = labels;
    json::object& pod_spec = pod["spec"].as_object();
    pod_spec["subdomain"] = service;
    if (!options.priority_class.empty()) pod_spec["priorityClassName"] = options.priority_class;

    json::object spec;
    spec["completionMode"] = "Indexed";
    spec["completions"] = role.num_replicas;
    spec["parallelism"] = role.num_replicas;
    spec["backoffLimit"] = role.max_retries;
    spec["template"] = std::move(pod);
    json::object job;
    job["apiVersion"] = "batch/v1";
    job["kind"] = "Job";
    job["metadata"] = object_metadata(job_name, options, std::move(labels));
    job["spec"] = std::move(spec);
    out.push_back(std::move(job));
  }
  return out;
}

}  // namespace

std::string normalize_name(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  std::string out;
  for (const char ch : s) {
    const char c = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out.push_back(c);
  }
  return out;
}

std::string unique_app_name(std::string_view app_name) {
  std::string base = normalize_name(app_name);
  if (base.size() > k_max_app_name_prefix) base.resize(k_max_app_name_prefix);
  while (!base.empty() && base.front() == '-') base.erase(base.begin());
  while (!base.empty() && base.back() == '-') base.pop_back();
  if (base.empty()) bad("app name " + quoted(app_name) + " has no character a Kubernetes name allows ([a-z0-9-])");
  return util::make_app_id(base);
}

std::string batch_service_name(std::string_view app_name) {
  if (!app_name.empty() && app_name.front() >= 'a' && app_name.front() <= 'z') return std::string(app_name);
  return "tx-" + std::string(app_name);
}

std::string batch_job_name(std::string_view app_name, const specs::Role& role, std::size_t role_index) {
  const std::string role_part = normalize_name(role.name);
  if (role_part.empty()) bad(role_context(role) + ": the name has no character a Kubernetes name allows ([a-z0-9-])");
  // The pod's host name is <job>-<completion index>: it must fit a DNS label too.
  const std::size_t room = k_dns_label_max - 1 - decimal_digits(role.num_replicas - 1);
  std::string name = std::string(app_name) + "-" + role_part;
  if (name.size() > room || !is_dns_label(name)) name = std::string(app_name) + "-r" + std::to_string(role_index);
  if (name.size() > room || !is_dns_label(name))
    bad("app name " + quoted(app_name) + " leaves no room for the job name of " + role_context(role) +
        " (<app>-<role>-<index> must fit 63 characters)");
  return name;
}

json::array render(const specs::AppDef& app, const RenderOptions& options) {
  if (app.roles.empty()) bad("app " + quoted(app.name) + " has no roles");
  if (!is_dns_label(options.name))
    bad("app name " + quoted(options.name) +
        " is not a Kubernetes name (1-63 of a-z, 0-9 and '-', a letter or digit at either end)");
  if (!options.namespace_.empty() && !is_dns_label(options.namespace_))
    bad("namespace " + quoted(options.namespace_) + " is not a Kubernetes namespace name");
  for (const auto& role : app.roles) check_role(role);
  return options.kind == JobKind::volcano ? render_volcano(app, options) : render_batch(app, options);
}

}  // namespace torchx::k8s
