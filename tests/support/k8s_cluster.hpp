// SPDX-License-Identifier: BSD-3-Clause
// A "cluster" for the kubernetes plugin's C++ tests: the API-server stand-in
// (tests/k8s/standin/standin_process.hpp, TEST CODE) in a temporary directory, plus what the tests
// ask of it: the requests it received, golden.py's verdict on whether they are kubectl's
// (tests/k8s/kubectl-golden), its control endpoints (the objects it holds), and stopping it.
#pragma once

#include "../k8s/standin/standin_process.hpp"
#include "files.hpp"
#include "temp_dir.hpp"
#include "util/subprocess.hpp"

#include <torchx/http/client.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef TORCHX_K8S_TEST_DIR
#error "TORCHX_K8S_TEST_DIR (tests/k8s) must be defined"
#endif

namespace torchx::test {

/// One stand-in API server for one test. Not thread-safe.
class K8sCluster {
 public:
  struct Options {
    std::string token = "t0ken-standin";  ///< the bearer token it requires (in its kubeconfig)
    bool no_volcano = false;              ///< a cluster without the Volcano CRD
    bool client_ca = false;               ///< also accept client certificates (its kubeconfig then has one)
    double speed = 4;                     ///< the pod simulation runs this much faster
  };

  explicit K8sCluster(const Options& options) : m_token(options.token) {
    K8sStandin::Options o;
    o.tls = true;
    o.token = options.token;
    o.no_volcano = options.no_volcano;
    o.client_ca = options.client_ca;
    o.speed = options.speed;
    m_standin.emplace(m_tmp.path() / "standin", o);
    m_port = m_standin->port();
  }
  K8sCluster() : K8sCluster(Options{}) {}

  /// Its kubeconfig (cluster, context and user "standin", namespace "default", the token, the CA).
  [[nodiscard]] std::string kubeconfig() const { return (dir() / "kubeconfig").string(); }
  [[nodiscard]] std::filesystem::path dir() const { return m_tmp.path() / "standin"; }
  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] const std::string& token() const { return m_token; }

  /// Stops the server (SIGTERM, reaped): its port then refuses connections.
  void stop() { m_standin.reset(); }

  /// Forgets the requests received so far (requests.jsonl emptied; the stand-in appends).
  void clear_requests() const { std::ofstream(dir() / "requests.jsonl", std::ios::trunc); }

  /// The requests received (requests.jsonl), oldest first.
  [[nodiscard]] std::vector<boost::json::object> requests() const {
    std::vector<boost::json::object> out;
    for (const auto& line : lines_of(slurp(dir() / "requests.jsonl"))) {
      if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
    }
    return out;
  }

  /// golden.py's differences between the requests received and kubectl's for `golden_name`
  /// (tests/k8s/kubectl-golden/<name>.json), one per line; "" when they match.
  [[nodiscard]] std::string golden_differences(const std::string& golden_name) const {
    const std::string code =
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from golden import matches\n"
        "print('\\n'.join(matches(sys.argv[2], sys.argv[3])))\n";
    const auto r = util::run_process(
        {K8sStandin::python(), "-c", code, TORCHX_K8S_TEST_DIR, (dir() / "requests.jsonl").string(), golden_name});
    if (r.exit_code != 0) return "golden.py failed: " + r.err;
    return r.out == "\n" ? "" : r.out;
  }

  /// A control endpoint (`/standin/...`, no authentication): the response body; throws on HTTP >= 400.
  [[nodiscard]] std::string control(const std::string& method, const std::string& path,
                                    const std::string& body = {}) const {
    http::Endpoint endpoint = http::Endpoint::parse("https://127.0.0.1:" + std::to_string(m_port));
    endpoint.tls.ca_pem = slurp(dir() / "ca.crt");
    http::Client client(endpoint, std::chrono::seconds(10));
    const auto r = client.request(method, path, body);
    if (r.status >= 400)
      throw std::runtime_error("stand-in " + method + " " + path + ": HTTP " + std::to_string(r.status) + " " + r.body);
    return r.body;
  }

  /// The objects it holds (`GET /standin/objects`), each with "resource" and "namespace".
  [[nodiscard]] boost::json::array objects() const {
    const auto v = boost::json::parse(control("GET", "/standin/objects"));
    return v.is_array() ? v.as_array() : v.at("objects").as_array();
  }

 private:
  TempDir m_tmp;
  std::string m_token;
  std::optional<K8sStandin> m_standin;
  int m_port = 0;
};

}  // namespace torchx::test
