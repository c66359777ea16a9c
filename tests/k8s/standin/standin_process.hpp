// SPDX-License-Identifier: BSD-3-Clause
// TEST CODE: the Kubernetes API-server stand-in (tests/k8s/standin/standin.py) as a child process of a
// doctest test. Include from a test under tests/ as "../k8s/standin/standin_process.hpp".
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../support/background.hpp"

namespace torchx::test {

/// A running stand-in API server. Starting it makes its CA and certificates (with `tls`), its
/// kubeconfig (`kubeconfig()`) and `requests.jsonl` (`requests_path()`, one JSON object per request,
/// see tests/k8s/standin/README.md) in `dir`, then waits for its `port` file (at most 30 s; throws
/// std::runtime_error with the stand-in's output otherwise). The destructor sends SIGTERM and reaps
/// it; it also exits by itself when the test process dies. One object per server; not thread-safe.
class K8sStandin {
 public:
  struct Options {
    bool tls = true;            ///< HTTPS with a CA of its own (kubeconfig names it)
    std::string token;          ///< required bearer token; empty: none required
    bool client_ca = false;     ///< accept client certificates (writes client.crt/client.key)
    bool no_volcano = false;    ///< a cluster without the Volcano CRD
    double speed = 1.0;         ///< simulation speed factor
  };

  K8sStandin(const std::filesystem::path& dir, const Options& options) : m_dir(dir) {
    std::filesystem::create_directories(m_dir);
    std::filesystem::remove(m_dir / "port");
    std::vector<std::string> argv{python(), script(), "--dir", m_dir.string(), "--speed", std::to_string(options.speed)};
    if (options.tls) argv.emplace_back("--tls");
    if (!options.token.empty()) argv.insert(argv.end(), {"--token", options.token});
    if (options.client_ca) argv.emplace_back("--client-ca");
    if (options.no_volcano) argv.emplace_back("--no-volcano");
    m_pid = spawn_background(argv, {}, (m_dir / "output").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(m_dir / "port")) {
      int status = 0;
      const bool exited = ::waitpid(m_pid, &status, WNOHANG) == m_pid;  // reaped here: stop() must not wait
      if (exited) m_pid = -1;
      if (exited || std::chrono::steady_clock::now() > deadline) {
        stop();
        std::ifstream out(m_dir / "output");
        throw std::runtime_error("the k8s stand-in did not start: " +
                                 std::string(std::istreambuf_iterator<char>(out), {}));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ifstream(m_dir / "port") >> m_port;
    m_scheme = options.tls || options.client_ca ? "https" : "http";
  }
  K8sStandin(const K8sStandin&) = delete;
  K8sStandin& operator=(const K8sStandin&) = delete;
  ~K8sStandin() { stop(); }

  int port() const { return m_port; }
  /// "https://127.0.0.1:PORT" (or http).
  std::string url() const { return m_scheme + "://127.0.0.1:" + std::to_string(m_port); }
  std::filesystem::path kubeconfig() const { return m_dir / "kubeconfig"; }
  std::filesystem::path ca() const { return m_dir / "ca.crt"; }
  std::filesystem::path requests_path() const { return m_dir / "requests.jsonl"; }
  const std::filesystem::path& dir() const { return m_dir; }

  /// The path of standin.py: TORCHX_K8S_STANDIN when defined, else found from the absolute test
  /// directories tests/CMakeLists.txt already defines (TORCHX_INTEGRATION_DIR for the integration
  /// tests, TORCHX_TEST_DATA_DIR for the unit tests), else beside this header (__FILE__ is relative
  /// to the build directory, so this last one works only when the test runs there).
  static std::string script() {
#if defined(TORCHX_K8S_STANDIN)
    return TORCHX_K8S_STANDIN;
#elif defined(TORCHX_INTEGRATION_DIR)
    return TORCHX_INTEGRATION_DIR "/../k8s/standin/standin.py";
#elif defined(TORCHX_TEST_DATA_DIR)
    return TORCHX_TEST_DATA_DIR "/../k8s/standin/standin.py";
#else
    return (std::filesystem::path(__FILE__).parent_path() / "standin.py").string();
#endif
  }
  /// The interpreter: TORCHX_TEST_PYTHON when defined, else /usr/bin/python3 (stdlib only is needed).
  static std::string python() {
#ifdef TORCHX_TEST_PYTHON
    return TORCHX_TEST_PYTHON;
#else
    return "/usr/bin/python3";
#endif
  }

 private:
  void stop() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      wait_exit(m_pid);
      m_pid = -1;
    }
  }

  std::filesystem::path m_dir;
  pid_t m_pid = -1;
  int m_port = 0;
  std::string m_scheme;
};

}  // namespace torchx::test
