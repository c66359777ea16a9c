// SPDX-License-Identifier: BSD-3-Clause
// kubernetes end to end against the API-server stand-in (tests/k8s/standin, TEST CODE: no real
// API server can run here): the real torchx binary, over TLS with a bearer token from the
// stand-in's kubeconfig, for both job kinds; and for each operation, golden.py checks that our
// requests are the ones kubectl sends (tests/k8s/kubectl-golden).
#include "../support/cli_env.hpp"
#include "../support/files.hpp"
#include "../support/k8s_cluster.hpp"
#include "../support/registry.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using torchx::test::first_line;
using torchx::test::K8sCluster;
using torchx::util::ProcessResult;
namespace json = boost::json;

namespace {

struct Kube {
  explicit Kube(const K8sCluster& s) : standin(s), kubeconfig(s.kubeconfig()) {}
  const K8sCluster& standin;
  torchx::test::TempDir tmp;
  std::string kubeconfig;
  /// Off: `run` gets `--workspace ""` (no image is built of the test's directory).
  bool use_workspace = false;

  ProcessResult operator()(std::vector<std::string> args) const {
    if (!use_workspace && !args.empty() && args[0] == "run") args.insert(args.begin() + 1, {"--workspace", ""});
    args.insert(args.begin(), TORCHX_EXE);
    auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
    options.env.insert(options.env.end(), {{"KUBECONFIG", kubeconfig}, {"TORCHX_KUBERNETES_TIMEOUT_SECONDS", "10"}});
    options.timeout = std::chrono::seconds(120);
    return torchx::util::run_process(args, options);
  }

  json::object status(const std::string& handle) const {
    const auto r = (*this)({"status", "--json", handle});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out).as_object();
  }

  std::string wait_for(const std::string& handle, const std::vector<std::string>& states) const {
    std::string state;
    for (int i = 0; i < 300; ++i) {
      state = std::string(status(handle).at("state").as_string());
      if (std::find(states.begin(), states.end(), state) != states.end()) return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return state;
  }

  std::string wait_terminal(const std::string& handle) const {
    return wait_for(handle, {"SUCCEEDED", "FAILED", "CANCELLED"});
  }
};

/// The app id (`<namespace>:<name>`) of a handle.
std::string app_id_of(const std::string& handle) { return handle.substr(handle.rfind('/') + 1); }

/// How many objects of `resource` ("jobs.batch", "jobs.batch.volcano.sh", "services", "pods") the stand-in holds for
/// the app.
std::size_t objects_of(const K8sCluster& s, const std::string& resource, const std::string& name) {
  std::size_t n = 0;
  for (const auto& o : s.objects()) {
    const auto& obj = o.as_object();
    if (obj.at("resource") != json::value(resource)) continue;
    const auto* labels = obj.at("metadata").as_object().if_contains("labels");
    if (labels != nullptr && labels->is_object()) {
      const auto* inst = labels->as_object().if_contains("app.kubernetes.io/instance");
      if (inst != nullptr && *inst == json::value(name)) ++n;
    }
  }
  return n;
}

/// A kubeconfig for `server` with the stand-in's token, and its CA unless `with_ca` is false.
std::string kubeconfig_for(const K8sCluster& s, const std::string& server, bool with_ca = true) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server + "\n" +
         (with_ca ? "    certificate-authority: \"" + (s.dir() / "ca.crt").string() + "\"\n" : std::string{}) +
         "users:\n- name: u\n  user:\n    token: \"" + s.token() +
         "\"\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: default\ncurrent-context: "
         "c\n";
}

/// A TCP port on 127.0.0.1 that completes connections (the kernel's backlog) and never answers.
class SilentPort {
 public:
  SilentPort() : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(m_fd, 16) == 0);
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    m_port = ntohs(addr.sin_port);
  }
  ~SilentPort() { ::close(m_fd); }
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  [[nodiscard]] int port() const { return m_port; }

 private:
  int m_fd;
  int m_port = 0;
};

}  // namespace

TEST_SUITE_BEGIN("kubernetes");

