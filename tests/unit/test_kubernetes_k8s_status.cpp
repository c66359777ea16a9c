// SPDX-License-Identifier: BSD-3-Clause
// The kubernetes plugin's state rules: Volcano phases (TorchX's tables), batch/v1 conditions,
// replicas from pods, failure messages, list entries.
#include "k8s_status.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

using namespace torchx;
using specs::AppState;
namespace json = boost::json;

namespace {

json::object parse(const std::string& s) { return json::parse(s).as_object(); }

/// A pod of role `role`, replica `replica`, in `phase`, created at second `created`, with a
/// terminated container of `exit_code` (-1: none).
json::object pod(const std::string& name, const std::string& role, int replica, const std::string& phase,
                 int created = 0, int exit_code = -1, const std::string& extra_status = "") {
  std::string statuses;
  if (exit_code >= 0) {
    statuses = R"(,"containerStatuses":[{"name":")" + role + R"(-0","state":{"terminated":{"exitCode":)" +
               std::to_string(exit_code) + R"(,"reason":")" + (exit_code == 0 ? "Completed" : "Error") + R"("}}}])";
  }
  return parse(R"({"metadata":{"name":")" + name + R"(","creationTimestamp":"2024-01-01T00:00:)" +
               (created < 10 ? "0" : "") + std::to_string(created) +
               R"(Z","labels":{"torchx.pytorch.org/role-name":")" + role + R"(","torchx.pytorch.org/replica-id":")" +
               std::to_string(replica) + R"("}},"spec":{"containers":[{"image":"img"}]},
               "status":{"phase":")" +
               phase + "\"" + statuses + extra_status + "}}");
}

json::object volcano_job(const std::string& phase, const std::string& roles_json = "") {
  const std::string tasks = roles_json.empty() ? R"([
      {"name":"trainer-0","replicas":1,"template":{"metadata":{"labels":{"torchx.pytorch.org/role-name":"trainer","torchx.pytorch.org/role-index":"0","torchx.pytorch.org/replica-id":"0"}},
        "spec":{"containers":[{"name":"trainer-0","image":"python:3","command":["python","-m","train"]}]}}},
      {"name":"trainer-1","replicas":1,"template":{"metadata":{"labels":{"torchx.pytorch.org/role-name":"trainer","torchx.pytorch.org/role-index":"0","torchx.pytorch.org/replica-id":"1"}},
        "spec":{"containers":[{"name":"trainer-1","image":"python:3","command":["python","-m","train"]}]}}}])"
                                               : roles_json;
  const std::string status = phase.empty() ? "" : R"(,"status":{"state":{"phase":")" + phase + R"("},"retryCount":2})";
  return parse(
      R"({"apiVersion":"batch.volcano.sh/v1alpha1","kind":"Job","metadata":{"name":"app-x","namespace":"default"},"spec":{"tasks":)" +
      tasks + "}" + status + "}");
}

json::object batch_job(const std::string& name, const std::string& role, int completions,
                       const std::string& conditions = "[]", const std::string& extra_status = "") {
  return parse(
      R"({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":")" + name +
      R"(","namespace":"default","labels":{"app.kubernetes.io/instance":"app-x","app.kubernetes.io/name":"app"}},
    "spec":{"completions":)" +
      std::to_string(completions) + R"(,"template":{"metadata":{"labels":{"torchx.pytorch.org/role-name":")" + role +
      R"("}},"spec":{"containers":[{"image":"busybox","command":["sh","-c","x"]}]}}},
    "status":{"conditions":)" +
      conditions + extra_status + "}}");
}

}  // namespace

TEST_CASE("volcano_job_state: TorchX's JOB_STATE, unknown phases UNKNOWN") {
  CHECK(k8s::volcano_job_state("Pending") == AppState::PENDING);
  for (const char* p : {"Aborting", "Running", "Restarting", "Terminating"})
    CHECK(k8s::volcano_job_state(p) == AppState::RUNNING);
  CHECK(k8s::volcano_job_state("Aborted") == AppState::CANCELLED);
  CHECK(k8s::volcano_job_state("Completed") == AppState::SUCCEEDED);
  CHECK(k8s::volcano_job_state("Terminated") == AppState::FAILED);
  CHECK(k8s::volcano_job_state("Failed") == AppState::FAILED);
  CHECK(k8s::volcano_job_state("") == AppState::UNKNOWN);
  CHECK(k8s::volcano_job_state("completed") == AppState::UNKNOWN);
}

