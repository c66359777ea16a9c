// SPDX-License-Identifier: BSD-3-Clause
// render() and to_yaml() of the kubernetes plugin (plugins/kubernetes/k8s_render.hpp). The byte-
// for-byte comparison with PyYAML is tests/python/test_k8s_yaml.py; the schema check is tests/k8s.
#include "k8s_render.hpp"
#include "yaml_resolver.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace json = boost::json;
using namespace torchx;
using k8s::JobKind;
using k8s::render;
using k8s::RenderOptions;
using k8s::to_yaml;

namespace {

specs::AppDef ddp_2x2() {
  return specs::app_def_from_json(R"({"name": "train", "roles": [{
    "name": "train", "image": "img:1", "min_replicas": 2, "entrypoint": "bash",
    "args": ["-c", "torchrun --rdzv_endpoint $${${rank0_env}:=localhost}:29500 --rdzv_id ${app_id} --node_rank ${replica_id} train.py"],
    "env": {"LOGLEVEL": "WARNING", "ME": "${replica_id}"}, "num_replicas": 2,
    "resource": {"cpu": 2, "gpu": 1, "memMB": 4096, "capabilities": {"node.kubernetes.io/instance-type": "p3.2xlarge"},
                 "devices": {"vpc.amazonaws.com/efa": 4}},
    "port_map": {"c10d": 29500},
    "mounts": [{"type": "bind", "src_path": "/data", "dst_path": "/mnt/data", "read_only": true},
               {"type": "volume", "src": "my-pvc", "dst_path": "/mnt/pvc"},
               {"type": "device", "src_path": "/dev/fuse", "dst_path": "/dev/fuse", "permissions": "r"}]}]})");
}