TEST_CASE(
    "kubernetes: utils.echo as a Volcano job over TLS: run, status, log, list, delete, each request as kubectl's") {
  K8sCluster standin;
  Kube kube(standin);
  standin.clear_requests();
  // The check can fail: nothing sent yet, so no create.
  CHECK(standin.golden_differences("create-vcjob").find("no POST") != std::string::npos);
  auto r = kube(
      {"run", "-s", "kubernetes", "-cfg", "queue=default", "utils.echo", "--image", "busybox", "--msg", "hello k8s"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  CHECK(handle.starts_with("kubernetes://torchx/default:echo-"));
  CHECK(standin.golden_differences("create-vcjob") == "");

  CHECK(kube.wait_terminal(handle) == "SUCCEEDED");
  CHECK(standin.golden_differences("get-vcjob") == "");
  CHECK(standin.golden_differences("list-pods") == "");
  const auto s = kube.status(handle);
  const auto& replicas = s.at("roles").as_array().at(0).at("replicas").as_array();
  REQUIRE(replicas.size() == 1);
  CHECK(replicas.at(0).at("state") == 4);  // replica states are AppState numbers in the JSON: 4 is SUCCEEDED

  r = kube({"describe", "--json", handle});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto described = json::parse(r.out);
  CHECK(described.at("roles").at(0).at("image") == "busybox");
  CHECK(described.at("roles").at(0).at("entrypoint") == "echo");
  CHECK(described.at("roles").at(0).at("args").at(0) == "hello k8s");

  standin.clear_requests();
  r = kube({"log", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "echo/0 hello k8s\n");
  CHECK(standin.golden_differences("logs") == "");

  standin.clear_requests();
  r = kube({"list", "-s", "kubernetes", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  bool listed = false;
  const json::value apps = json::parse(r.out);
  for (const auto& a : apps.as_array()) listed = listed || a.at("app_handle") == json::value(handle);
  CHECK(listed);
  CHECK(standin.golden_differences("list-vcjobs") == "");
  CHECK(standin.golden_differences("list-jobs") == "");
  CHECK(standin.golden_differences("list-services") == "");

  standin.clear_requests();
  r = kube({"delete", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(standin.golden_differences("delete-vcjob") == "");
  r = kube({"status", handle});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not found") != std::string::npos);
}

TEST_CASE("kubernetes: dist.ddp -j 2x2 as batch/v1 Jobs and a Service: per-replica status, log -t (follow), delete") {
  K8sCluster standin;
  Kube kube(standin);
  standin.clear_requests();
  auto r = kube({"run", "-s", "kubernetes", "-cfg", "job_kind=batch", "dist.ddp", "-j", "2x2", "--script", "train.py",
                 "--env", "STANDIN_RUN_SECONDS=16,STANDIN_LOG_LINES=3"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  const std::string name = app_id_of(handle).substr(std::string("default:").size());
  CHECK(handle.starts_with("kubernetes://torchx/default:train-"));
  CHECK(standin.golden_differences("create-service") == "");
  CHECK(standin.golden_differences("create-job") == "");
  CHECK(objects_of(standin, "services", name) == 1);

  CHECK(kube.wait_for(handle, {"RUNNING"}) == "RUNNING");
  const auto s = kube.status(handle);
  const auto& roles = s.at("roles").as_array();
  REQUIRE(roles.size() == 1);
  CHECK(roles.at(0).at("replicas").as_array().size() == 2);

  // Follow replica 1 while it runs: its lines arrive, and the stream ends with the container.
  const auto started = std::chrono::steady_clock::now();
  standin.clear_requests();
  r = kube({"log", "-t", handle + "/train/1"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  const auto lines = torchx::test::lines_of(r.out);
  REQUIRE(lines.size() == 4);  // the command line, then line 1..3
  CHECK(lines.at(1) == "train/1 line 1");
  CHECK(lines.at(3) == "train/1 line 3");
  CHECK(std::chrono::steady_clock::now() - started > std::chrono::milliseconds(500));
  CHECK(standin.golden_differences("logs-follow") == "");

  // (since and until: tests/python/test_runner_kubernetes.py; the CLI has no such flags, as TorchX's.)
  CHECK(kube.wait_terminal(handle) == "SUCCEEDED");
  standin.clear_requests();
  r = kube({"delete", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(standin.golden_differences("delete-job") == "");
  CHECK(standin.golden_differences("delete-service") == "");
  CHECK(objects_of(standin, "services", name) == 0);
  CHECK(objects_of(standin, "jobs.batch", name) == 0);
}

TEST_CASE("kubernetes: cancel deletes the running Jobs: CANCELLED, then delete removes the Service") {
  K8sCluster standin;
  Kube kube(standin);
  auto r = kube({"run", "-s", "kubernetes", "-cfg", "job_kind=batch", "utils.sh", "--env", "STANDIN_RUN_SECONDS=60",
                 "--", "sleep", "60"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  const std::string name = app_id_of(handle).substr(std::string("default:").size());
  CHECK(kube.wait_for(handle, {"RUNNING"}) == "RUNNING");
  r = kube({"cancel", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(objects_of(standin, "jobs.batch", name) == 0);
  const auto s = kube.status(handle);
  CHECK(s.at("state") == "CANCELLED");
  r = kube({"cancel", handle});  // again: nothing to do
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  r = kube({"delete", handle});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(objects_of(standin, "services", name) == 0);
  r = kube({"delete", handle});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not found") != std::string::npos);
}

TEST_CASE("kubernetes: a failing replica makes the app FAILED with its exit code in the message, both kinds") {
  K8sCluster standin;
  Kube kube(standin);
  for (const char* kind : {"volcano", "batch"}) {
    CAPTURE(kind);
    auto r = kube({"run", "-s", "kubernetes", "-cfg", std::string("queue=default,job_kind=") + kind, "utils.sh",
                   "--env", "STANDIN_EXIT_CODE=3", "--", "false"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const std::string handle = first_line(r.out);
    CHECK(kube.wait_terminal(handle) == "FAILED");
    const auto s = kube.status(handle);
    CHECK(std::string(s.at("msg").as_string()).find("exited with code 3") != std::string::npos);
    kube({"delete", handle});
  }
}

TEST_CASE("kubernetes: log streams other than combined are refused with one clear line") {
  K8sCluster standin;
  Kube kube(standin);
  auto r = kube({"run", "-s", "kubernetes", "-cfg", "queue=default", "utils.echo", "--image", "busybox"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  r = kube({"log", "--streams", "stderr", handle});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("does not support log streams other than combined") != std::string::npos);
  CHECK(torchx::test::lines_of(r.err).size() == 1);
  kube({"delete", handle});
}

TEST_CASE("kubernetes: errors: server down exits 4, a bad token exits 1 with how to log in and never the token") {
  K8sCluster standin;
  Kube kube(standin);
  const std::string secret = "wr0ng-T0KEN-sEcReT-4711";
  std::string config = torchx::test::slurp(standin.kubeconfig());
  const auto at = config.find(standin.token());
  REQUIRE(at != std::string::npos);
  config.replace(at, standin.token().size(), secret);
  kube.kubeconfig = kube.tmp.write("bad-kubeconfig", config).string();
  auto r = kube({"run", "-s", "kubernetes", "-cfg", "queue=default", "utils.echo", "--image", "busybox"});
  CHECK(r.exit_code == 1);
  CHECK(torchx::test::lines_of(r.err).size() == 1);
  CHECK(r.err.find("refused the credentials of") != std::string::npos);
  CHECK(r.err.find("401") != std::string::npos);
  CHECK(r.err.find(secret) == std::string::npos);
  CHECK(r.err.find(standin.token()) == std::string::npos);
  r = kube({"list", "-s", "kubernetes"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(secret) == std::string::npos);

  // Forbidden (the stand-in's namespace "forbidden"): 403, exit 1.
  kube.kubeconfig = standin.kubeconfig();
  r = kube(
      {"run", "-s", "kubernetes", "-cfg", "queue=default,namespace=forbidden", "utils.echo", "--image", "busybox"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("403") != std::string::npos);
  CHECK(r.err.find(standin.token()) == std::string::npos);

  // Unknown app: exit 1, not found.
  r = kube({"status", "kubernetes://torchx/default:nope-x1y2z3"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not found") != std::string::npos);
  r = kube({"cancel", "kubernetes://torchx/no:such:app"});
  CHECK(r.exit_code == 1);

  standin.stop();
  r = kube({"run", "-s", "kubernetes", "-cfg", "queue=default", "utils.echo", "--image", "busybox"});
  CHECK(r.exit_code == 4);
  CHECK(torchx::test::lines_of(r.err).size() == 1);
  CHECK(r.err.find("cannot reach the Kubernetes API server at https://127.0.0.1:" + std::to_string(standin.port())) !=
        std::string::npos);
  r = kube({"status", "kubernetes://torchx/default:echo-x1y2z3"});
  CHECK(r.exit_code == 4);
  r = kube({"list", "-s", "kubernetes"});
  CHECK(r.exit_code == 4);
}

TEST_CASE(
    "kubernetes: errors: a timeout, a name that does not resolve and a certificate not trusted exit 4, one line each") {
  K8sCluster standin;
  Kube kube(standin);
  SilentPort silent;
  kube.kubeconfig =
      kube.tmp.write("silent", kubeconfig_for(standin, "https://127.0.0.1:" + std::to_string(silent.port()))).string();
  const auto started = std::chrono::steady_clock::now();
  auto r = kube({"status", "kubernetes://torchx/default:echo-x1y2z3"});  // TORCHX_KUBERNETES_TIMEOUT_SECONDS=10 (Kube)
  CHECK(r.exit_code == 4);
  CHECK(torchx::test::lines_of(r.err).size() == 1);
  CHECK(r.err.find("no answer in time") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));

  kube.kubeconfig = kube.tmp.write("dns", kubeconfig_for(standin, "https://no-such-host.invalid:6443")).string();
  r = kube({"list", "-s", "kubernetes"});
  CHECK(r.exit_code == 4);
  CHECK(torchx::test::lines_of(r.err).size() == 1);
  CHECK(r.err.find("cannot reach the Kubernetes API server at https://no-such-host.invalid:6443") != std::string::npos);

  kube.kubeconfig =
      kube.tmp.write("no-ca", kubeconfig_for(standin, "https://127.0.0.1:" + std::to_string(standin.port()), false))
          .string();
  r = kube({"list", "-s", "kubernetes"});
  CHECK(r.exit_code == 4);
  CHECK(torchx::test::lines_of(r.err).size() == 1);
  CHECK(r.err.find("TLS failed") != std::string::npos);
  CHECK(r.err.find("certificate") != std::string::npos);
  CHECK(r.err.find(standin.token()) == std::string::npos);
}

TEST_CASE("kubernetes: hostile arguments reach the pod byte for byte, hostile app ids are unknown apps") {
  K8sCluster standin;
  Kube kube(standin);
  const std::string hostile = "a b $(touch pwned) `id` it's \"q\" \u00fcn\u00ef,comma=eq * \\n {{x}} ${app_id} %2F";
  auto r =
      kube({"run", "-s", "kubernetes", "-cfg", "job_kind=batch", "utils.echo", "--image", "busybox", "--msg", hostile});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  CHECK(kube.wait_terminal(handle) == "SUCCEEDED");
  r = kube({"log", handle});
  CHECK(r.out.substr(0, 7) == "echo/0 ");
  CHECK(r.out.find("$(touch pwned) `id` it's \"q\" \u00fcn\u00ef,comma=eq * \\n {{x}}") != std::string::npos);
  kube({"delete", handle});
  for (const std::string& id :
       std::vector<std::string>{"default:a/../../etc", "de%2Ffault:x", "Default:x", "default:", ":x", "default:x:y",
                                "default:" + std::string(5000, 'a'), "default:-x"}) {
    CAPTURE(id);
    r = kube({"status", "kubernetes://torchx/" + id});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("not found") != std::string::npos);
    CHECK(torchx::test::lines_of(r.err).size() == 1);
  }
}

TEST_CASE("kubernetes: a workspace is built onto role 0's image, pushed to image_repo and named in the Job") {
  if (!torchx::test::registry_or_skip()) return;
  K8sCluster standin;
  Kube kube(standin);
  kube.use_workspace = true;
  kube.tmp.write("ws/train.py", "print('from the workspace')\n");
  const std::string repo = torchx::test::registry_host() + "/torchx-k8s-scheduler-test";
  auto r = kube({"run", "--workspace", (kube.tmp.path() / "ws").string(), "-s", "kubernetes", "-cfg",
                 "queue=default,quiet=true,image_repo=" + repo, "utils.sh", "--image", "localhost/busybox:latest", "--",
                 "cat", "train.py"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string image;
  for (const auto& o : standin.objects()) {
    if (o.at("resource") != json::value("jobs.batch.volcano.sh")) continue;
    image = std::string(
        o.at("spec").at("tasks").at(0).at("template").at("spec").at("containers").at(0).at("image").as_string());
  }
  REQUIRE(image.starts_with(repo + ":"));
  const auto tags = torchx::test::registry_request("GET", "/v2/torchx-k8s-scheduler-test/tags/list");
  REQUIRE(tags);
  CHECK(tags->body.find("\"" + image.substr(repo.size() + 1) + "\"") != std::string::npos);
  kube({"delete", first_line(r.out)});
}

TEST_CASE("kubernetes: credentials: a client certificate (inline *-data), and an exec plugin's token") {
  K8sCluster::Options options;
  options.token = "";
  options.client_ca = true;
  K8sCluster standin(options);
  Kube kube(standin);
  kube.kubeconfig = (standin.dir() / "kubeconfig-inline").string();
  auto r = kube(
      {"run", "-s", "kubernetes", "-cfg", "job_kind=batch", "utils.echo", "--image", "busybox", "--msg", "by cert"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  CHECK(kube.wait_terminal(handle) == "SUCCEEDED");
  CHECK(kube({"log", handle}).out == "echo/0 by cert\n");
  bool by_certificate = false;
  for (const auto& req : standin.requests()) {
    const auto* cn = req.if_contains("client_certificate");
    by_certificate = by_certificate || (cn != nullptr && *cn == json::value("standin-user"));
  }
  CHECK(by_certificate);
  kube({"delete", handle});

  // An exec plugin (as EKS and GKE users log in) that prints an ExecCredential with the token.
  K8sCluster with_token;
  Kube kube2(with_token);
  const auto plugin = kube2.tmp.write("get-token.sh",
                                      "#!/bin/sh\necho '{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
                                      "\"kind\": \"ExecCredential\", \"status\": {\"token\": \"" +
                                          with_token.token() + "\"}}'\n");
  std::filesystem::permissions(plugin, std::filesystem::perms::owner_all);
  std::string config = kubeconfig_for(with_token, "https://127.0.0.1:" + std::to_string(with_token.port()));
  const auto at = config.find("    token: ");
  REQUIRE(at != std::string::npos);
  config.replace(at, config.find('\n', at) - at,
                 "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: " + plugin.string() +
                     "\n      interactiveMode: Never");
  kube2.kubeconfig = kube2.tmp.write("exec-kubeconfig", config).string();
  r = kube2({"list", "-s", "kubernetes", "--json"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "[]\n");
}

TEST_CASE("kubernetes: a cluster without Volcano: run says how to do without it, batch runs, list skips Volcano") {
  K8sCluster::Options options;
  options.no_volcano = true;
  K8sCluster standin(options);
  Kube kube(standin);
  auto r = kube({"run", "-s", "kubernetes", "-cfg", "queue=default", "utils.echo", "--image", "busybox"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("job_kind=batch") != std::string::npos);
  r = kube(
      {"run", "-s", "kubernetes", "-cfg", "job_kind=batch", "utils.echo", "--image", "busybox", "--msg", "no volcano"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string handle = first_line(r.out);
  CHECK(kube.wait_terminal(handle) == "SUCCEEDED");
  CHECK(kube({"log", handle}).out == "echo/0 no volcano\n");
  r = kube({"list", "-s", "kubernetes", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find(handle) != std::string::npos);
  kube({"delete", handle});
}

TEST_CASE("kubernetes: --dryrun prints the manifests and contacts nothing, and the queue defaults to Volcano's default") {
  K8sCluster standin;
  Kube kube(standin);
  standin.clear_requests();
  for (const char* kind : {"volcano", "batch"}) {
    auto r = kube({"run", "--dryrun", "-s", "kubernetes", "-cfg", std::string("queue=q,job_kind=") + kind, "dist.ddp",
                   "-j", "2x2", "--script", "train.py"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find(std::string(kind) == "volcano" ? "apiVersion: batch.volcano.sh/v1alpha1"
                                                    : "apiVersion: batch/v1") != std::string::npos);
    CHECK(r.out.find(standin.token()) == std::string::npos);
  }
  CHECK(standin.requests().empty());
  // No queue: Volcano's own 'default' (TorchX requires one; every Volcano install has 'default').
  auto r = kube({"run", "--dryrun", "-s", "kubernetes", "utils.echo"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("\n  queue: default\n") != std::string::npos);
  r = kube({"run", "--dryrun", "-s", "kubernetes", "-cfg", "job_kind=slurm", "utils.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("expected volcano or batch") != std::string::npos);
}
