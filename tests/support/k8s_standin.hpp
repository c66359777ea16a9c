// SPDX-License-Identifier: BSD-3-Clause
// The Kubernetes API-server stand-in (tests/k8s/standin/standin.py, TEST CODE) for C++ tests:
// started from the test process (it dies with it), its kubeconfig, the requests it received,
// its control endpoints, and golden.py's verdict on whether our requests match kubectl's.
#pragma once

#include "background.hpp"
#include "files.hpp"
#include "temp_dir.hpp"
#include "util/subprocess.hpp"

#include <torchx/http/client.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef TORCHX_K8S_TEST_DIR
#error "TORCHX_K8S_TEST_DIR (tests/k8s) must be defined"
#endif

namespace torchx::test {

class K8sStandin {
public:
  struct Options {
    bool tls = true;
    std::string token = "t0ken-standin";
    bool no_volcano = false;
    double speed = 4;  ///< the pod simulation runs this much faster (pending 0.5 s, running 1 s by default)
  };

  explicit K8sStandin(const Options& options) : m_options(options) { start(); }
  K8sStandin() : K8sStandin(Options{}) {}
  ~K8sStandin() { stop(); }
  K8sStandin(const K8sStandin&) = delete;
  K8sStandin& operator=(const K8sStandin&) = delete;

  /// Its kubeconfig (cluster, context and user "standin", namespace "default", the token, the CA).
  [[nodiscard]] std::string kubeconfig() const { return (m_dir.path() / "kubeconfig").string(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir.path(); }
  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] const std::string& token() const { return m_options.token; }

  /// Stops it (SIGTERM, waits); the port then refuses connections.
  void stop() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      wait_exit(m_pid);
      m_pid = -1;
    }
  }

  /// Forgets the requests received so far (requests.jsonl emptied; the stand-in appends).
  void clear_requests() const { std::ofstream(m_dir.path() / "requests.jsonl", std::ios::trunc); }

  /// The requests received (requests.jsonl), oldest first.
  [[nodiscard]] std::vector<boost::json::object> requests() const {
    std::vector<boost::json::object> out;
    for (const auto& line : lines_of(slurp(m_dir.path() / "requests.jsonl"))) {
      if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
    }
    return out;
  }

  /// golden.py's differences between the requests received and kubectl's for `golden_name`
  /// (tests/k8s/kubectl-golden); "" when they match.
  [[nodiscard]] std::string golden_differences(const std::string& golden_name, const std::string& ignore_query = "") const {
    const std::string code =
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from golden import matches\n"
        "ignore = tuple(q for q in sys.argv[4].split(',') if q)\n"
        "print('\\n'.join(matches(sys.argv[2], sys.argv[3], ignore_query=ignore)))\n";
    const auto r = util::run_process({"/usr/bin/python3", "-c", code, TORCHX_K8S_TEST_DIR,
                                      (m_dir.path() / "requests.jsonl").string(), golden_name, ignore_query});
    if (r.exit_code != 0) return "golden.py failed: " + r.err;
    return r.out == "\n" ? "" : r.out;
  }

  /// A control endpoint (`/standin/...`, no authentication): the response body; throws on HTTP >= 400.
  std::string control(const std::string& method, const std::string& path, const std::string& body = {}) const {
    http::Endpoint endpoint = http::Endpoint::parse((m_options.tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(m_port));
    endpoint.tls.ca_pem = slurp(m_dir.path() / "ca.crt");
    http::Client client(endpoint, std::chrono::seconds(10));
    const auto r = client.request(method, path, body);
    if (r.status >= 400) throw std::runtime_error("stand-in " + method + " " + path + ": HTTP " + std::to_string(r.status) + " " + r.body);
    return r.body;
  }

  /// The objects it holds (`GET /standin/objects`), each with "resource" and "namespace".
  [[nodiscard]] boost::json::array objects() const {
    const auto v = boost::json::parse(control("GET", "/standin/objects"));
    return v.is_array() ? v.as_array() : v.at("objects").as_array();
  }

private:
  void start() {
    std::vector<std::string> argv{"/usr/bin/python3", std::string(TORCHX_K8S_TEST_DIR) + "/standin/standin.py", "--dir",
                                  m_dir.path().string(), "--speed", std::to_string(m_options.speed)};
    if (m_options.tls) argv.emplace_back("--tls");
    if (!m_options.token.empty()) argv.insert(argv.end(), {"--token", m_options.token});
    if (m_options.no_volcano) argv.emplace_back("--no-volcano");
    m_pid = spawn_background(argv, {}, (m_dir.path() / "stderr").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(m_dir.path() / "port")) {
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        throw std::runtime_error("the stand-in exited: " + slurp(m_dir.path() / "stderr"));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("the stand-in did not start in 30 s: " + slurp(m_dir.path() / "stderr"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m_port = std::stoi(slurp(m_dir.path() / "port"));
  }

  Options m_options;
  TempDir m_dir;
  pid_t m_pid = -1;
  int m_port = 0;
};

}  // namespace torchx::test