RenderOptions options(JobKind kind) {
  RenderOptions o;
  o.name = "train-abc123";
  o.namespace_ = "team";
  o.kind = kind;
  o.queue = "q1";
  o.version = "0.1.0";
  return o;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

std::string env_value(const json::object& container, std::string_view name) {
  for (const auto& e : container.at("env").as_array()) {
    const auto& o = e.as_object();
    if (o.at("name").as_string() == name)
      return o.contains("value") ? str(o.at("value")) : json::serialize(o.at("valueFrom"));
  }
  return "<absent>";
}

std::string error_of(const specs::AppDef& app, const RenderOptions& o) {
  try {
    render(app, o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("normalize_name") {
  CHECK(k8s::normalize_name("-Foo_Bar-1") == "foobar-1");
  CHECK(k8s::normalize_name("--x") == "-x");
  CHECK(k8s::normalize_name("日本") == "");
}

TEST_CASE("unique_app_name") {
  const std::string name = k8s::unique_app_name("My_Very-Long-Application-Name-That-Goes-On-And-On-Forever");
  CHECK(name.size() <= k8s::k_max_app_name_prefix + 14);
  CHECK(name.starts_with("myvery-long-application-name-tha-"));
  CHECK(k8s::unique_app_name("echo").size() == 4 + 14);
  CHECK_THROWS_WITH_AS(k8s::unique_app_name("___"), doctest::Contains("has no character a Kubernetes name allows"),
                       std::invalid_argument);
}

TEST_CASE("render volcano: TorchX's vcjob, a task per replica with its own macros") {
  const json::array objects = render(ddp_2x2(), options(JobKind::volcano));
  REQUIRE(objects.size() == 1);
  const auto& job = objects[0].as_object();
  CHECK(str(job.at("apiVersion")) == "batch.volcano.sh/v1alpha1");
  CHECK(str(job.at("metadata").at("name")) == "train-abc123");
  CHECK(str(job.at("metadata").at("namespace")) == "team");
  const auto& spec = job.at("spec").as_object();
  CHECK(str(spec.at("schedulerName")) == "volcano");
  CHECK(str(spec.at("queue")) == "q1");
  CHECK(spec.at("maxRetry").as_int64() == 0);
  CHECK(json::serialize(spec.at("plugins")) == R"({"svc":["--publish-not-ready-addresses"],"env":[]})");
  const auto& tasks = spec.at("tasks").as_array();
  REQUIRE(tasks.size() == 2);
  for (int i = 0; i < 2; ++i) {
    const auto& task = tasks[i].as_object();
    CHECK(str(task.at("name")) == "train-" + std::to_string(i));
    CHECK(task.at("replicas").as_int64() == 1);
    CHECK(task.at("minAvailable").as_int64() == 1);
    CHECK_FALSE(task.contains("maxRetry"));
    const auto& pod = task.at("template").as_object();
    CHECK(str(pod.at("metadata").at("labels").at(k8s::k_label_replica_id)) == std::to_string(i));
    CHECK(str(pod.at("metadata").at("labels").at(k8s::k_label_instance)) == "train-abc123");
    CHECK(str(pod.at("metadata").at("annotations").at("sidecar.istio.io/inject")) == "false");
    const auto& pod_spec = pod.at("spec").as_object();
    CHECK(str(pod_spec.at("restartPolicy")) == "Never");
    CHECK(str(pod_spec.at("nodeSelector").at("node.kubernetes.io/instance-type")) == "p3.2xlarge");
    const auto& c = pod_spec.at("containers").at(0).as_object();
    CHECK(str(c.at("name")) == "train-" + std::to_string(i));
    const std::string rank0 = i == 0 ? "TORCHX_RANK0_HOST" : "VC_TRAIN_0_HOSTS";
    CHECK(str(c.at("command").at(2)) == "torchrun --rdzv_endpoint ${" + rank0 +
                                            ":=localhost}:29500 --rdzv_id train-abc123 --node_rank " +
                                            std::to_string(i) + " train.py");
    CHECK(env_value(c, "ME") == std::to_string(i));
    CHECK(env_value(c, "TORCHX_RANK0_HOST") == (i == 0 ? "localhost" : "<absent>"));
    CHECK(json::serialize(c.at("resources")) ==
          R"({"limits":{"cpu":"2000m","memory":"4096M","nvidia.com/gpu":"1","vpc.amazonaws.com/efa":"4"},)"
          R"("requests":{"cpu":"1900m","memory":"3072M","nvidia.com/gpu":"1"}})");
    CHECK(json::serialize(c.at("ports")) == R"([{"name":"c10d","containerPort":29500}])");
    CHECK(
        json::serialize(pod_spec.at("volumes")) ==
        R"([{"name":"dshm","emptyDir":{"medium":"Memory"}},{"name":"mount-0","hostPath":{"path":"/data"}},)"
        R"({"name":"mount-1","persistentVolumeClaim":{"claimName":"my-pvc"}},{"name":"mount-2","hostPath":{"path":"/dev/fuse"}}])");
    CHECK(
        json::serialize(c.at("volumeMounts")) ==
        R"([{"name":"dshm","mountPath":"/dev/shm"},{"name":"mount-0","mountPath":"/mnt/data","readOnly":true},)"
        R"({"name":"mount-1","mountPath":"/mnt/pvc","readOnly":false},{"name":"mount-2","mountPath":"/dev/fuse","readOnly":true}])");
    CHECK(json::serialize(c.at("securityContext")) == R"({"privileged":true})");
  }
}

TEST_CASE("render volcano: retries, min_replicas, service account, priority class, FIELD_PATH env") {
  specs::AppDef app = ddp_2x2();
  app.roles[0].max_retries = 3;
  app.roles[0].min_replicas = 1;
  app.roles[0].env.set("POD_IP", "[FIELD_PATH]status.podIP");
  specs::Role ps = app.roles[0];
  ps.name = "my-ps";
  ps.num_replicas = 1;
  ps.max_retries = 1;
  ps.retry_policy = specs::RetryPolicy::replica;
  ps.min_replicas.reset();
  app.roles.push_back(ps);
  RenderOptions o = options(JobKind::volcano);
  o.service_account = "sa";
  o.priority_class = "high";
  const json::array objects = render(app, o);
  const auto& spec = objects[0].at("spec").as_object();
  CHECK(spec.at("maxRetry").as_int64() == 1);  // min over the roles
  CHECK(str(spec.at("priorityClassName")) == "high");
  const auto& tasks = spec.at("tasks").as_array();
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].at("minAvailable").as_int64() == 1);
  CHECK(tasks[1].at("minAvailable").as_int64() == 0);
  CHECK_FALSE(tasks[2].as_object().contains("minAvailable"));
  CHECK(tasks[0].at("maxRetry").as_int64() == 3);
  CHECK(json::serialize(tasks[0].at("policies")) ==
        R"([{"event":"PodEvicted","action":"RestartJob"},{"event":"PodFailed","action":"RestartJob"}])");
  CHECK(json::serialize(tasks[2].at("policies")) == "[]");
  CHECK(str(tasks[2].at("name")) == "my-ps-0");
  CHECK(str(tasks[0].at("template").at("spec").at("serviceAccountName")) == "sa");
  const auto& c = tasks[2].at("template").at("spec").at("containers").at(0).as_object();
  CHECK(env_value(c, "POD_IP") == R"({"fieldRef":{"fieldPath":"status.podIP"}})");
  // Volcano's svc plugin writes '-' of a task name as '_': the rank-0 variable of role "my-ps"...
  app.roles[0].name = "my-ps0";
  app.roles.pop_back();
  const json::array again = render(app, o);
  const auto& c1 = again[0].at("spec").at("tasks").at(1).at("template").at("spec").at("containers").at(0);
  CHECK(str(c1.at("command").at(2)).find("${VC_MY_PS0_0_HOSTS:=localhost}") != std::string::npos);
}

TEST_CASE("render batch: a headless Service, then an Indexed Job per role") {
  specs::AppDef app = ddp_2x2();
  app.roles[0].max_retries = 2;
  specs::Role worker = app.roles[0];
  worker.name = "worker";
  worker.num_replicas = 3;
  app.roles.push_back(worker);
  RenderOptions o = options(JobKind::batch);
  o.priority_class = "high";
  const json::array objects = render(app, o);
  REQUIRE(objects.size() == 3);
  const auto& svc = objects[0].as_object();
  CHECK(str(svc.at("kind")) == "Service");
  CHECK(
      json::serialize(svc.at("spec")) ==
      R"({"clusterIP":"None","selector":{"app.kubernetes.io/instance":"train-abc123"},"publishNotReadyAddresses":true})");
  CHECK(str(svc.at("metadata").at("name")) == "train-abc123");
  for (std::size_t r = 1; r < 3; ++r) {
    const auto& job = objects[r].as_object();
    CHECK(str(job.at("apiVersion")) == "batch/v1");
    const auto& spec = job.at("spec").as_object();
    const std::int64_t n = r == 1 ? 2 : 3;
    CHECK(str(job.at("metadata").at("name")) == (r == 1 ? "train-abc123-train" : "train-abc123-worker"));
    CHECK(str(job.at("metadata").at("labels").at(k8s::k_label_role_index)) == std::to_string(r - 1));
    CHECK(str(spec.at("completionMode")) == "Indexed");
    CHECK(spec.at("completions").as_int64() == n);
    CHECK(spec.at("parallelism").as_int64() == n);
    CHECK(spec.at("backoffLimit").as_int64() == 2);
    const auto& pod = spec.at("template").as_object();
    CHECK_FALSE(pod.at("metadata").at("labels").as_object().contains(k8s::k_label_replica_id));
    CHECK(str(pod.at("spec").at("subdomain")) == "train-abc123");
    CHECK(str(pod.at("spec").at("priorityClassName")) == "high");
    const auto& c = pod.at("spec").at("containers").at(0).as_object();
    CHECK(str(c.at("env").at(0).at("name")) == "TORCHX_REPLICA_ID");
    CHECK(env_value(c, "TORCHX_REPLICA_ID") ==
          R"({"fieldRef":{"fieldPath":"metadata.annotations['batch.kubernetes.io/job-completion-index']"}})");
    CHECK(env_value(c, "TORCHX_RANK0_HOST") == "train-abc123-train-0.train-abc123");
    CHECK(env_value(c, "ME") == "$(TORCHX_REPLICA_ID)");
    CHECK(str(c.at("command").at(2)) ==
          "torchrun --rdzv_endpoint ${TORCHX_RANK0_HOST:=localhost}:29500 --rdzv_id train-abc123 --node_rank "
          "$(TORCHX_REPLICA_ID) train.py");
  }
}

TEST_CASE("render batch: names fit 63 characters") {
  specs::AppDef app = ddp_2x2();
  app.roles[0].name = "a-role-name-long-enough-to-push-the-job-name-past-the-limit";
  app.roles[0].num_replicas = 100;
  RenderOptions o = options(JobKind::batch);
  o.name = "123-x7k2q9w3b5m1z";
  const json::array objects = render(app, o);
  CHECK(str(objects[0].at("metadata").at("name")) == "tx-123-x7k2q9w3b5m1z");  // a Service name starts with a letter
  CHECK(str(objects[1].at("metadata").at("name")) == "123-x7k2q9w3b5m1z-r0");
  o.name = std::string(60, 'a');
  CHECK(error_of(app, o).find("leaves no room for the job name") != std::string::npos);
  o.name = std::string(64, 'a');
  CHECK(error_of(app, o).find("is not a Kubernetes name") != std::string::npos);
  // Two roles whose names differ only in what Kubernetes drops.
  app = ddp_2x2();
  app.roles.push_back(app.roles[0]);
  app.roles[1].name = "TRAIN";
  CHECK(error_of(app, options(JobKind::batch)).find("is also another role's") != std::string::npos);
  CHECK(error_of(app, options(JobKind::volcano)).find("is also another role's") != std::string::npos);
}

TEST_CASE("render: bad input is one line naming the role and field") {
  struct Row {
    const char* what;
    void (*mutate)(specs::AppDef&);
    const char* expected;
  };
  const Row rows[] = {
      {"no replicas", [](specs::AppDef& a) { a.roles[0].num_replicas = 0; }, "num_replicas is 0, expected 1 or more"},
      {"negative cpu", [](specs::AppDef& a) { a.roles[0].resource.cpu = -2; }, "resource cpu is -2"},
      {"negative memory", [](specs::AppDef& a) { a.roles[0].resource.memMB = -5; }, "resource memMB is -5"},
      {"negative device", [](specs::AppDef& a) { a.roles[0].resource.devices.set("x/y", -1); }, "count is -1"},
      {"name without a usable character", [](specs::AppDef& a) { a.roles[0].name = "__!__"; },
       "has no character a Kubernetes name allows"},
      {"relative bind source",
       [](specs::AppDef& a) {
         a.roles[0].mounts = {specs::BindMount{"data", "/d", false}};
       },
       "is not an absolute host path"},
      {"relative destination",
       [](specs::AppDef& a) {
         a.roles[0].mounts = {specs::BindMount{"/data", "d", false}};
       },
       "is not an absolute path"},
      {"bad claim name",
       [](specs::AppDef& a) {
         a.roles[0].mounts = {specs::VolumeMount{"My PVC", "/d", false}};
       },
       "is not a PersistentVolumeClaim name"},
      {"bad device permissions",
       [](specs::AppDef& a) {
         a.roles[0].mounts = {specs::DeviceMount{"/dev/x", "/dev/x", "rwx"}};
       },
       "must be made of r, w and m"},
      {"bad port name", [](specs::AppDef& a) { a.roles[0].port_map.set("Bad_Name", 80); },
       "is not a Kubernetes port name"},
      {"port out of range", [](specs::AppDef& a) { a.roles[0].port_map.set("p", 70000); }, "expected 1 to 65535"},
      {"ROLE retries",
       [](specs::AppDef& a) {
         a.roles[0].max_retries = 1;
         a.roles[0].retry_policy = specs::RetryPolicy::role;
       },
       "retry_policy ROLE is not supported"},
      {"non-string instance type",
       [](specs::AppDef& a) {
         a.roles[0].resource.capabilities.set("node.kubernetes.io/instance-type", specs::JsonText::parse("3"));
       },
       "expected a string"},
      {"no roles", [](specs::AppDef& a) { a.roles.clear(); }, "has no roles"},
      {"no image", [](specs::AppDef& a) { a.roles[0].image.clear(); }, "the image is empty"},
      {"empty env name", [](specs::AppDef& a) { a.roles[0].env.set("", "x"); }, "an env var has an empty name"},
  };
  for (const auto& row : rows) {
    for (const JobKind kind : {JobKind::volcano, JobKind::batch}) {
      CAPTURE(row.what);
      specs::AppDef app = ddp_2x2();
      row.mutate(app);
      const std::string error = error_of(app, options(kind));
      CHECK(error.find(row.expected) != std::string::npos);
      CHECK(error.find('\n') == std::string::npos);
    }
  }
  // A hostile role name is quoted, cut and stripped of control characters in the message.
  specs::AppDef app = ddp_2x2();
  app.roles[0].name = std::string("\x1b[31m") + std::string(500, '_');
  const std::string error = error_of(app, options(JobKind::volcano));
  CHECK(error.find('\x1b') == std::string::npos);
  CHECK(error.size() < 200);
  // Cut at a character boundary: no half of a 2-byte character is left at the end.
  app.roles[0].name = std::string(79, '_') + "\xc3\xa9" + std::string(10, '_');
  const std::string cut = error_of(app, options(JobKind::batch));
  CHECK(cut.find(std::string(79, '_') + "...'") != std::string::npos);
}

TEST_CASE("to_yaml: PyYAML's block style, sorted keys and quoting") {
  const json::value v = json::parse(R"({"kind": "Job", "spec": {"tasks": [{"name": "a", "args": ["yes", "", "123",
      "a: b", "- x", "#x", "x #y", "two\nlines", "caf\u00e9", "1:30", "0x1F", "1e3", "~", ".5", "2001-12-14", "=", "<<",
      " lead", "trail "]}], "empty": [], "obj": {}, "n": 3, "t": true, "z": null}, "apiVersion": "v1"})");
  CHECK(to_yaml(v) ==
        "apiVersion: v1\n"
        "kind: Job\n"
        "spec:\n"
        "  empty: []\n"
        "  n: 3\n"
        "  obj: {}\n"
        "  t: true\n"
        "  tasks:\n"
        "  - args:\n"
        "    - 'yes'\n"
        "    - ''\n"
        "    - '123'\n"
        "    - 'a: b'\n"
        "    - '- x'\n"
        "    - '#x'\n"
        "    - 'x #y'\n"
        "    - 'two\n"
        "\n"
        "      lines'\n"
        "    - \"caf\\xE9\"\n"
        "    - '1:30'\n"
        "    - '0x1F'\n"
        "    - 1e3\n"
        "    - '~'\n"
        "    - '.5'\n"
        "    - '2001-12-14'\n"
        "    - '='\n"
        "    - '<<'\n"
        "    - ' lead'\n"
        "    - 'trail '\n"
        "    name: a\n"
        "  z: null\n");
  CHECK(to_yaml(json::parse(R"([{"a": 1}, {"b": [1, 2]}])"), true) == "a: 1\n---\nb:\n- 1\n- 2\n");
  CHECK(to_yaml(json::parse(R"("abc")")) == "abc\n...\n");
  CHECK(to_yaml(json::parse(R"({"": null})")) == "? ''\n: null\n");
  CHECK(to_yaml(json::parse(R"({"k": "word word"})")) == "k: word word\n");
  CHECK_THROWS_AS(to_yaml(json::value(json::string("\xff\xfe"))), std::invalid_argument);
  CHECK_THROWS_AS(to_yaml(json::value(json::string("\xed\xa0\x80"))), std::invalid_argument);  // a surrogate
}

