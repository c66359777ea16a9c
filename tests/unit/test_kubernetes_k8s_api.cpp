// SPDX-License-Identifier: BSD-3-Clause
// The kubernetes plugin's API paths, error mapping (issue 17 item 5) and log line splitting.
#include "k8s_api.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace torchx;
using k8s::Failure;

namespace {

const std::string k_server = "https://10.0.0.1:6443";
const std::string k_source = "context 'kind-x' of /home/u/.kube/config";
const std::string k_hint = "run `aws eks update-kubeconfig --name x` to log in again";

Failure classify(int status, const std::string& body, const std::string& doing = "cannot create Job 'a'") {
  return k8s::classify_response(status, body, doing, k_server, k_source, k_hint);
}

std::string status_body(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

}  // namespace

TEST_CASE("resource_path: each kind's collection and object, names percent-encoded") {
  CHECK(k8s::resource_path(k8s::Resource::volcano_jobs, "ns1") ==
        "/apis/batch.volcano.sh/v1alpha1/namespaces/ns1/jobs");
  CHECK(k8s::resource_path(k8s::Resource::batch_jobs, "default", "echo-x1") ==
        "/apis/batch/v1/namespaces/default/jobs/echo-x1");
  CHECK(k8s::resource_path(k8s::Resource::services, "default", "a") == "/api/v1/namespaces/default/services/a");
  CHECK(k8s::resource_path(k8s::Resource::pods, "default", "a/../b") == "/api/v1/namespaces/default/pods/a%2F..%2Fb");
}

TEST_CASE("resource_of: the kinds the plugin creates, nothing else") {
  CHECK(k8s::resource_of("batch.volcano.sh/v1alpha1", "Job") == k8s::Resource::volcano_jobs);
  CHECK(k8s::resource_of("batch/v1", "Job") == k8s::Resource::batch_jobs);
  CHECK(k8s::resource_of("v1", "Service") == k8s::Resource::services);
  CHECK_FALSE(k8s::resource_of("v1", "Pod"));
  CHECK_FALSE(k8s::resource_of("batch/v1", "CronJob"));
}

TEST_CASE("is_dns_label: what a namespace may be") {
  CHECK(k8s::is_dns_label("default"));
  CHECK(k8s::is_dns_label("a-1"));
  CHECK_FALSE(k8s::is_dns_label(""));
  CHECK_FALSE(k8s::is_dns_label("-a"));
  CHECK_FALSE(k8s::is_dns_label("a-"));
  CHECK_FALSE(k8s::is_dns_label("A"));
  CHECK_FALSE(k8s::is_dns_label("a/b"));
  CHECK_FALSE(k8s::is_dns_label("a..b"));
  CHECK_FALSE(k8s::is_dns_label(std::string(64, 'a')));
  CHECK(k8s::is_dns_label(std::string(63, 'a')));
}

TEST_CASE("status_message: the Status object's message, one line, bounded, nothing from other bodies") {
  CHECK(k8s::status_message(status_body(409, "AlreadyExists", "jobs.batch \\\"x\\\" already exists")) ==
        "jobs.batch \"x\" already exists");
  CHECK(k8s::status_message(R"({"kind":"Status","reason":"NotFound"})") == "NotFound");
  CHECK(k8s::status_message(R"({"kind":"Status","message":"a\nb"})") == "a b");
  CHECK(k8s::status_message(R"({"kind":"Job","message":"x"})").empty());
  CHECK(k8s::status_message("<html>502</html>").empty());
  CHECK(k8s::status_message("").empty());
  CHECK(k8s::status_message(std::string(1 << 20, '{')).empty());
  const auto huge = k8s::status_message(R"({"kind":"Status","message":")" + std::string(10000, 'x') + "\"}");
  CHECK(huge.size() <= 403);
}

TEST_CASE("classify_response: 401 and 403 exit 1 with the login hint and the credentials' source") {
  auto f = classify(401, status_body(401, "Unauthorized", "Unauthorized"));
  CHECK(f.status == TX_E_INTERNAL);
  CHECK(f.message ==
        "cannot create Job 'a': the API server refused the credentials of context 'kind-x' of /home/u/.kube/config: "
        "Unauthorized (HTTP 401 Unauthorized from https://10.0.0.1:6443); run `aws eks update-kubeconfig --name x` to "
        "log in again");
  f = classify(403, status_body(403, "Forbidden", "jobs.batch is forbidden: User \\\"bob\\\" cannot create resource"));
  CHECK(f.status == TX_E_INTERNAL);
  CHECK(f.message.find("does not allow this to the credentials of context 'kind-x'") != std::string::npos);
  CHECK(f.message.find("User \"bob\" cannot create resource") != std::string::npos);
  CHECK(f.message.ends_with("; the cluster's RBAC must allow it, or log in as a user it allows: " + k_hint));
  // No hint from the kubeconfig: a generic one.
  f = k8s::classify_response(401, "", "cannot list", k_server, "", "");
  CHECK(f.message.find("the credentials of the kubeconfig") != std::string::npos);
  CHECK(f.message.find("log in again") != std::string::npos);
}