TEST_CASE("volcano_task_state and pod_phase_state: TorchX's TASK_STATE and pod phases") {
  for (const char* p : {"Pending", "Allocated", "Pipelined", "Binding", "Bound"})
    CHECK(k8s::volcano_task_state(p) == AppState::PENDING);
  CHECK(k8s::volcano_task_state("Releasing") == AppState::RUNNING);
  CHECK(k8s::volcano_task_state("Succeeded") == AppState::SUCCEEDED);
  CHECK(k8s::volcano_task_state("Failed") == AppState::FAILED);
  CHECK(k8s::volcano_task_state("Nope") == AppState::UNKNOWN);
  CHECK(k8s::pod_phase_state("Pending") == AppState::PENDING);
  CHECK(k8s::pod_phase_state("Running") == AppState::RUNNING);
  CHECK(k8s::pod_phase_state("Succeeded") == AppState::SUCCEEDED);
  CHECK(k8s::pod_phase_state("Failed") == AppState::FAILED);
  CHECK(k8s::pod_phase_state("Unknown") == AppState::UNKNOWN);
}

TEST_CASE("parse_pod: role and replica from labels, else the Indexed Job's completion index, and why it failed") {
  auto p = k8s::parse_pod(pod("p1", "trainer", 1, "Failed", 3, 3));
  CHECK(p.name == "p1");
  CHECK(p.role == "trainer");
  CHECK(p.replica_id == 1);
  CHECK(p.problem == "container 'trainer-0' exited with code 3 (Error)");
  p = k8s::parse_pod(parse(R"({"metadata":{"name":"j-0-abc","labels":{"torchx.pytorch.org/role-name":"w",
      "batch.kubernetes.io/job-completion-index":"4"}},"status":{"phase":"Running"}})"));
  CHECK(p.replica_id == 4);
  p = k8s::parse_pod(
      parse(R"({"metadata":{"name":"j","annotations":{"batch.kubernetes.io/job-completion-index":"2"}}})"));
  CHECK(p.replica_id == 2);
  CHECK(p.role.empty());
  p = k8s::parse_pod(parse(R"({"metadata":{"labels":{"torchx.pytorch.org/replica-id":"-1"}}})"));
  CHECK(p.replica_id == -1);
  p = k8s::parse_pod(parse(R"({"metadata":{"labels":{"torchx.pytorch.org/replica-id":"99999999999"}}})"));
  CHECK(p.replica_id == -1);
}

TEST_CASE("parse_pod: signals, OOM, image pull errors and a failed pod without statuses") {
  auto p = k8s::parse_pod(parse(R"({"status":{"phase":"Failed","containerStatuses":[{"name":"c","state":{"terminated":
      {"exitCode":137,"reason":"OOMKilled"}}}]}})"));
  CHECK(p.problem == "container 'c' was killed by signal 9 (SIGKILL), exit code 137 (OOMKilled)");
  p = k8s::parse_pod(parse(R"({"status":{"phase":"Pending","containerStatuses":[{"name":"c","state":{"waiting":
      {"reason":"ErrImagePull","message":"pull access denied\nfor x"}}}]}})"));
  CHECK(p.problem == "container 'c' cannot start: ErrImagePull: pull access denied for x");
  p = k8s::parse_pod(parse(
      R"({"status":{"phase":"Pending","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"ContainerCreating"}}}]}})"));
  CHECK(p.problem.empty());
  p = k8s::parse_pod(
      parse(R"({"status":{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory."}})"));
  CHECK(p.problem == "pod failed (Evicted): The node was low on resource: memory.");
  // Garbage types everywhere: nothing, and no throw.
  p = k8s::parse_pod(parse(R"({"metadata":7,"spec":[],"status":{"phase":3,"containerStatuses":"x"}})"));
  CHECK(p.name.empty());
  CHECK(p.phase.empty());
}

