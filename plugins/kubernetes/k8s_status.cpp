// SPDX-License-Identifier: BSD-3-Clause
#include "k8s_status.hpp"

#include "k8s_render.hpp"
#include "kube_text.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>

namespace json = boost::json;

namespace torchx::k8s {

using specs::AppState;

namespace {

/// `o[key]` as a string, "" when absent or not a string.
std::string str(const json::object* o, std::string_view key) {
  if (o == nullptr) return {};
  const auto* v = o->if_contains(key);
  return (v != nullptr && v->is_string()) ? std::string(v->get_string()) : std::string{};
}

const json::object* obj(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const auto* v = o->if_contains(key);
  return (v != nullptr && v->is_object()) ? &v->get_object() : nullptr;
}

const json::array* arr(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const auto* v = o->if_contains(key);
  return (v != nullptr && v->is_array()) ? &v->get_array() : nullptr;
}

std::optional<std::int64_t> integer(const json::object* o, std::string_view key) {
  if (o == nullptr) return std::nullopt;
  const auto* v = o->if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

/// A non-negative decimal below 2^31, else -1.
int small_int(std::string_view s) {
  int v = -1;
  if (s.empty() || s.size() > 9) return -1;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return (ec == std::errc() && p == s.data() + s.size() && v >= 0) ? v : -1;
}

/// One line, at most 300 bytes: what the server or a container wrote may hold line breaks.
std::string one_line(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

const char* signal_name(std::int64_t sig) {
  switch (sig) {
    case 1:
      return "SIGHUP";
    case 2:
      return "SIGINT";
    case 6:
      return "SIGABRT";
    case 9:
      return "SIGKILL";
    case 11:
      return "SIGSEGV";
    case 15:
      return "SIGTERM";
    default:
      return nullptr;
  }
}

/// Why one container failed or cannot start; empty when nothing is wrong with it.
std::string container_problem(const json::object& cs) {
  const std::string name = str(&cs, "name");
  const auto* state = obj(&cs, "state");
  if (const auto* t = obj(state, "terminated")) {
    const auto code = integer(t, "exitCode").value_or(0);
    if (code == 0) return {};
    const std::string reason = str(t, "reason");
    const std::string message = str(t, "message");
    std::string out = "container '" + name + "' ";
    const auto sig = integer(t, "signal").value_or(code > 128 && code < 160 ? code - 128 : 0);
    if (sig > 0 && (code == 128 + sig || integer(t, "signal"))) {
      const char* sn = signal_name(sig);
      out += "was killed by signal " + std::to_string(sig) +
             (sn != nullptr ? std::string(" (") + sn + ")" : std::string{}) + ", exit code " + std::to_string(code);
    } else {
      out += "exited with code " + std::to_string(code);
    }
    if (!reason.empty()) out += " (" + reason + ")";
    if (!message.empty()) out += ": " + message;
    return one_line(out);
  }
  if (const auto* w = obj(state, "waiting")) {
    static const char* const k_bad[] = {
        "ErrImagePull",         "ImagePullBackOff", "InvalidImageName",  "CreateContainerConfigError",
        "CreateContainerError", "CrashLoopBackOff", "RunContainerError", "ErrImageNeverPull"};
    const std::string reason = str(w, "reason");
    for (const char* bad : k_bad) {
      if (reason == bad) {
        const std::string message = str(w, "message");
        return one_line("container '" + name + "' cannot start: " + reason + (message.empty() ? "" : ": " + message));
      }
    }
  }
  return {};
}

const json::object* labels_of(const json::object* o) { return obj(obj(o, "metadata"), "labels"); }

/// The condition of `type` with status "True", or nullptr.
const json::object* true_condition(const json::object& job, std::string_view type) {
  if (const auto* conds = arr(obj(&job, "status"), "conditions")) {
    for (const auto& c : *conds) {
      if (c.is_object() && str(&c.get_object(), "type") == type && str(&c.get_object(), "status") == "True")
        return &c.get_object();
    }
  }
  return nullptr;
}

/// One replica the app's spec asks for, with the pod template it comes from.
struct SpecReplica {
  std::string role;
  int role_index = 0;
  int replica_id = 0;
  const json::object* pod_spec = nullptr;  ///< template.spec
};

void add_role(specs::DescribeAppResponse& d, const std::string& role_name, const json::object* pod_spec) {
  auto it = std::find_if(d.roles.begin(), d.roles.end(), [&](const auto& r) { return r.name == role_name; });
  if (it != d.roles.end()) {
    ++it->num_replicas;
    return;
  }
  specs::Role role;
  role.name = role_name;
  role.num_replicas = 1;
  if (const auto* containers = arr(pod_spec, "containers");
      containers != nullptr && !containers->empty() && containers->front().is_object()) {
    const auto& c = containers->front().get_object();
    role.image = str(&c, "image");
    if (const auto* cmd = arr(&c, "command"); cmd != nullptr && !cmd->empty()) {
      role.entrypoint = cmd->front().is_string() ? std::string(cmd->front().get_string()) : std::string{};
      for (std::size_t i = 1; i < cmd->size(); ++i) {
        if ((*cmd)[i].is_string()) role.args.emplace_back((*cmd)[i].get_string());
      }
    }
    if (const auto* args = arr(&c, "args")) {
      for (const auto& a : *args) {
        if (a.is_string()) role.args.emplace_back(a.get_string());
      }
    }
  }
  d.roles.push_back(std::move(role));
}

std::vector<SpecReplica> volcano_replicas(const json::object& job) {
  std::vector<SpecReplica> out;
  const auto* tasks = arr(obj(&job, "spec"), "tasks");
  if (tasks == nullptr) return out;
  for (const auto& t : *tasks) {
    if (!t.is_object()) continue;
    const auto* tmpl = obj(&t.get_object(), "template");
    const auto* labels = labels_of(tmpl);
    SpecReplica r;
    r.role = str(labels, k_label_role_name);
    r.role_index = std::max(small_int(str(labels, k_label_role_index)), 0);
    r.replica_id = small_int(str(labels, k_label_replica_id));
    if (r.role.empty() || r.replica_id < 0) {
      // No labels (not made by torchx): TorchX's `rpartition("-")` of the task name.
      const std::string name = str(&t.get_object(), "name");
      const auto dash = name.rfind('-');
      r.role = dash == std::string::npos ? name : name.substr(0, dash);
      r.replica_id = dash == std::string::npos ? 0 : std::max(small_int(name.substr(dash + 1)), 0);
    }
    r.pod_spec = obj(tmpl, "spec");
    const auto replicas = integer(&t.get_object(), "replicas").value_or(1);
    for (std::int64_t i = 0; i < std::min<std::int64_t>(replicas, 10000); ++i) {
      out.push_back(r);
      if (replicas > 1) out.back().replica_id = r.replica_id + static_cast<int>(i);
    }
  }
  return out;
}

std::vector<SpecReplica> batch_replicas(const std::vector<json::object>& jobs) {
  std::vector<SpecReplica> out;
  for (const auto& job : jobs) {
    const auto* spec = obj(&job, "spec");
    const auto* tmpl = obj(spec, "template");
    const auto* labels = labels_of(tmpl);
    SpecReplica r;
    r.role = str(labels, k_label_role_name);
    if (r.role.empty()) r.role = str(labels_of(&job), k_label_role_name);
    if (r.role.empty()) r.role = str(obj(&job, "metadata"), "name");
    r.role_index = std::max(small_int(str(labels, k_label_role_index)), 0);
    r.pod_spec = obj(tmpl, "spec");
    const auto completions = std::clamp<std::int64_t>(integer(spec, "completions").value_or(1), 1, 10000);
    for (int i = 0; i < completions; ++i) {
      r.replica_id = i;
      out.push_back(r);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.role_index < b.role_index; });
  return out;
}

std::string instance_of(const json::object& o) { return str(labels_of(&o), k_label_instance); }

}  // namespace

specs::AppState volcano_job_state(std::string_view phase) {
  if (phase == "Pending") return AppState::PENDING;
  if (phase == "Aborting" || phase == "Running" || phase == "Restarting" || phase == "Terminating" ||
      phase == "Completing") {
    return AppState::RUNNING;
  }
  if (phase == "Aborted") return AppState::CANCELLED;
  if (phase == "Completed") return AppState::SUCCEEDED;
  if (phase == "Terminated" || phase == "Failed") return AppState::FAILED;
  return AppState::UNKNOWN;
}

specs::ReplicaState volcano_task_state(std::string_view phase) {
  if (phase == "Pending" || phase == "Allocated" || phase == "Pipelined" || phase == "Binding" || phase == "Bound") {
    return AppState::PENDING;
  }
  if (phase == "Running" || phase == "Releasing") return AppState::RUNNING;
  if (phase == "Succeeded") return AppState::SUCCEEDED;
  if (phase == "Failed") return AppState::FAILED;
  return AppState::UNKNOWN;
}

specs::ReplicaState pod_phase_state(std::string_view phase) {
  if (phase == "Pending") return AppState::PENDING;
  if (phase == "Running") return AppState::RUNNING;
  if (phase == "Succeeded") return AppState::SUCCEEDED;
  if (phase == "Failed") return AppState::FAILED;
  return AppState::UNKNOWN;
}

PodInfo parse_pod(const json::object& pod) {
  PodInfo p;
  const auto* meta = obj(&pod, "metadata");
  p.name = str(meta, "name");
  p.created = str(meta, "creationTimestamp");
  const auto* labels = obj(meta, "labels");
  p.role = str(labels, k_label_role_name);
  p.replica_id = small_int(str(labels, k_label_replica_id));
  if (p.replica_id < 0) p.replica_id = small_int(str(labels, "batch.kubernetes.io/job-completion-index"));
  if (p.replica_id < 0)
    p.replica_id = small_int(str(obj(meta, "annotations"), "batch.kubernetes.io/job-completion-index"));
  const auto* status = obj(&pod, "status");
  p.phase = str(status, "phase");
  if (const auto* containers = arr(obj(&pod, "spec"), "containers");
      containers != nullptr && !containers->empty() && containers->front().is_object()) {
    p.image = str(&containers->front().get_object(), "image");
    p.container = str(&containers->front().get_object(), "name");
  }
  for (const char* key : {"initContainerStatuses", "containerStatuses"}) {
    if (const auto* statuses = arr(status, key)) {
      for (const auto& cs : *statuses) {
        if (cs.is_object() && p.problem.empty()) p.problem = container_problem(cs.get_object());
      }
    }
  }
  if (p.problem.empty() && p.phase == "Failed") {
    const std::string reason = str(status, "reason");
    const std::string message = str(status, "message");
    p.problem =
        one_line("pod failed" + (reason.empty() ? "" : " (" + reason + ")") + (message.empty() ? "" : ": " + message));
  }
  return p;
}

std::optional<double> epoch_seconds(std::string_view text) {
  const auto t = parse_rfc3339(text);
  if (!t) return std::nullopt;
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

std::optional<specs::DescribeAppResponse> describe_app(const std::string& app_id, const AppObjects& objects) {
  if (!objects.volcano_job && objects.batch_jobs.empty() && !objects.has_service) return std::nullopt;
  specs::DescribeAppResponse d;
  d.app_id = app_id;

  // Each (role, replica)'s newest pod.
  std::map<std::pair<std::string, int>, PodInfo> newest;
  for (const auto& pod : objects.pods) {
    PodInfo p = parse_pod(pod);
    if (p.role.empty() || p.replica_id < 0) continue;
    auto key = std::make_pair(p.role, p.replica_id);
    auto it = newest.find(key);
    if (it == newest.end() || it->second.created < p.created) newest[key] = std::move(p);
  }

  std::vector<SpecReplica> replicas;
  std::string job_problem;
  std::map<std::string, AppState> task_states;  // Volcano's taskStatusCount, for replicas without a pod
  if (objects.volcano_job) {
    const auto& job = *objects.volcano_job;
    const auto* status = obj(&job, "status");
    d.state = status == nullptr ? AppState::UNKNOWN : volcano_job_state(str(obj(status, "state"), "phase"));
    d.num_restarts = static_cast<int>(std::clamp<std::int64_t>(integer(status, "retryCount").value_or(0), 0, 1000000));
    if (const auto* state = obj(status, "state"); d.state == AppState::FAILED || d.state == AppState::CANCELLED) {
      const std::string reason = str(state, "reason");
      const std::string message = str(state, "message");
      if (!reason.empty() || !message.empty())
        job_problem = one_line("job " + str(state, "phase") + ": " + reason + (message.empty() ? "" : " " + message));
    }
    if (const auto* counts = obj(status, "taskStatusCount")) {
      for (const auto& [task, value] : *counts) {
        const auto* phases = obj(value.is_object() ? &value.get_object() : nullptr, "phase");
        if (phases != nullptr && !phases->empty())
          task_states[std::string(task)] = volcano_task_state(phases->begin()->key());
      }
    }
    replicas = volcano_replicas(job);
  } else {
    replicas = batch_replicas(objects.batch_jobs);
    if (objects.batch_jobs.empty()) {
      d.state = AppState::CANCELLED;
      d.msg = "its Jobs were deleted (cancelled); `torchx delete` removes the rest";
      return d;
    }
    bool all_complete = true;
    bool failed = false;
    for (const auto& job : objects.batch_jobs) {
      const bool complete = true_condition(job, "Complete") != nullptr;
      all_complete = all_complete && complete;
      const auto* f = true_condition(job, "Failed");
      if (f == nullptr) f = true_condition(job, "FailureTarget");
      if (f != nullptr) {
        failed = true;
        if (job_problem.empty()) {
          job_problem = one_line("job '" + str(obj(&job, "metadata"), "name") + "' failed (" + str(f, "reason") + ")" +
                                 (str(f, "message").empty() ? "" : ": " + str(f, "message")));
        }
      }
    }
    d.state = failed ? AppState::FAILED : all_complete ? AppState::SUCCEEDED : AppState::PENDING;
  }

  bool any_started = false;
  for (const auto& r : replicas) {
    add_role(d, r.role, r.pod_spec);
    auto it =
        std::find_if(d.roles_statuses.begin(), d.roles_statuses.end(), [&](const auto& s) { return s.role == r.role; });
    if (it == d.roles_statuses.end())
      it = d.roles_statuses.insert(d.roles_statuses.end(), specs::RoleStatus{r.role, {}});
    specs::ReplicaStatus rs;
    rs.id = r.replica_id;
    rs.role = r.role;
    if (auto p = newest.find({r.role, r.replica_id}); p != newest.end()) {
      rs.state = pod_phase_state(p->second.phase);
      rs.hostname = p->second.name;
      if (!p->second.problem.empty() && d.msg.empty()) {
        d.msg = p->second.name + " (" + r.role + "/" + std::to_string(r.replica_id) + "): " + p->second.problem;
      }
    } else if (auto t = task_states.find(normalize_name(r.role + "-" + std::to_string(r.replica_id)));
               t != task_states.end()) {
      rs.state = t->second;
    } else {
      rs.state = specs::is_terminal(d.state) ? d.state : AppState::PENDING;
    }
    any_started =
        any_started || rs.state == AppState::RUNNING || rs.state == AppState::SUCCEEDED || rs.state == AppState::FAILED;
    it->replicas.push_back(std::move(rs));
  }
  if (!objects.volcano_job && d.state == AppState::PENDING && any_started) d.state = AppState::RUNNING;
  if (d.msg.empty()) d.msg = job_problem;
  return d;
}

std::vector<specs::ListAppResponse> list_volcano(const json::array& items) {
  std::vector<specs::ListAppResponse> out;
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    const auto& job = item.get_object();
    const auto* meta = obj(&job, "metadata");
    const std::string name = str(meta, "name");
    const std::string ns = str(meta, "namespace");
    if (name.empty() || ns.empty()) continue;
    specs::ListAppResponse r;
    r.app_id = ns + ":" + name;
    const auto* status = obj(&job, "status");
    r.state = status == nullptr ? AppState::UNKNOWN : volcano_job_state(str(obj(status, "state"), "phase"));
    r.name = str(obj(meta, "labels"), k_label_name);
    r.started_at = epoch_seconds(str(meta, "creationTimestamp"));
    if (specs::is_terminal(r.state)) r.finished_at = epoch_seconds(str(obj(status, "state"), "lastTransitionTime"));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<specs::ListAppResponse> list_batch(const json::array& jobs, const json::array& services) {
  struct App {
    std::string ns, name;
    bool failed = false, all_complete = true, active = false, has_job = false;
    std::optional<double> started, finished;
  };
  std::map<std::string, App> apps;  // by `<ns>:<instance>`, sorted
  for (const auto& item : jobs) {
    if (!item.is_object()) continue;
    const auto& job = item.get_object();
    const std::string instance = instance_of(job);
    const std::string ns = str(obj(&job, "metadata"), "namespace");
    if (instance.empty() || ns.empty()) continue;
    App& a = apps[ns + ":" + instance];
    a.has_job = true;
    a.name = str(labels_of(&job), k_label_name);
    a.failed = a.failed || true_condition(job, "Failed") != nullptr || true_condition(job, "FailureTarget") != nullptr;
    const bool complete = true_condition(job, "Complete") != nullptr;
    a.all_complete = a.all_complete && complete;
    // A pod ready, or one that ended: it runs (`active` also counts pods still pending).
    const auto* st = obj(&job, "status");
    a.active = a.active || integer(st, "ready").value_or(0) > 0 || integer(st, "succeeded").value_or(0) > 0 ||
               integer(st, "failed").value_or(0) > 0;
    const auto started = epoch_seconds(str(obj(&job, "metadata"), "creationTimestamp"));
    if (started && (!a.started || *started < *a.started)) a.started = started;
    const auto finished = epoch_seconds(str(obj(&job, "status"), "completionTime"));
    if (finished && (!a.finished || *finished > *a.finished)) a.finished = finished;
  }
  for (const auto& item : services) {
    if (!item.is_object()) continue;
    const auto& svc = item.get_object();
    const std::string instance = instance_of(svc);
    const std::string ns = str(obj(&svc, "metadata"), "namespace");
    if (instance.empty() || ns.empty()) continue;
    App& a = apps[ns + ":" + instance];
    if (a.name.empty()) a.name = str(labels_of(&svc), k_label_name);
    if (!a.started) a.started = epoch_seconds(str(obj(&svc, "metadata"), "creationTimestamp"));
  }
  std::vector<specs::ListAppResponse> out;
  for (const auto& [id, a] : apps) {
    specs::ListAppResponse r;
    r.app_id = id;
    r.name = a.name;
    r.state = !a.has_job       ? AppState::CANCELLED
              : a.failed       ? AppState::FAILED
              : a.all_complete ? AppState::SUCCEEDED
              : a.active       ? AppState::RUNNING
                               : AppState::PENDING;
    r.started_at = a.started;
    if (r.state == AppState::SUCCEEDED) r.finished_at = a.finished;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace torchx::k8s
