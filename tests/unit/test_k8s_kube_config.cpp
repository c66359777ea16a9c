// SPDX-License-Identifier: BSD-3-Clause
// load_credentials: kubectl's rules for finding credentials (plugins/kubernetes/kube_config.hpp),
// each rule a case over kubeconfigs written to a temporary directory, the environment a map.
#include "kube_config.hpp"
#include "kube_text.hpp"

#include "../support/temp_dir.hpp"

#include <torchx/util/process.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace torchx;
using k8s::ConfigError;
using k8s::Credentials;
using k8s::LoadOptions;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// Distinctive secrets: none of them (nor their base64) may ever appear in a message.
const std::string k_token = "tok-SECRET-4b1d-token-value";
const std::string k_file_token = "tok-SECRET-file-9c2e";
const std::string k_password = "pw-SECRET-77aa";
const std::string k_ca = "-----BEGIN CERTIFICATE-----\nCA-SECRET-c3a1\n-----END CERTIFICATE-----\n";
const std::string k_cert = "-----BEGIN CERTIFICATE-----\nCERT-SECRET-5e5e\n-----END CERTIFICATE-----\n";
const std::string k_key = "-----BEGIN RSA PRIVATE KEY-----\nKEY-SECRET-0f0f\n-----END RSA PRIVATE KEY-----\n";
const std::string k_exec_token = "tok-SECRET-exec-1234";