TEST_CASE("to_yaml: long and hostile input") {
  std::string words;
  for (int i = 0; i < 200000; ++i) words += "w ";
  words += "end";
  const std::string yaml = to_yaml(json::value(json::string(words)));
  CHECK(yaml.find('\n') < 90);  // folded at 80 columns
  std::string controls;
  for (int c = 0; c < 32; ++c) controls.push_back(static_cast<char>(c));
  const std::string quoted = to_yaml(json::value(json::string(controls)));
  CHECK(quoted.starts_with("\"\\0\\x01"));
  CHECK(quoted.find('\x01') == std::string::npos);
  // Deep nesting does not crash.
  json::value deep = json::array{};
  for (int i = 0; i < 2000; ++i) deep = json::array{deep};
  CHECK(to_yaml(deep).size() > 2000);
}

TEST_CASE("yaml_resolves_to_non_string") {
  for (const char* s : {"",
                        "~",
                        "null",
                        "NULL",
                        "yes",
                        "Off",
                        "TRUE",
                        "0",
                        "-0",
                        "+12",
                        "017",
                        "0b101",
                        "0x1F",
                        "1_000",
                        "1:30",
                        "-190:20:30",
                        "1.5",
                        "1.",
                        ".5",
                        ".5e+3",
                        "1.0e-3",
                        "190:20:30.15",
                        ".inf",
                        "-.Inf",
                        ".NaN",
                        "2001-12-14",
                        "2001-12-14t21:59:43.10-05:00",
                        "2001-12-14 21:59:43.10 -5",
                        "2001-1-1 1:02:03",
                        "<<",
                        "="}) {
    CAPTURE(s);
    CHECK(k8s::yaml_resolves_to_non_string(s));
  }
  for (const char* s :
       {"a",    "y", "n", "yess", "0o17", "08",     "09.x", "1e3",   "1:60",      "1:",          ":30",
        "0:30", ".", "-", "+",    "..5",  "-.5e+3", "nan",  "-.nan", "2001-12-1", "2001-12-14x", "2001-12-14 21:59",
        "nul",  "=="}) {
    CAPTURE(s);
    CHECK_FALSE(k8s::yaml_resolves_to_non_string(s));
  }
}
