// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/containers/engine.hpp>

#include <torchx/plugin.hpp>

#include <functional>
#include <thread>

namespace torchx::containers {

using namespace std::chrono_literals;

namespace {

bool is_exited_process_race(std::string_view body) {
  const std::string m = engine_message(body);
  return m.starts_with("read /proc/") && m.ends_with("/cgroup: no such process");
}

}  // namespace

std::vector<std::string> candidate_hosts(const std::string& configured,
                                         const std::function<const char*(const char*)>& getenv) {
  if (!configured.empty()) return {configured};
  if (const char* h = getenv("DOCKER_HOST"); h != nullptr && *h != '\0') return {h};
  std::vector<std::string> out{"unix:///run/podman/podman.sock"};
  if (const char* run = getenv("XDG_RUNTIME_DIR"); run != nullptr && *run == '/') {
    out.push_back("unix://" + std::string(run) + "/podman/podman.sock");
  }
  out.emplace_back("unix:///var/run/docker.sock");
  return out;
}

Engine Engine::connect(const std::string& configured) {
  const auto hosts = candidate_hosts(configured, [](const char* n) { return std::getenv(n); });
  std::string tried;
  for (const auto& host : hosts) {
    http::Endpoint endpoint;
    try {
      endpoint = http::Endpoint::parse(host);
    } catch (const std::invalid_argument& e) {
      const char* from = !configured.empty() ? "the docker_host run option" : "DOCKER_HOST";
      throw plugin::InvalidArgument(std::string(from) + ": " + e.what());
    }
    http::Client client(endpoint, 60s);
    std::string why;
    try {
      const auto r = client.request("GET", "/_ping", {}, {}, 5s);
      if (r.status == 200) return Engine(std::move(client));
      why = "answered /_ping with HTTP " + std::to_string(r.status);
    } catch (const http::HttpError& e) {
      why = e.what();
      // "cannot connect to unix:///x: No such file or directory" → keep only the reason.
      if (const auto colon = why.rfind(": "); colon != std::string::npos) why = why.substr(colon + 2);
    }
    tried += (tried.empty() ? "" : ", ") + endpoint.url() + " (" + why + ")";
  }
  throw plugin::Unavailable("no container engine answers: tried " + tried +
                            "; start Podman's API service (podman system service --time=0 unix:///run/podman/podman.sock) "
                            "or Docker, or name the socket with DOCKER_HOST or -cfg docker_host=unix:///path");
}

http::Response Engine::call(std::string_view method, const std::string& target, std::string_view body,
                            std::optional<std::chrono::milliseconds> timeout) {
  try {
    auto r = m_client.request(method, std::string(k_api_prefix) + target, body, "application/json", timeout);
    // Podman before 4.4 fails a list or inspect with HTTP 500 "read /proc/N/cgroup: no such process"
    // when a container's process exits while it reads it (containers/podman#16383, fixed by #16504;
    // Debian 12 ships 4.3). A read is safe to ask again; after ~0.6 s the error is told as it is.
    auto delay = 20ms;
    for (int attempt = 0; attempt < 5 && method == "GET" && r.status == 500 && is_exited_process_race(r.body); ++attempt) {
      std::this_thread::sleep_for(delay);
      delay *= 2;
      r = m_client.request(method, std::string(k_api_prefix) + target, body, "application/json", timeout);
    }
    return r;
  } catch (const http::HttpError& e) {
    throw plugin::Unavailable(std::string("the container engine stopped answering: ") + e.what());
  }
}

http::Response Engine::check(std::string_view method, const std::string& target, std::string_view body,
                             const std::string& doing, std::optional<std::chrono::milliseconds> timeout) {
  auto r = call(method, target, body, timeout);
  if (r.status >= 400) {
    throw plugin::Error(TX_E_INTERNAL, doing + ": " + engine_message(r.body) + " (HTTP " + std::to_string(r.status) + " from " +
                                           url() + ")");
  }
  return r;
}

std::unique_ptr<http::StreamingResponse> Engine::open(const std::string& target, std::optional<std::chrono::milliseconds> idle) {
  try {
    return m_client.open("GET", std::string(k_api_prefix) + target, {}, {}, idle);
  } catch (const http::HttpError& e) {
    throw plugin::Unavailable(std::string("the container engine stopped answering: ") + e.what());
  }
}

std::unique_ptr<http::StreamingResponse> Engine::open(std::string_view method, const std::string& target, std::string_view body,
                                                      std::string_view content_type,
                                                      std::optional<std::chrono::milliseconds> idle,
                                                      const std::vector<std::pair<std::string, std::string>>& headers) {
  try {
    if (headers.empty()) return m_client.open(method, std::string(k_api_prefix) + target, body, content_type, idle);
    // Headers for this request only: a client of its own, so that m_client never carries them.
    http::Client once(m_client.endpoint(), std::chrono::seconds(60));
    for (const auto& [name, value] : headers) once.set_header(name, value);
    return once.open(method, std::string(k_api_prefix) + target, body, content_type, idle);
  } catch (const http::HttpError& e) {
    throw plugin::Unavailable(std::string("the container engine stopped answering: ") + e.what());
  }
}

}  // namespace torchx::containers
