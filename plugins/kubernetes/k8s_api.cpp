// SPDX-License-Identifier: BSD-3-Clause
#include "k8s_api.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace json = boost::json;

namespace torchx::k8s {

namespace {

std::string one_line(std::string s, std::size_t max) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

/// "HTTP 409 Conflict from https://host:6443"
std::string http_status_text(int status, const std::string& server) {
  const std::string phrase = reason_phrase(status);
  return "HTTP " + std::to_string(status) + (phrase.empty() ? "" : " " + phrase) + " from " + server;
}

}  // namespace

std::string resource_path(Resource resource, std::string_view ns, std::string_view name) {
  std::string p;
  switch (resource) {
    case Resource::volcano_jobs:
      p = "/apis/batch.volcano.sh/v1alpha1/namespaces/" + http::url_encode(ns) + "/jobs";
      break;
    case Resource::batch_jobs:
      p = "/apis/batch/v1/namespaces/" + http::url_encode(ns) + "/jobs";
      break;
    case Resource::services:
      p = "/api/v1/namespaces/" + http::url_encode(ns) + "/services";
      break;
    case Resource::pods:
      p = "/api/v1/namespaces/" + http::url_encode(ns) + "/pods";
      break;
  }
  if (!name.empty()) p += "/" + http::url_encode(name);
  return p;
}

std::optional<Resource> resource_of(std::string_view api_version, std::string_view kind) {
  if (api_version == "batch.volcano.sh/v1alpha1" && kind == "Job") return Resource::volcano_jobs;
  if (api_version == "batch/v1" && kind == "Job") return Resource::batch_jobs;
  if (api_version == "v1" && kind == "Service") return Resource::services;
  return std::nullopt;
}

bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string status_message(std::string_view body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const auto& o = v.get_object();
  const auto* kind = o.if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->get_string() != "Status") return {};
  for (const char* key : {"message", "reason"}) {
    if (const auto* m = o.if_contains(key); m != nullptr && m->is_string() && !m->get_string().empty()) {
      return one_line(std::string(m->get_string()), 400);
    }
  }
  return {};
}

Failure classify_response(int status, std::string_view body, const std::string& doing, const std::string& server,
                          const std::string& source, const std::string& login_hint) {
  std::string said = status_message(body);
  if (said.empty() && !body.empty() && status != 401 && status != 403) {
    // Not a Status (a proxy's page): its start, printable bytes only.
    std::string text(body.substr(0, 200));
    text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }),
               text.end());
    said = text;
  }
  const std::string where = http_status_text(status, server);
  const std::string detail = said.empty() ? where : said + " (" + where + ")";
  switch (status) {
    case 401:
    case 403: {
      const std::string what =
          status == 401 ? "refused the credentials of " : "does not allow this to the credentials of ";
      std::string hint = login_hint.empty()
                             ? "log in again (kubectl must be able to do the same: `kubectl auth can-i create jobs`)"
                             : login_hint;
      // 403: the user is known but not allowed (RBAC); logging in as another user is one way out.
      const std::string lead =
          status == 401 ? "; " : "; the cluster's RBAC must allow it, or log in as a user it allows: ";
      return {TX_E_INTERNAL, doing + ": the API server " + what + (source.empty() ? "the kubeconfig" : source) + ": " +
                                 detail + lead + hint};
    }
    case 404:
      return {TX_E_NOT_FOUND, doing + ": " + detail};
    case 409:
      return {TX_E_INVALID_ARGUMENT, doing + ": the name is taken: " + detail};
    case 400:
    case 422:
      return {TX_E_INVALID_ARGUMENT, doing + ": the server refused it: " + detail};
    case 502:
    case 503:
    case 504:
      return {TX_E_UNAVAILABLE, doing + ": the API server is unavailable: " + detail};
    default:
      return {TX_E_INTERNAL, doing + ": " + detail};
  }
}

Failure classify_transport(http::HttpError::Kind kind, const std::string& what, const std::string& server,
                           const std::string& source) {
  const std::string from = source.empty() ? "" : " (" + source + ")";
  switch (kind) {
    case http::HttpError::Kind::protocol:
      return {TX_E_INTERNAL, "the Kubernetes API server at " + server + from +
                                 " gave an answer that is not HTTP: " + one_line(what, 300)};
    case http::HttpError::Kind::tls:
      return {TX_E_UNAVAILABLE, "cannot reach the Kubernetes API server at " + server + from +
                                    ": TLS failed: " + one_line(what, 300) +
                                    " (check the cluster's certificate-authority in the kubeconfig)"};
    case http::HttpError::Kind::timeout:
      return {TX_E_UNAVAILABLE, "cannot reach the Kubernetes API server at " + server + from + ": no answer in time: " +
                                    one_line(what, 300) + " (TORCHX_KUBERNETES_TIMEOUT_SECONDS sets the limit)"};
    case http::HttpError::Kind::dns:
    case http::HttpError::Kind::connect:
    default:
      return {TX_E_UNAVAILABLE,
              "cannot reach the Kubernetes API server at " + server + from + ": " + one_line(what, 300)};
  }
}

std::optional<std::string> LineSplitter::next() {
  if (const auto nl = m_buffer.find('\n', m_pos); nl != std::string::npos) {
    std::string line = m_buffer.substr(m_pos, nl - m_pos);
    m_pos = nl + 1;
    if (m_pos > 65536 && m_pos * 2 > m_buffer.size()) {
      m_buffer.erase(0, m_pos);
      m_pos = 0;
    }
    return line;
  }
  if (m_finished && m_pos < m_buffer.size()) {
    std::string rest = m_buffer.substr(m_pos);
    m_buffer.clear();
    m_pos = 0;
    return rest;
  }
  if (m_pos == m_buffer.size()) {
    m_buffer.clear();
    m_pos = 0;
  }
  return std::nullopt;
}

std::chrono::seconds request_timeout(const char* env_value) {
  if (env_value == nullptr || *env_value == '\0') return std::chrono::seconds(30);
  const std::string s(env_value);
  if (s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos || std::stoi(s) < 1 ||
      std::stoi(s) > 3600) {
    throw std::invalid_argument("TORCHX_KUBERNETES_TIMEOUT_SECONDS='" + one_line(s, 40) +
                                "': expected whole seconds (1-3600)");
  }
  return std::chrono::seconds(std::stoi(s));
}

}  // namespace torchx::k8s