TEST_CASE("epoch_seconds: UTC, fractions and offsets, anything else nullopt") {
  CHECK(k8s::epoch_seconds("1970-01-01T00:00:10Z") == 10.0);
  CHECK(k8s::epoch_seconds("2024-01-01T00:00:00Z") == 1704067200.0);
  CHECK(k8s::epoch_seconds("2024-01-01T01:00:00+01:00") == 1704067200.0);
  CHECK(k8s::epoch_seconds("2024-01-01T00:00:00.5Z") == doctest::Approx(1704067200.5));
  for (const char* bad : {"", "2024-01-01", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
                          "2024-01-01T00:00:00Zjunk", "abcd-ef-ghTij:kl:mnZ"}) {
    CHECK_FALSE(k8s::epoch_seconds(bad));
  }
}

TEST_CASE("describe_app: nothing on the server is an unknown app") {
  CHECK_FALSE(k8s::describe_app("default:x", k8s::AppObjects{}));
}

TEST_CASE("describe_app: a Volcano job's phase, its replicas from the newest pods, a failure's exit code in msg") {
  k8s::AppObjects o;
  o.volcano_job = volcano_job("Failed");
  o.pods = {pod("app-x-trainer-0-0", "trainer", 0, "Succeeded", 1, 0), pod("old", "trainer", 1, "Running", 1),
            pod("app-x-trainer-1-0", "trainer", 1, "Failed", 5, 3)};
  const auto d = k8s::describe_app("default:app-x", o);
  REQUIRE(d);
  CHECK(d->app_id == "default:app-x");
  CHECK(d->state == AppState::FAILED);
  CHECK(d->num_restarts == 2);
  CHECK(d->msg == "app-x-trainer-1-0 (trainer/1): container 'trainer-0' exited with code 3 (Error)");
  REQUIRE(d->roles.size() == 1);
  CHECK(d->roles[0].name == "trainer");
  CHECK(d->roles[0].num_replicas == 2);
  CHECK(d->roles[0].image == "python:3");
  CHECK(d->roles[0].entrypoint == "python");
  CHECK(d->roles[0].args == std::vector<std::string>{"-m", "train"});
  REQUIRE(d->roles_statuses.size() == 1);
  REQUIRE(d->roles_statuses[0].replicas.size() == 2);
  CHECK(d->roles_statuses[0].replicas[0].state == AppState::SUCCEEDED);
  CHECK(d->roles_statuses[0].replicas[1].state == AppState::FAILED);
  CHECK(d->roles_statuses[0].replicas[1].hostname == "app-x-trainer-1-0");
}

TEST_CASE(
    "describe_app: a Volcano job without status is UNKNOWN (TorchX), replicas without pods from taskStatusCount") {
  k8s::AppObjects o;
  o.volcano_job = volcano_job("");
  auto d = k8s::describe_app("default:app-x", o);
  REQUIRE(d);
  CHECK(d->state == AppState::UNKNOWN);
  CHECK(d->roles_statuses.at(0).replicas.at(0).state == AppState::PENDING);
  auto job = volcano_job("Running");
  job["status"].as_object()["taskStatusCount"] = json::parse(R"({"trainer-1":{"phase":{"Running":1}}})");
  o.volcano_job = job;
  d = k8s::describe_app("default:app-x", o);
  CHECK(d->state == AppState::RUNNING);
  CHECK(d->roles_statuses.at(0).replicas.at(1).state == AppState::RUNNING);
  CHECK(d->roles_statuses.at(0).replicas.at(0).state == AppState::PENDING);
}

TEST_CASE("describe_app: tasks without torchx labels are split as TorchX does (rpartition of the task name)") {
  k8s::AppObjects o;
  o.volcano_job =
      volcano_job("Completed", R"([{"name":"my-role-3","template":{"spec":{"containers":[{"image":"i"}]}}}])");
  const auto d = k8s::describe_app("default:app-x", o);
  REQUIRE(d);
  CHECK(d->state == AppState::SUCCEEDED);
  CHECK(d->roles.at(0).name == "my-role");
  CHECK(d->roles_statuses.at(0).replicas.at(0).id == 3);
  CHECK(d->roles_statuses.at(0).replicas.at(0).state == AppState::SUCCEEDED);
}