/// The environment of a test: KUBECONFIG, HOME, ... (nothing from the real one).
struct Env {
  std::map<std::string, std::string> vars;
  std::string in_cluster_dir = "/nonexistent-torchx-test/serviceaccount";
  std::string context;
  std::chrono::milliseconds exec_timeout{20'000};
  [[nodiscard]] LoadOptions options() const {
    LoadOptions o;
    o.getenv = [this](const char* name) -> const char* {
      const auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
    o.in_cluster_dir = in_cluster_dir;
    o.context = context;
    o.exec_timeout = exec_timeout;
    return o;
  }
};

/// The message of the ConfigError that loading throws (fails the test if none, or another type).
std::string error_of(const Env& env) {
  try {
    (void)k8s::load_credentials(env.options());
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("load_credentials did not throw ConfigError");
  return {};
}

/// No secret, raw or base64, and one line.
void check_clean(const std::string& message) {
  INFO(message);
  CHECK(message.find('\n') == std::string::npos);
  for (const std::string& secret : {k_token, k_file_token, k_password, k_exec_token, std::string("SECRET")}) {
    CHECK(message.find(secret) == std::string::npos);
  }
  for (const std::string& pem : {k_ca, k_cert, k_key}) {
    CHECK(message.find(k8s::base64_encode(pem).substr(0, 24)) == std::string::npos);
  }
}

std::string b64(const std::string& s) { return k8s::base64_encode(s); }

/// A kubeconfig with one context `name` -> cluster `name` (server) -> user `name` (user_yaml).
std::string kubeconfig(const std::string& name, const std::string& server, const std::string& user_yaml,
                       const std::string& current = "", const std::string& cluster_extra = "") {
  std::string out = "apiVersion: v1\nkind: Config\n";
  if (!current.empty()) out += "current-context: " + current + "\n";
  out += "clusters:\n- name: " + name + "\n  cluster:\n    server: " + server + "\n" + cluster_extra;
  out += "users:\n- name: " + name + "\n  user:\n" + user_yaml;
  out += "contexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "\n    user: " + name + "\n";
  return out;
}

std::string token_user(const std::string& token = k_token) { return "    token: " + token + "\n"; }

fs::path script(const test::TempDir& dir, const std::string& relative, const std::string& body) {
  const auto path = dir.write(relative, "#!/bin/sh\n" + body);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string exec_user(const std::string& command, const std::string& api, const std::string& extra = "") {
  return "    exec:\n      apiVersion: client.authentication.k8s.io/" + api + "\n      command: " + command + "\n" +
         (api == "v1" ? "      interactiveMode: Never\n" : "") + extra;
}

std::string credential_json(const std::string& api, const std::string& status) {
  return R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/)" + api + R"(","status":)" + status +
         "}";
}

}  // namespace

TEST_CASE("load_credentials: KUBECONFIG files merge, the first file to name an entry wins") {
  test::TempDir dir;
  // a.yaml: current-context one, cluster shared -> https://a; b.yaml: current-context two,
  // cluster shared -> https://b (ignored), plus its own context two.
  dir.write("a.yaml", R"(current-context: one
clusters:
- name: shared
  cluster: {server: "https://a.example:6443"}
users:
- name: alice
  user: {token: tok-a}
contexts:
- name: one
  context: {cluster: shared, user: alice, namespace: team-a}
)");
  dir.write("b.yaml", R"(current-context: two
clusters:
- name: shared
  cluster: {server: "https://b.example"}
- name: own
  cluster: {server: "https://own.example/"}
users:
- name: alice
  user: {token: tok-b}
- name: bob
  user: {token: tok-bob}
contexts:
- name: one
  context: {cluster: own, user: bob}
- name: two
  context: {cluster: own, user: bob}
)");
  Env env;
  env.vars["KUBECONFIG"] = ":" + (dir.path() / "missing.yaml").string() + ":" + (dir.path() / "a.yaml").string() +
                           "::" + (dir.path() / "b.yaml").string() + ":" + (dir.path() / "a.yaml").string();
  env.vars["HOME"] = (dir.path() / "home").string();
  const Credentials c = k8s::load_credentials(env.options());
  CHECK(c.context == "one");  // a.yaml's current-context, not b.yaml's
  CHECK(c.server == "https://a.example:6443");
  CHECK(c.token == "tok-a");
  CHECK(c.namespace_ == "team-a");
  CHECK(c.source == "context 'one' of " + (dir.path() / "a.yaml").string());

  env.context = "two";  // only in b.yaml; its cluster 'own' too, the trailing '/' dropped
  const Credentials two = k8s::load_credentials(env.options());
  CHECK(two.server == "https://own.example");
  CHECK(two.token == "tok-bob");
  CHECK(two.namespace_ == "default");

  // The other order: b.yaml's entries win.
  env.context.clear();
  env.vars["KUBECONFIG"] = (dir.path() / "b.yaml").string() + ":" + (dir.path() / "a.yaml").string();
  const Credentials b = k8s::load_credentials(env.options());
  CHECK(b.context == "two");
  CHECK(b.server == "https://own.example");
}

TEST_CASE("load_credentials: without KUBECONFIG, $HOME/.kube/config, and only without it") {
  test::TempDir dir;
  dir.write("home/.kube/config", kubeconfig("home", "https://home.example", token_user(), "home"));
  dir.write("other.yaml", kubeconfig("other", "https://other.example", token_user(), "other"));
  Env env;
  env.vars["HOME"] = (dir.path() / "home").string();
  CHECK(k8s::load_credentials(env.options()).server == "https://home.example");
  env.vars["KUBECONFIG"] = "";  // empty: as unset
  CHECK(k8s::load_credentials(env.options()).server == "https://home.example");
  env.vars["KUBECONFIG"] = (dir.path() / "other.yaml").string();
  CHECK(k8s::load_credentials(env.options()).server == "https://other.example");
  // KUBECONFIG names only missing files: ~/.kube/config is not consulted (kubectl neither).
  env.vars["KUBECONFIG"] = (dir.path() / "nope.yaml").string();
  const std::string message = error_of(env);
  CHECK(message.find("no kubeconfig found") != std::string::npos);
  CHECK(message.find("nope.yaml") != std::string::npos);
}

TEST_CASE("load_credentials: relative paths resolve against the kubeconfig that names them") {
  test::TempDir dir;
  dir.write("conf/pki/ca.crt", k_ca);
  dir.write("conf/pki/client.crt", k_cert);
  dir.write("conf/pki/client.key", k_key);
  dir.write("conf/token", "  " + k_file_token + "\n");
  dir.write("conf/kubeconfig",
            kubeconfig("c", "https://c.example", R"(    client-certificate: pki/client.crt
    client-key: pki/client.key
    tokenFile: token
)",
                       "c", "    certificate-authority: pki/ca.crt\n    tls-server-name: api.internal\n"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "conf" / "kubeconfig").string();
  const Credentials c = k8s::load_credentials(env.options());
  CHECK(c.ca_pem == k_ca);
  CHECK(c.client_cert_pem == k_cert);
  CHECK(c.client_key_pem == k_key);
  CHECK(c.token == k_file_token);  // trimmed
  CHECK(c.tls_server_name == "api.internal");
  CHECK_FALSE(c.insecure_skip_tls_verify);
  CHECK(c.login_hint.find((dir.path() / "conf" / "token").string()) != std::string::npos);
}

TEST_CASE("load_credentials: -data wins over the path, and bad base64 names its field") {
  test::TempDir dir;
  dir.write("wrong.crt", "-----BEGIN CERTIFICATE-----\nWRONG\n-----END CERTIFICATE-----\n");
  const std::string user = "    client-certificate: wrong.crt\n    client-certificate-data: " + b64(k_cert) +
                           "\n    client-key-data: " + b64(k_key) + "\n";
  dir.write("k",
            kubeconfig("c", "https://c.example", user, "c",
                       "    certificate-authority: wrong.crt\n    certificate-authority-data: " + b64(k_ca) + "\n"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  const Credentials c = k8s::load_credentials(env.options());
  CHECK(c.ca_pem == k_ca);
  CHECK(c.client_cert_pem == k_cert);
  CHECK(c.client_key_pem == k_key);
  CHECK(c.token.empty());
  CHECK(c.login_hint.find("client certificate") != std::string::npos);

  dir.write("k", kubeconfig("c", "https://c.example",
                            "    client-certificate-data: " + b64(k_cert) +
                                "\n    client-key-data: " + b64(k_key).insert(8, "!") + "\n",
                            "c"));
  std::string message = error_of(env);
  CHECK(message.find("client-key-data of user 'c'") != std::string::npos);
  CHECK(message.find("not valid base64") != std::string::npos);
  check_clean(message);

  // Base64 that decodes to something that is not PEM (encoded twice): said so, by field.
  dir.write("k", kubeconfig("c", "https://c.example", token_user(), "c",
                            "    certificate-authority-data: " + b64(b64(k_ca)) + "\n"));
  message = error_of(env);
  CHECK(message.find("certificate-authority-data of cluster 'c'") != std::string::npos);
  CHECK(message.find("is not PEM") != std::string::npos);
  check_clean(message);

  // A certificate without its key.
  dir.write("k", kubeconfig("c", "https://c.example", "    client-certificate-data: " + b64(k_cert) + "\n", "c"));
  message = error_of(env);
  CHECK(message.find("certificate without a client-key") != std::string::npos);
  check_clean(message);
}

TEST_CASE("load_credentials: tokenFile wins over token, an unreadable one falls back to the token") {
  test::TempDir dir;
  dir.write("t", k_file_token + "\n");
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  dir.write("k", kubeconfig("c", "https://c.example", token_user() + "    tokenFile: t\n", "c"));
  CHECK(k8s::load_credentials(env.options()).token == k_file_token);
  dir.write("k", kubeconfig("c", "https://c.example", token_user() + "    tokenFile: missing\n", "c"));
  CHECK(k8s::load_credentials(env.options()).token == k_token);
  dir.write("k", kubeconfig("c", "https://c.example", "    tokenFile: missing\n", "c"));
  const std::string message = error_of(env);
  CHECK(message.find("cannot read tokenFile " + (dir.path() / "missing").string()) != std::string::npos);
  check_clean(message);
  dir.write("k", kubeconfig("c", "https://c.example", "    tokenFile: .\n", "c"));
  CHECK(error_of(env).find("is a directory") != std::string::npos);
}

TEST_CASE("load_credentials: the context run option, an unknown context, a context with dangling names") {
  test::TempDir dir;
  dir.write("k", R"(current-context: a
clusters:
- {name: ca, cluster: {server: "https://a.example"}}
- {name: cb, cluster: {server: "b.example:443"}}
users:
- {name: ua, user: {token: tok-a}}
contexts:
- {name: a, context: {cluster: ca, user: ua}}
- {name: b, context: {cluster: cb, user: ua, namespace: ns-b}}
- {name: broken, context: {cluster: nowhere, user: nobody, namespace: "Bad_NS"}}
- {name: nouser, context: {cluster: ca}}
)");
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  env.context = "b";
  const Credentials b = k8s::load_credentials(env.options());
  CHECK(b.context == "b");
  CHECK(b.server == "https://b.example:443");  // no scheme: https, as client-go
  CHECK(b.namespace_ == "ns-b");

  env.context = "c";
  std::string message = error_of(env);
  CHECK(message.find("context 'c' (the `context` run option) is not in kubeconfig") != std::string::npos);
  CHECK(message.find("known contexts: 'a', 'b', 'broken', 'nouser'") != std::string::npos);

  env.context = "broken";
  message = error_of(env);
  CHECK(message.find("its cluster 'nowhere' is in no kubeconfig (known clusters: 'ca', 'cb')") != std::string::npos);
  CHECK(message.find("its user 'nobody' is in no kubeconfig") != std::string::npos);
  CHECK(message.find("its namespace 'Bad_NS' is not a DNS-1123 label") != std::string::npos);

  env.context = "nouser";
  CHECK(error_of(env).find("it names no user") != std::string::npos);

  // A current-context that names no context.
  env.context.clear();
  dir.write("k", kubeconfig("x", "https://x.example", token_user(), "gone"));
  message = error_of(env);
  CHECK(message.find("context 'gone' (the current-context of " + (dir.path() / "k").string() + ")") !=
        std::string::npos);
  CHECK(message.find("known contexts: 'x'") != std::string::npos);
  // No current-context at all.
  dir.write("k", kubeconfig("x", "https://x.example", token_user()));
  message = error_of(env);
  CHECK(message.find("sets no current-context") != std::string::npos);
  CHECK(message.find("kubectl config use-context") != std::string::npos);
}

TEST_CASE("load_credentials: in-cluster service account when there is no kubeconfig") {
  test::TempDir dir;
  dir.write("sa/token", k_file_token + "\n");
  dir.write("sa/ca.crt", k_ca);
  dir.write("sa/namespace", "jobs\n");
  Env env;
  env.in_cluster_dir = (dir.path() / "sa").string();
  env.vars["HOME"] = (dir.path() / "home").string();  // no .kube/config there
  env.vars["KUBERNETES_SERVICE_HOST"] = "10.0.0.1";
  env.vars["KUBERNETES_SERVICE_PORT"] = "443";
  Credentials c = k8s::load_credentials(env.options());
  CHECK(c.server == "https://10.0.0.1:443");
  CHECK(c.token == k_file_token);
  CHECK(c.ca_pem == k_ca);
  CHECK(c.namespace_ == "jobs");
  CHECK(c.context.empty());
  CHECK(c.source.find("in-cluster service account") != std::string::npos);
  CHECK(c.login_hint.find("RBAC") != std::string::npos);

  env.vars["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  env.vars["POD_NAMESPACE"] = "from-env";
  c = k8s::load_credentials(env.options());
  CHECK(c.server == "https://[fd00::1]:443");
  CHECK(c.namespace_ == "from-env");

  // An empty kubeconfig counts as none, as in client-go.
  dir.write("home/.kube/config", "");
  CHECK(k8s::load_credentials(env.options()).server == "https://[fd00::1]:443");

  // A kubeconfig, when there is one, wins over the service account.
  dir.write("home/.kube/config", kubeconfig("k", "https://k.example", token_user(), "k"));
  CHECK(k8s::load_credentials(env.options()).server == "https://k.example");
  fs::remove(dir.path() / "home/.kube/config");

  env.vars["KUBERNETES_SERVICE_PORT"] = "443\nX";
  CHECK(error_of(env).find("do not form a host and port") != std::string::npos);
  env.vars["KUBERNETES_SERVICE_PORT"] = "443";
  // The token file gone: not in a pod, said so.
  fs::remove(dir.path() / "sa/token");
  const std::string message = error_of(env);
  CHECK(message.find("no service-account token at " + (dir.path() / "sa" / "token").string()) != std::string::npos);
}

TEST_CASE("load_credentials: nothing at all says where it looked and how to get a kubeconfig") {
  test::TempDir dir;
  Env env;
  env.vars["HOME"] = (dir.path() / "home").string();
  std::string message = error_of(env);
  CHECK(message.find("no kubeconfig found (looked at " + (dir.path() / "home" / ".kube" / "config").string()) !=
        std::string::npos);
  CHECK(message.find("not inside a pod") != std::string::npos);
  CHECK(message.find("aws eks update-kubeconfig") != std::string::npos);
  CHECK(message.find("kubectl config") != std::string::npos);

  env.vars["KUBECONFIG"] = "/nonexistent/a:/nonexistent/b";
  message = error_of(env);
  CHECK(message.find("$KUBECONFIG: /nonexistent/a, /nonexistent/b") != std::string::npos);

  Env bare;  // no HOME, no KUBECONFIG
  CHECK(error_of(bare).find("looked at nowhere: $KUBECONFIG and $HOME are unset") != std::string::npos);

  env.context = "prod";
  CHECK(error_of(env).find("context 'prod' was asked for but there is no kubeconfig") != std::string::npos);
}

TEST_CASE("load_credentials: exec plugin v1 gets KUBERNETES_EXEC_INFO with the cluster and returns a token") {
  test::TempDir dir;
  // A relative command with a '/' resolves against the kubeconfig's directory.
  script(dir, "conf/bin/plugin.sh",
         R"(printf '%s' "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/info.json"
printf '%s|%s|%s' "$1" "$2" "$PLUGIN_REGION" > "$(dirname "$0")/args.txt"
echo 'a warning on stderr' >&2
printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"%s","expirationTimestamp":"2200-01-02T03:04:05Z"}}' )" +
             k_exec_token + "\n");
  const std::string extra = R"(      args: ["eks", "get-token --cluster x"]
      env:
      - {name: PLUGIN_REGION, value: eu-west-1}
      provideClusterInfo: true
)";
  dir.write("conf/k",
            kubeconfig("eks", "https://eks.example", exec_user("./bin/plugin.sh", "v1", extra), "eks",
                       "    certificate-authority-data: " + b64(k_ca) + "\n    tls-server-name: eks.internal\n" +
                           "    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension:\n" +
                           "        audience: sts\n        retries: 3\n        quoted: \"007\"\n"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "conf" / "k").string();
  const Credentials c = k8s::load_credentials(env.options());
  CHECK(c.token == k_exec_token);
  CHECK(c.ca_pem == k_ca);
  CHECK(k8s::format_rfc3339(c.expiry) == "2200-01-02T03:04:05Z");
  CHECK(c.login_hint.find("exec plugin `" + (dir.path() / "conf" / "bin" / "plugin.sh").string()) != std::string::npos);
  CHECK(slurp(dir.path() / "conf/bin/args.txt") == "eks|get-token --cluster x|eu-west-1");

  const json::value info = json::parse(slurp(dir.path() / "conf/bin/info.json"));
  CHECK(info.at("kind") == "ExecCredential");
  CHECK(info.at("apiVersion") == "client.authentication.k8s.io/v1");
  CHECK(info.at("spec").at("interactive") == false);
  const json::object& cluster = info.at("spec").at("cluster").as_object();
  CHECK(cluster.at("server") == "https://eks.example");
  CHECK(cluster.at("tls-server-name") == "eks.internal");
  CHECK(cluster.at("certificate-authority-data") == json::value(b64(k_ca)));
  CHECK(cluster.at("config").at("audience") == "sts");
  CHECK(cluster.at("config").at("retries") == 3);
  CHECK(cluster.at("config").at("quoted") == "007");
  CHECK(cluster.if_contains("insecure-skip-tls-verify") == nullptr);
  // Byte for byte what kubectl v1.32 sends (captured from `kubectl get pods` with the same
  // kubeconfig): cluster before interactive, Go's field order.
  CHECK(
      slurp(dir.path() / "conf/bin/info.json") ==
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://eks.example",)"
      R"("tls-server-name":"eks.internal","certificate-authority-data":")" +
          b64(k_ca) +
          R"(","config":{"audience":"sts","retries":3,"quoted":"007"}},"interactive":false}})"
          "\n");
}