TEST_CASE("classify_response: 404 not found, 409 and 422 invalid with the server's message, 5xx unavailable") {
  auto f = classify(404, status_body(404, "NotFound", "jobs.batch.volcano.sh \\\"x\\\" not found"), "cannot read 'x'");
  CHECK(f.status == TX_E_NOT_FOUND);
  CHECK(f.message ==
        "cannot read 'x': jobs.batch.volcano.sh \"x\" not found (HTTP 404 Not Found from https://10.0.0.1:6443)");
  f = classify(409, status_body(409, "AlreadyExists", "jobs.batch \\\"a\\\" already exists"));
  CHECK(f.status == TX_E_INVALID_ARGUMENT);
  CHECK(f.message.find("jobs.batch \"a\" already exists") != std::string::npos);
  f = classify(422,
               status_body(422, "Invalid",
                           "Job.batch \\\"a\\\" is invalid: spec.template.spec.containers[0].image: Required value"));
  CHECK(f.status == TX_E_INVALID_ARGUMENT);
  CHECK(f.message ==
        "cannot create Job 'a': the server refused it: Job.batch \"a\" is invalid: "
        "spec.template.spec.containers[0].image: "
        "Required value (HTTP 422 Unprocessable Entity from https://10.0.0.1:6443)");
  CHECK(classify(503, "").status == TX_E_UNAVAILABLE);
  CHECK(classify(504, "").status == TX_E_UNAVAILABLE);
  CHECK(classify(500, status_body(500, "InternalError", "etcd")).status == TX_E_INTERNAL);
}

TEST_CASE("classify_response: a body that is not a Status is cut and stripped of control bytes, never a second line") {
  const auto f = classify(502, "<html>\n<body>bad gateway\x1b[31m</body>" + std::string(5000, 'x'));
  CHECK(f.status == TX_E_UNAVAILABLE);
  CHECK(f.message.find('\n') == std::string::npos);
  CHECK(f.message.find('\x1b') == std::string::npos);
  CHECK(f.message.size() < 400);
}

TEST_CASE("classify_response: a 401 body is never echoed (a proxy may reflect the request's Authorization)") {
  const auto f = classify(401, "Authorization: Bearer sEcReT-token-123");
  CHECK(f.message.find("sEcReT") == std::string::npos);
}

TEST_CASE("classify_transport: refused, DNS, TLS and timeouts are unavailable (exit 4), one line naming the server") {
  using K = http::HttpError::Kind;
  for (const auto kind : {K::connect, K::dns, K::tls, K::timeout}) {
    const auto f = k8s::classify_transport(kind, "cannot connect to https://10.0.0.1:6443: Connection refused",
                                           k_server, k_source);
    CHECK(f.status == TX_E_UNAVAILABLE);
    CHECK(
        f.message.starts_with("cannot reach the Kubernetes API server at https://10.0.0.1:6443 (context 'kind-x' of "
                              "/home/u/.kube/config): "));
    CHECK(f.message.find('\n') == std::string::npos);
  }
  CHECK(k8s::classify_transport(K::tls, "x", k_server, "").message.find("certificate-authority") != std::string::npos);
  CHECK(k8s::classify_transport(K::timeout, "x", k_server, "").message.find("TORCHX_KUBERNETES_TIMEOUT_SECONDS") !=
        std::string::npos);
  CHECK(k8s::classify_transport(K::protocol, "bad status line", k_server, "").status == TX_E_INTERNAL);
}

TEST_CASE("request_timeout: default 30 s, whole seconds 1-3600, else one line") {
  CHECK(k8s::request_timeout(nullptr) == std::chrono::seconds(30));
  CHECK(k8s::request_timeout("") == std::chrono::seconds(30));
  CHECK(k8s::request_timeout("5") == std::chrono::seconds(5));
  CHECK(k8s::request_timeout("3600") == std::chrono::seconds(3600));
  for (const char* bad : {"0", "3601", "-1", "1.5", "abc", "99999999999999999999", " 5"}) {
    CHECK_THROWS_WITH_AS(k8s::request_timeout(bad), doctest::Contains("TORCHX_KUBERNETES_TIMEOUT_SECONDS='"),
                         std::invalid_argument);
  }
}

TEST_CASE("LineSplitter: lines split across pieces are never glued, the last unterminated one comes at finish") {
  k8s::LineSplitter s;
  s.feed("hel");
  CHECK_FALSE(s.next());
  s.feed("lo\nwor");
  CHECK(s.next() == "hello");
  CHECK_FALSE(s.next());
  s.feed("ld\n\nlast");
  CHECK(s.next() == "world");
  CHECK(s.next() == "");
  CHECK_FALSE(s.next());
  s.finish();
  CHECK(s.next() == "last");
  CHECK_FALSE(s.next());
}

TEST_CASE("LineSplitter: many lines in one piece, a carriage return kept, a huge line whole") {
  k8s::LineSplitter s;
  std::string piece;
  for (int i = 0; i < 10000; ++i) piece += "line " + std::to_string(i) + "\n";
  s.feed(piece);
  for (int i = 0; i < 10000; ++i) REQUIRE(s.next() == "line " + std::to_string(i));
  CHECK_FALSE(s.next());
  s.feed("a\r\n");
  CHECK(s.next() == "a\r");
  const std::string big(3 << 20, 'x');
  s.feed(big);
  s.feed("\n");
  CHECK(s.next() == big);
}