TEST_CASE("describe_app: batch Jobs by their conditions") {
  k8s::AppObjects o;
  o.kind = k8s::AppKind::batch;
  o.has_service = true;
  o.batch_jobs = {batch_job("app-x-a", "a", 2), batch_job("app-x-b", "b", 1)};
  auto d = k8s::describe_app("default:app-x", o);
  REQUIRE(d);
  CHECK(d->state == AppState::PENDING);
  CHECK(d->roles.size() == 2);
  CHECK(d->roles[0].num_replicas == 2);
  CHECK(d->roles_statuses[0].replicas.size() == 2);

  o.pods = {pod("app-x-a-0", "a", 0, "Running")};
  d = k8s::describe_app("default:app-x", o);
  CHECK(d->state == AppState::RUNNING);
  CHECK(d->roles_statuses[0].replicas[0].state == AppState::RUNNING);
  CHECK(d->roles_statuses[0].replicas[1].state == AppState::PENDING);

  const std::string complete = R"([{"type":"Complete","status":"True"}])";
  o.batch_jobs = {batch_job("app-x-a", "a", 2, complete), batch_job("app-x-b", "b", 1, complete)};
  o.pods.clear();
  d = k8s::describe_app("default:app-x", o);
  CHECK(d->state == AppState::SUCCEEDED);
  CHECK(d->roles_statuses[1].replicas[0].state == AppState::SUCCEEDED);  // pods gone: the app's state

  o.batch_jobs = {
      batch_job("app-x-a", "a", 2, complete),
      batch_job("app-x-b", "b", 1, R"([{"type":"Complete","status":"False"},{"type":"Failed","status":"True",
                    "reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit"}])")};
  d = k8s::describe_app("default:app-x", o);
  CHECK(d->state == AppState::FAILED);
  CHECK(d->msg == "job 'app-x-b' failed (BackoffLimitExceeded): Job has reached the specified backoff limit");
  o.pods = {pod("app-x-b-0", "b", 0, "Failed", 1, 7)};
  d = k8s::describe_app("default:app-x", o);
  CHECK(d->msg == "app-x-b-0 (b/0): container 'b-0' exited with code 7 (Error)");
}

TEST_CASE("describe_app: only the Service left is a cancelled batch app") {
  k8s::AppObjects o;
  o.kind = k8s::AppKind::batch;
  o.has_service = true;
  const auto d = k8s::describe_app("default:app-x", o);
  REQUIRE(d);
  CHECK(d->state == AppState::CANCELLED);
  CHECK(d->msg.find("cancelled") != std::string::npos);
}

TEST_CASE("list_volcano: one entry per job, namespace:name, the app name and creation time") {
  const auto items =
      json::parse(R"([{"metadata":{"name":"a-1","namespace":"ns","creationTimestamp":"1970-01-01T00:01:40Z",
      "labels":{"app.kubernetes.io/name":"a"}},"status":{"state":{"phase":"Running"}}},
    {"metadata":{"name":"b-1","namespace":"ns"}},{"metadata":{"namespace":"ns"}},7])")
          .as_array();
  const auto l = k8s::list_volcano(items);
  REQUIRE(l.size() == 2);
  CHECK(l[0].app_id == "ns:a-1");
  CHECK(l[0].name == "a");
  CHECK(l[0].state == AppState::RUNNING);
  CHECK(l[0].started_at == 100.0);
  CHECK(l[1].app_id == "ns:b-1");
  CHECK(l[1].state == AppState::UNKNOWN);
}

TEST_CASE("list_batch: Jobs grouped by app, a Service alone is CANCELLED") {
  json::array jobs;
  jobs.push_back(batch_job("app-x-a", "a", 1, R"([{"type":"Complete","status":"True"}])"));
  jobs.push_back(batch_job("app-x-b", "b", 1, "[]", R"(,"ready":1)"));
  const auto services =
      json::parse(
          R"([{"metadata":{"name":"app-x","namespace":"default","labels":{"app.kubernetes.io/instance":"app-x"}}},
     {"metadata":{"name":"old","namespace":"default","labels":{"app.kubernetes.io/instance":"old","app.kubernetes.io/name":"o"}}}])")
          .as_array();
  const auto l = k8s::list_batch(jobs, services);
  REQUIRE(l.size() == 2);
  CHECK(l[0].app_id == "default:app-x");
  CHECK(l[0].state == AppState::RUNNING);
  CHECK(l[0].name == "app");
  CHECK(l[1].app_id == "default:old");
  CHECK(l[1].state == AppState::CANCELLED);
  CHECK(l[1].name == "o");
}