TEST_CASE("load_credentials: provideClusterInfo without an exec extension sends config null, as kubectl") {
  test::TempDir dir;
  const auto info_file = dir.path() / "info.json";
  script(dir, "plugin.sh",
         "printf '%s' \"$KUBERNETES_EXEC_INFO\" > " + info_file.string() + "\nprintf '%s' '" +
             credential_json("v1beta1", R"({"token":"t"})") + "'\n");
  dir.write("k",
            kubeconfig("c", "https://127.0.0.1:1",
                       exec_user((dir.path() / "plugin.sh").string(), "v1beta1", "      provideClusterInfo: true\n"),
                       "c", "    insecure-skip-tls-verify: true\n"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  CHECK(k8s::load_credentials(env.options()).token == "t");
  CHECK(
      slurp(info_file) ==
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":)"
      R"({"cluster":{"server":"https://127.0.0.1:1","insecure-skip-tls-verify":true,"config":null},"interactive":false}})"
      "\n");
}

TEST_CASE("load_credentials: exec plugin v1beta1 without provideClusterInfo, returning a client certificate") {
  test::TempDir dir;
  const auto info_file = dir.path() / "info.json";
  json::object status;
  status["clientCertificateData"] = k_cert;
  status["clientKeyData"] = k_key;
  const std::string answer = credential_json("v1beta1", json::serialize(status));
  dir.write("answer.json", answer);
  // A bare command name is looked up in PATH: sh.
  const std::string user =
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n"
      "      args:\n      - -c\n      - printf '%s' \"$KUBERNETES_EXEC_INFO\" > " +
      info_file.string() + "; cat " + (dir.path() / "answer.json").string() + "\n";
  dir.write("k", kubeconfig("gke", "https://gke.example", user, "gke"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  const Credentials c = k8s::load_credentials(env.options());
  CHECK(c.token.empty());
  CHECK(c.client_cert_pem == k_cert);
  CHECK(c.client_key_pem == k_key);
  CHECK(c.expiry == std::chrono::system_clock::time_point{});
  CHECK(slurp(info_file) ==
        R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}})"
        "\n");
}

TEST_CASE("load_credentials: resolve_user=false gives the context's namespace and runs no exec plugin") {
  test::TempDir dir;
  script(dir, "plugin.sh", "touch \"$(dirname \"$0\")/ran\"\n" "echo '" + credential_json("v1", R"({"token":"t"})") + "'\n");
  dir.write("k", kubeconfig("c", "https://c.example", exec_user((dir.path() / "plugin.sh").string(), "v1"), "c") +
                     "    namespace: team-a\n");
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  auto options = env.options();
  options.resolve_user = false;
  const auto c = k8s::load_credentials(options);
  CHECK(c.namespace_ == "team-a");
  CHECK(c.server == "https://c.example");
  CHECK(c.token.empty());
  CHECK_FALSE(fs::exists(dir.path() / "ran"));
  // The same kubeconfig, resolved: the plugin runs (so the seam above is what kept it from running).
  CHECK(k8s::load_credentials(env.options()).token == "t");
  CHECK(fs::exists(dir.path() / "ran"));
}

TEST_CASE("load_credentials: a token in the kubeconfig means the exec plugin is not run") {
  test::TempDir dir;
  script(dir, "plugin.sh", "touch \"$(dirname \"$0\")/ran\"\nexit 1\n");
  dir.write("k", kubeconfig("c", "https://c.example",
                            token_user() + exec_user((dir.path() / "plugin.sh").string(), "v1"), "c"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  CHECK(k8s::load_credentials(env.options()).token == k_token);
  CHECK_FALSE(fs::exists(dir.path() / "ran"));
}

TEST_CASE("load_credentials: a failing, missing, slow or lying exec plugin is one line") {
  test::TempDir dir;
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  const auto with_plugin = [&](const std::string& body, const std::string& api = "v1", const std::string& extra = "") {
    script(dir, "plugin.sh", body);
    dir.write("k",
              kubeconfig("c", "https://c.example", exec_user((dir.path() / "plugin.sh").string(), api, extra), "c"));
  };
  const std::string hint = "      installHint: |\n        Install the plugin:\n        apt-get install thing\n";

  with_plugin("echo '\n  first line of stderr' >&2\necho 'second " + k_exec_token + "' >&2\nexit 3\n", "v1", hint);
  std::string message = error_of(env);
  CHECK(message.find("exec plugin `" + (dir.path() / "plugin.sh").string() + "` of user 'c'") != std::string::npos);
  CHECK(message.find("failed with exit status 3: first line of stderr (Install the plugin: apt-get install thing)") !=
        std::string::npos);
  check_clean(message);

  dir.write("k", kubeconfig("c", "https://c.example", exec_user("torchx-no-such-auth-plugin", "v1", hint), "c"));
  message = error_of(env);
  CHECK(message.find("`torchx-no-such-auth-plugin`") != std::string::npos);
  CHECK(message.find("could not be started") != std::string::npos);
  CHECK(message.find("(Install the plugin: apt-get install thing)") != std::string::npos);
  check_clean(message);

  with_plugin("kill -9 $$\n");
  CHECK(error_of(env).find("was killed by signal 9") != std::string::npos);

  with_plugin(
      "printf '%s' '" +
      credential_json("v1", R"({"token":")" + k_exec_token + R"(","expirationTimestamp":"2001-02-03T04:05:06Z"})") +
      "'\n");
  message = error_of(env);
  CHECK(message.find("returned a credential that expired at 2001-02-03T04:05:06Z: log in again") != std::string::npos);
  check_clean(message);

  with_plugin("printf '%s' '" +
              credential_json("v1", R"({"token":")" + k_exec_token + R"(","expirationTimestamp":"tomorrow"})") + "'\n");
  CHECK(error_of(env).find("not an RFC 3339 time") != std::string::npos);

  with_plugin("printf '%s' '" + credential_json("v1beta1", R"({"token":")" + k_exec_token + R"("})") + "'\n");
  message = error_of(env);
  CHECK(message.find("is configured for client.authentication.k8s.io/v1 but answered apiVersion "
                     "'client.authentication.k8s.io/v1beta1'") != std::string::npos);
  check_clean(message);

  with_plugin("echo 'token: " + k_exec_token + "'\n");
  message = error_of(env);
  CHECK(message.find("did not print an ExecCredential") != std::string::npos);
  check_clean(message);

  with_plugin("printf '%s' '" + credential_json("v1", "{}") + "'\n");
  CHECK(error_of(env).find("returned neither a token nor a client certificate and key") != std::string::npos);
  with_plugin("printf '%s' '" + credential_json("v1", R"({"clientKeyData":"x"})") + "'\n");
  CHECK(error_of(env).find("only one of clientCertificateData and clientKeyData") != std::string::npos);
  with_plugin("echo '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\"}'\n");
  CHECK(error_of(env).find("returned no status") != std::string::npos);

  // v1 must state interactiveMode; Always cannot be honoured without a terminal.
  script(dir, "plugin.sh", "exit 0\n");
  dir.write("k", kubeconfig("c", "https://c.example",
                            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n", "c"));
  CHECK(error_of(env).find("interactiveMode must be specified") != std::string::npos);
  dir.write("k", kubeconfig("c", "https://c.example",
                            exec_user("gke-gcloud-auth-plugin", "v1beta1", "      interactiveMode: Always\n"), "c"));
  message = error_of(env);
  CHECK(message.find("needs a terminal") != std::string::npos);
  CHECK(message.find("gcloud auth login") != std::string::npos);
  dir.write("k", kubeconfig("c", "https://c.example", exec_user("x", "v1alpha1"), "c"));
  CHECK(error_of(env).find("has apiVersion 'client.authentication.k8s.io/v1alpha1'") != std::string::npos);

  // Hangs: killed at the timeout, with what it started.
  env.exec_timeout = std::chrono::milliseconds(300);
  with_plugin("sleep 30 &\nsleep 30\n");
  const auto start = std::chrono::steady_clock::now();
  message = error_of(env);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(message.find("did not finish within 300 ms") != std::string::npos);
}

TEST_CASE("load_credentials: malformed YAML names the file and line") {
  test::TempDir dir;
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  dir.write("k", "clusters:\n- name: a\n  cluster:\n    server: [unclosed\nusers: {token: " + k_token + "\n");
  std::string message = error_of(env);
  CHECK(message.find("kubeconfig " + (dir.path() / "k").string() + ":") != std::string::npos);
  CHECK(message.find("malformed YAML") != std::string::npos);
  check_clean(message);

  dir.write("k", "- just\n- a list\n");
  CHECK(error_of(env).find(":1: not a kubeconfig") != std::string::npos);

  dir.write("k", "current-context: a\nclusters:\n- name: a\n  cluster:\n    server: {x: 1}\n");
  message = error_of(env);
  CHECK(message.find((dir.path() / "k").string() + ":5: cluster 'a'.server must be a string") != std::string::npos);

  dir.write("k", "clusters:\n- name: a\n  cluster: {server: https://a}\n- name: a\n  cluster: {server: https://b}\n");
  CHECK(error_of(env).find(":4: the name 'a' appears twice in clusters") != std::string::npos);

  dir.write("k", "users:\n- user: {token: " + k_token + "}\n");
  message = error_of(env);
  CHECK(message.find(":2: users[0] has no name") != std::string::npos);
  check_clean(message);

  dir.write("k", kubeconfig("c", "https://c.example", token_user(), "c", "    insecure-skip-tls-verify: maybe\n"));
  CHECK(error_of(env).find("insecure-skip-tls-verify must be true or false") != std::string::npos);

  // A bad file among several is an error, not skipped.
  dir.write("good", kubeconfig("c", "https://c.example", token_user(), "c"));
  dir.write("k", "{{{{");
  env.vars["KUBECONFIG"] = (dir.path() / "good").string() + ":" + (dir.path() / "k").string();
  CHECK(error_of(env).find("malformed YAML") != std::string::npos);
}

TEST_CASE("load_credentials: removed or unsupported auth is refused in one line") {
  test::TempDir dir;
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  dir.write(
      "k",
      kubeconfig("c", "https://c.example",
                 "    auth-provider:\n      name: gcp\n      config:\n        access-token: " + k_token + "\n", "c"));
  std::string message = error_of(env);
  CHECK(message.find("uses auth-provider 'gcp'") != std::string::npos);
  CHECK(message.find("use an exec credential plugin instead (gke-gcloud-auth-plugin") != std::string::npos);
  check_clean(message);

  dir.write("k", kubeconfig("c", "https://c.example", "    username: admin\n    password: " + k_password + "\n", "c"));
  message = error_of(env);
  CHECK(message.find("basic auth (username/password)") != std::string::npos);
  check_clean(message);

  dir.write("k", kubeconfig("c", "https://c.example", token_user() + "    as: viewer\n", "c"));
  message = error_of(env);
  CHECK(message.find("user 'c' (" + (dir.path() / "k").string() + ":9) impersonates") != std::string::npos);
  check_clean(message);

  dir.write("k", kubeconfig("c", "https://c.example", token_user(), "c",
                            "    insecure-skip-tls-verify: true\n    certificate-authority-data: " + b64(k_ca) + "\n"));
  message = error_of(env);
  CHECK(message.find("both a certificate authority and insecure-skip-tls-verify") != std::string::npos);
  check_clean(message);

  dir.write("k", kubeconfig("c", "https://c.example", token_user(), "c", "    insecure-skip-tls-verify: yes\n"));
  CHECK(k8s::load_credentials(env.options()).insecure_skip_tls_verify);

  dir.write("k", kubeconfig("c", "ftp://c.example", token_user(), "c"));
  CHECK(error_of(env).find("neither https:// nor http://") != std::string::npos);
  dir.write("k", kubeconfig("c", "https://c.example", token_user(), "c", "    proxy-url: http://proxy:3128\n"));
  CHECK(error_of(env).find("sets proxy-url") != std::string::npos);
}

TEST_CASE("load_credentials: huge, garbage and deeply nested input gives ConfigError, never a crash") {
  test::TempDir dir;
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();

  // A 1 MiB token and a 64 KiB context name work.
  const std::string big_token(1 << 20, 't');
  dir.write("k", kubeconfig("c", "https://c.example", token_user(big_token), "c"));
  CHECK(k8s::load_credentials(env.options()).token == big_token);
  const std::string long_name(65536, 'n');
  dir.write("k", kubeconfig(long_name, "https://c.example", token_user(), "c"));
  const std::string message = error_of(env);
  CHECK(message.size() < 4000);  // names are cut in messages
  CHECK(message.find(std::string(200, 'n') + "...") != std::string::npos);

  // Deep nesting: yaml-cpp's depth guard, not a stack overflow.
  dir.write("k", "clusters: " + std::string(100000, '['));
  CHECK(error_of(env).find("malformed YAML") != std::string::npos);
  // Over 16 MiB.
  dir.write("k", std::string((16 << 20) + 10, '#'));
  CHECK(error_of(env).find("larger than 16 MiB") != std::string::npos);
  // Tokens go into a header: no line break may reach it (header injection), from any source.
  dir.write("k", kubeconfig("c", "https://c.example", "    token: \"" + k_token + "\\r\\nX-Evil: 1\"\n", "c"));
  std::string injected = error_of(env);
  CHECK(injected.find("the token of user 'c'") != std::string::npos);
  CHECK(injected.find("control character") != std::string::npos);
  check_clean(injected);
  dir.write("k", kubeconfig("c", "\"https://c.example\\x01\"", token_user(), "c"));
  CHECK(error_of(env).find("has a server with whitespace or a control character") != std::string::npos);
  // Not a regular file.
  env.vars["KUBECONFIG"] = "/dev/zero";
  CHECK(error_of(env).find("cannot read kubeconfig /dev/zero: is not a regular file") != std::string::npos);
  // A directory as KUBECONFIG.
  env.vars["KUBECONFIG"] = dir.path().string();
  CHECK(error_of(env).find("is a directory") != std::string::npos);
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();

  // Random bytes and random mutations of a valid kubeconfig: either loads or a one-line ConfigError.
  std::mt19937 random(1234);
  const std::string valid = kubeconfig(
      "c", "https://c.example",
      token_user() + "    client-certificate-data: " + b64(k_cert) + "\n    client-key-data: " + b64(k_key) + "\n",
      "c");
  int errors = 0;
  for (int round = 0; round < 400; ++round) {
    std::string text = valid;
    if (round % 4 == 0) {
      text.assign(static_cast<std::size_t>(random() % 300), '\0');
      for (auto& ch : text) ch = static_cast<char>(random() % 256);
    } else {
      for (int i = 0; i < 1 + round % 5; ++i) text[random() % text.size()] = static_cast<char>(random() % 256);
    }
    dir.write("k", text);
    try {
      (void)k8s::load_credentials(env.options());
    } catch (const ConfigError& e) {
      ++errors;
      check_clean(e.what());
    }
  }
  CHECK(errors > 100);
}

TEST_CASE("load_credentials: no secret in any message") {
  // Every broken kubeconfig here carries all the distinctive secrets; check_clean asserts none
  // of them (nor their base64) reaches the message.
  test::TempDir dir;
  dir.write("t", k_file_token);
  const std::string secrets = "    token: " + k_token + "\n    client-certificate-data: " + b64(k_cert) +
                              "\n    client-key-data: " + b64(k_key) + "\n    tokenFile: t\n";
  const std::vector<std::string> broken = {
      kubeconfig("c", "https://c.example", secrets + "    password: " + k_password + "\n", "c"),
      kubeconfig("c", "https://c.example",
                 secrets + "    auth-provider: {name: oidc, config: {id-token: " + k_token + "}}\n", "c"),
      kubeconfig("c", "https://c.example", secrets, "missing"),
      kubeconfig("c", "", secrets, "c", "    certificate-authority-data: " + b64(k_ca) + "\n"),
      kubeconfig("c", "https://c.example", secrets, "c", "    certificate-authority-data: " + b64(k_ca) + "%\n"),
      kubeconfig("c", "https://c.example", secrets + "    client-key: " + k_key.substr(0, 20) + "\n", "c",
                 "    insecure-skip-tls-verify: true\n    certificate-authority-data: " + b64(k_ca) + "\n"),
      kubeconfig("c", "https://c.example", "    token: [" + k_token + "]\n", "c"),
      kubeconfig("c", "https://c.example", "    token: \"" + k_token + "\n", "c"),
      kubeconfig("c", "https://c.example", "    token: " + k_token + "\n    client-key-data: " + b64(k_key) + "\n",
                 "c"),
      "users:\n- name: u\n  user:\n    token: '" + k_token + "\\q'\n  garbage: \"\\q" + k_password + "\"\n",
  };
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  for (const auto& text : broken) {
    dir.write("k", text);
    check_clean(error_of(env));
  }
}

TEST_CASE("base64_decode: standard alphabet, optional padding, line breaks ignored, garbage refused") {
  CHECK(k8s::base64_decode("aGVsbG8=") == "hello");
  CHECK(k8s::base64_decode("aGVsbG8") == "hello");
  CHECK(k8s::base64_decode("aGVs\nbG8=\r\n") == "hello");
  CHECK(k8s::base64_decode("") == "");
  CHECK_FALSE(k8s::base64_decode("aGVsbG8=x").has_value());
  CHECK_FALSE(k8s::base64_decode("a").has_value());
  CHECK_FALSE(k8s::base64_decode("aGVs bG8=").has_value());
  CHECK_FALSE(k8s::base64_decode("aGVsbG8===").has_value());
  CHECK(k8s::base64_encode("hello") == "aGVsbG8=");
  CHECK(k8s::base64_decode(k8s::base64_encode(k_key)) == k_key);
}

TEST_CASE("parse_rfc3339: Z, offsets and fractions, and refuses the rest") {
  CHECK(k8s::format_rfc3339(*k8s::parse_rfc3339("2024-05-01T10:00:00Z")) == "2024-05-01T10:00:00Z");
  CHECK(k8s::format_rfc3339(*k8s::parse_rfc3339("2024-05-01T12:00:00.123+02:00")) == "2024-05-01T10:00:00Z");
  CHECK(k8s::format_rfc3339(*k8s::parse_rfc3339("2024-05-01T05:30:00-04:30")) == "2024-05-01T10:00:00Z");
  CHECK_FALSE(k8s::parse_rfc3339("2024-05-01 10:00").has_value());
  CHECK_FALSE(k8s::parse_rfc3339("2024-13-01T10:00:00Z").has_value());
  CHECK_FALSE(k8s::parse_rfc3339("2024-05-01T10:00:00Zjunk").has_value());
  CHECK_FALSE(k8s::parse_rfc3339("").has_value());
  // Past system_clock's range (2262): its last instant, not an overflow into the past.
  CHECK(*k8s::parse_rfc3339("2999-01-01T00:00:00Z") == std::chrono::system_clock::time_point::max());
  CHECK(*k8s::parse_rfc3339("9999-12-31T23:59:59Z") > std::chrono::system_clock::now());
}

namespace {

// A real (public) self-signed CA certificate, valid until 2126: kubectl parses the CA before it
// runs an exec plugin. No key exists for it anywhere.
const std::string k_real_ca =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBiTCCAS+gAwIBAgIUIgcycNhHiSurw3echv8dXtNxYrIwCgYIKoZIzj0EAwIw\n"
    "GTEXMBUGA1UEAwwOdG9yY2h4LXRlc3QtY2EwIBcNMjYxMjAyMDY0MjQ1WhgPMjEy\n"
    "NjExMDgwNjQyNDVaMBkxFzAVBgNVBAMMDnRvcmNoeC10ZXN0LWNhMFkwEwYHKoZI\n"
    "zj0CAQYIKoZIzj0DAQcDQgAE05yr1q0STk0I1V+1UELt2CRzDwroeEBHWMxttAIs\n"
    "qsHXJM5rt/uCMMUulzivIqx/kQY1f1fsYYlfjhvyvpHCZKNTMFEwHQYDVR0OBBYE\n"
    "FEO/mbWUD1Dw/cwA2s2PFDIiMxdXMB8GA1UdIwQYMBaAFEO/mbWUD1Dw/cwA2s2P\n"
    "FDIiMxdXMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhANaWkH2o\n"
    "8Fno+uIS3UkLRshwHOFoqKjZDrFnSv0ZgeCvAiAs2J+nsHLJQ7u8wySLXVYh5Ts2\n"
    "sHHujjw6tDrUhuKjCg==\n"
    "-----END CERTIFICATE-----\n";

}  // namespace

TEST_CASE(
    "load_credentials: the exec plugin gets the same argv, env and KUBERNETES_EXEC_INFO from us as from kubectl") {
  // Runs the real kubectl (skipped, with a message, where there is none) against a server that
  // refuses connections: it runs the exec plugin first, which records what it was given.
  const auto kubectl = std::filesystem::path("/usr/bin/kubectl");
  if (!fs::exists(kubectl)) {
    MESSAGE("kubectl is not installed: the comparison with kubectl is skipped");
    return;
  }
  test::TempDir dir;
  const auto record = dir.path() / "record";
  script(dir, "bin/plugin.sh", R"(printf '%s' "$KUBERNETES_EXEC_INFO" > "$RECORD"
printf '[%s]' "$@" >> "$RECORD"
printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}'
)");
  const std::string user =
      exec_user("bin/plugin.sh", "v1",
                "      args: [get-token, \"--cluster=a b\", \"\"]\n      env:\n      - name: RECORD\n        value: " +
                    record.string() + "\n      provideClusterInfo: true\n");
  dir.write("k",
            kubeconfig("c", "https://127.0.0.1:1", user, "c",
                       "    certificate-authority-data: " + b64(k_real_ca) + "\n    tls-server-name: api.internal\n" +
                           "    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension: "
                           "{audience: sts, n: 3}\n"));
  Env env;
  env.vars["KUBECONFIG"] = (dir.path() / "k").string();
  CHECK(k8s::load_credentials(env.options()).token == "t");
  const std::string ours = slurp(record);
  fs::remove(record);

  util::ProcessOptions options;
  options.env.emplace_back("KUBECONFIG", (dir.path() / "k").string());
  options.timeout = std::chrono::seconds(30);
  const auto result = util::run_process({kubectl.string(), "get", "pods", "--request-timeout=2s"}, options);
  INFO(result.err);
  CHECK(result.exit_code != 0);  // nothing listens there
  const std::string theirs = slurp(record);
  // go-yaml v2 is YAML 1.1: the plain key `n` is the boolean false, and becomes the key "false".
  CHECK(theirs.find("\"config\":{\"audience\":\"sts\",\"false\":3}") != std::string::npos);
  CHECK(theirs.find("[get-token][--cluster=a b][]") != std::string::npos);
  CHECK(ours == theirs);
}

TEST_CASE(
    "load_credentials: merge order, context choice and relative paths agree with `kubectl config view --flatten`") {
  const auto kubectl = std::filesystem::path("/usr/bin/kubectl");
  if (!fs::exists(kubectl)) {
    MESSAGE("kubectl is not installed: the comparison with kubectl is skipped");
    return;
  }
  test::TempDir dir;
  dir.write("sub/ca.pem", k_real_ca);
  dir.write("sub/tok", "tok-from-file\n");
  dir.write("a.yaml", R"(current-context: one
clusters:
- name: shared
  cluster: {server: "https://a.example:6443", certificate-authority: sub/ca.pem}
users:
- {name: alice, user: {token: tok-a}}
contexts:
- {name: one, context: {cluster: shared, user: alice, namespace: team-a}}
)");
  dir.write("sub/b.yaml", R"(current-context: two
clusters:
- {name: shared, cluster: {server: "https://b.example"}}
- {name: own, cluster: {server: "https://own.example", certificate-authority: ca.pem}}
users:
- {name: alice, user: {token: tok-b}}
- {name: bob, user: {tokenFile: tok}}
contexts:
- {name: one, context: {cluster: own, user: bob}}
- {name: two, context: {cluster: own, user: bob}}
)");
  const std::string a = (dir.path() / "a.yaml").string();
  const std::string b = (dir.path() / "sub" / "b.yaml").string();
  const std::string missing = (dir.path() / "missing.yaml").string();
  for (const auto& [list, context] :
       std::vector<std::pair<std::string, std::string>>{{a + ":" + b, ""},
                                                        {a + ":" + b, "two"},
                                                        {b + ":" + a, ""},
                                                        {missing + ":" + b + ":" + a, "one"},
                                                        {b, "one"}}) {
    INFO("KUBECONFIG=" << list << " context=" << context);
    util::ProcessOptions options;
    options.env.emplace_back("KUBECONFIG", list);
    options.timeout = std::chrono::seconds(30);
    std::vector<std::string> argv{kubectl.string(), "config", "view", "--minify", "--raw", "--flatten", "-o", "json"};
    if (!context.empty()) argv.push_back("--context=" + context);
    const auto result = util::run_process(argv, options);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const json::value view = json::parse(result.out);
    const json::object& cluster = view.at("clusters").at(0).at("cluster").as_object();
    const json::object& user = view.at("users").at(0).at("user").as_object();
    const json::object& ctx = view.at("contexts").at(0).at("context").as_object();

    Env env;
    env.vars["KUBECONFIG"] = list;
    env.context = context;
    const Credentials ours = k8s::load_credentials(env.options());
    CHECK(ours.context == view.at("contexts").at(0).at("name").as_string().c_str());
    CHECK(ours.server == cluster.at("server").as_string().c_str());
    const auto* ca = cluster.if_contains("certificate-authority-data");
    CHECK(ours.ca_pem == (ca != nullptr ? *k8s::base64_decode(ca->as_string()) : std::string()));
    if (const auto* token = user.if_contains("token")) {
      CHECK(ours.token == token->as_string().c_str());
    } else {
      CHECK(user.at("tokenFile") == "tok");
      CHECK(ours.token == "tok-from-file");  // sub/tok, relative to sub/b.yaml
    }
    const auto* ns = ctx.if_contains("namespace");
    CHECK(ours.namespace_ == (ns != nullptr ? std::string(ns->as_string()) : std::string("default")));
  }
}
