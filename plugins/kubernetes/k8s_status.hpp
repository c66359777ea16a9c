// SPDX-License-Identifier: BSD-3-Clause
// What the API server says about an app (its Volcano Job, or its batch/v1 Jobs and Service, and
// its pods) as TorchX states: Volcano phases by TorchX's tables, batch/v1 Jobs by their
// conditions, each replica by its newest pod, and why a replica failed (exit code, signal,
// reason) in the message. Pure functions over the server's JSON: the rules are unit tests.
// Plugin-internal: includes Boost.JSON.
#pragma once

#include <torchx/specs/scheduler_types.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::k8s {

/// TorchX's JOB_STATE: a Volcano Job's `status.state.phase` (Pending, Running, Completed,
/// Aborted, …); UNKNOWN for a phase it does not know.
specs::AppState volcano_job_state(std::string_view phase);

/// TorchX's TASK_STATE: a Volcano task phase (Pending, Allocated, …, Succeeded, Failed, Unknown);
/// UNKNOWN for a phase it does not know.
specs::ReplicaState volcano_task_state(std::string_view phase);

/// A pod's `status.phase` (Pending, Running, Succeeded, Failed, Unknown) as a replica state.
specs::ReplicaState pod_phase_state(std::string_view phase);

/// What describe needs of one pod.
struct PodInfo {
  std::string name;
  std::string role;       ///< label torchx.pytorch.org/role-name ("" when absent)
  int replica_id = -1;    ///< label torchx.pytorch.org/replica-id, else the Indexed Job's completion index; -1: neither
  std::string phase;      ///< status.phase
  std::string created;    ///< metadata.creationTimestamp (RFC 3339: sorts as time)
  std::string image;      ///< the first container's image
  std::string container;  ///< the first container's name (what a log is read from)
  /// Why it failed or cannot start, one line: "container 'x' exited with code 3 (Error)",
  /// "container 'x' was killed by signal 9 (OOMKilled)", "ErrImagePull: …"; empty when nothing is wrong.
  std::string problem;
};

/// Reads a pod object (a `PodList` item). Never throws on missing fields.
PodInfo parse_pod(const boost::json::object& pod);

/// Seconds since the epoch of an RFC 3339 time ("2024-05-01T10:00:00Z", fractions and offsets
/// allowed; kube_text.hpp's parse_rfc3339); nullopt when it is not one.
std::optional<double> epoch_seconds(std::string_view text);

/// Which kind of Kubernetes object an app is made of.
enum class AppKind { volcano, batch };

/// What the server holds of one app: for Volcano its Job, for batch/v1 its Jobs (one per role)
/// and whether its headless Service exists; and its pods (any order).
struct AppObjects {
  AppKind kind = AppKind::volcano;
  std::optional<boost::json::object> volcano_job;
  std::vector<boost::json::object> batch_jobs;
  bool has_service = false;
  std::vector<boost::json::object> pods;
};

/// The app as TorchX describes it: the state (Volcano: TorchX's phase table; batch/v1: FAILED
/// when a Job has the Failed condition, SUCCEEDED when every Job is Complete, CANCELLED when only
/// the Service remains (cancel deleted the Jobs), else RUNNING once a replica runs or ended,
/// else PENDING), the roles with their replicas (from the Jobs' specs, each replica's state
/// from its newest pod), and in `msg` the first problem of a pod ("<pod> (role/replica):
/// <problem>") or of a failed Job. nullopt when `objects` holds nothing (an unknown app).
std::optional<specs::DescribeAppResponse> describe_app(const std::string& app_id, const AppObjects& objects);

/// One `list` entry per app in a Volcano `JobList` (`<namespace>:<name>`, state from the
/// phase, the app name from the label app.kubernetes.io/name, started_at from the creation time).
std::vector<specs::ListAppResponse> list_volcano(const boost::json::array& items);

/// One `list` entry per app in a batch/v1 `JobList` (grouped by the label
/// app.kubernetes.io/instance) and per Service of `services` whose app has no Job left
/// (CANCELLED). Items without the instance label are skipped.
std::vector<specs::ListAppResponse> list_batch(const boost::json::array& jobs, const boost::json::array& services);

}  // namespace torchx::k8s
