// SPDX-License-Identifier: BSD-3-Clause
// The Api class of k8s_api.hpp: the part that throws plugin errors (built into the plugin only).
#include "k8s_api.hpp"

#include <torchx/plugin.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <stdexcept>

namespace json = boost::json;

namespace torchx::k8s {

namespace {

/// A `...List` answer: its items and the token of the next page ("" for the last).
struct ListPage {
  std::vector<json::object> items;
  std::string next;
};

ListPage parse_list_page(const http::Response& r) {
  ListPage page;
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    throw plugin::Error(TX_E_INTERNAL, "the API server answered a list with something that is not JSON");
  if (const auto* items = v.get_object().if_contains("items"); items != nullptr && items->is_array()) {
    for (const auto& i : items->get_array()) {
      if (i.is_object()) page.items.push_back(i.get_object());
    }
  }
  if (const auto* meta = v.get_object().if_contains("metadata"); meta != nullptr && meta->is_object()) {
    if (const auto* c = meta->get_object().if_contains("continue"); c != nullptr && c->is_string())
      page.next = c->get_string();
  }
  return page;
}

}  // namespace

std::optional<std::vector<json::object>> Api::list(const std::string& path, const std::string& selector,
                                                   const std::string& doing, bool none_if_404) {
  std::vector<json::object> out;
  std::string token;
  for (int page = 0; page < 10000; ++page) {
    std::string target = path + "?" + selector + "&limit=500";  // kubectl's page size
    if (!token.empty()) target += "&continue=" + http::url_encode(token);
    const auto r = call("GET", target);
    if (r.status == 404 && none_if_404 && page == 0) return std::nullopt;
    if (r.status >= 400) fail(r, doing);
    auto page_items = parse_list_page(r);
    for (auto& o : page_items.items) out.push_back(std::move(o));
    token = std::move(page_items.next);
    if (token.empty()) break;
  }
  return out;
}

void raise(const Failure& f) {
  switch (f.status) {
    case TX_E_NOT_FOUND:
      throw plugin::NotFound(f.message);
    case TX_E_INVALID_ARGUMENT:
      throw plugin::InvalidArgument(f.message);
    case TX_E_UNAVAILABLE:
      throw plugin::Unavailable(f.message);
    case TX_E_UNSUPPORTED:
      throw plugin::Unsupported(f.message);
    default:
      throw plugin::Error(f.status, f.message);
  }
}

Api::Api(const Credentials& c) : m_source(c.source), m_login_hint(c.login_hint), m_namespace(c.namespace_) {
  http::Endpoint endpoint;
  try {
    endpoint = http::Endpoint::parse(c.server);
  } catch (const std::invalid_argument& e) {
    throw plugin::InvalidArgument("the cluster's server in " +
                                  (c.source.empty() ? std::string("the kubeconfig") : c.source) + ": " + e.what());
  }
  if (endpoint.scheme != "https" && endpoint.scheme != "http") {
    throw plugin::InvalidArgument("the cluster's server in " +
                                  (c.source.empty() ? std::string("the kubeconfig") : c.source) +
                                  " must be https://host[:port] (found '" + endpoint.url() + "')");
  }
  endpoint.tls.ca_pem = c.ca_pem;
  endpoint.tls.client_cert_pem = c.client_cert_pem;
  endpoint.tls.client_key_pem = c.client_key_pem;
  endpoint.tls.insecure_skip_verify = c.insecure_skip_tls_verify;
  endpoint.tls.server_name = c.tls_server_name;
  m_server = endpoint.url();
  std::chrono::seconds timeout{};
  try {
    timeout = request_timeout(std::getenv("TORCHX_KUBERNETES_TIMEOUT_SECONDS"));
  } catch (const std::invalid_argument& e) {
    throw plugin::InvalidArgument(e.what());
  }
  m_client = std::make_unique<http::Client>(std::move(endpoint), timeout);
  m_client->set_header("Accept", "application/json");
  m_client->set_header("User-Agent", std::string("torchx/") + TORCHX_PLUGIN_VERSION + " (kubernetes plugin)");
  if (!c.token.empty()) m_client->set_header("Authorization", "Bearer " + c.token);
}

http::Response Api::call(std::string_view method, const std::string& target, std::string_view body,
                         std::string_view content_type) {
  try {
    return m_client->request(method, target, body, body.empty() ? std::string_view{} : content_type);
  } catch (const http::HttpError& e) {
    raise(classify_transport(e.kind(), e.what(), m_server, m_source));
  }
}

http::Response Api::check(std::string_view method, const std::string& target, std::string_view body,
                          const std::string& doing, std::string_view content_type) {
  auto r = call(method, target, body, content_type);
  if (r.status >= 400) fail(r, doing);
  return r;
}

std::unique_ptr<http::StreamingResponse> Api::open(const std::string& target,
                                                   std::optional<std::chrono::milliseconds> idle,
                                                   std::string_view accept) {
  m_client->set_header("Accept", std::string(accept));
  try {
    auto stream = m_client->open("GET", target, {}, {}, idle);
    m_client->set_header("Accept", "application/json");
    return stream;
  } catch (const http::HttpError& e) {
    m_client->set_header("Accept", "application/json");
    raise(classify_transport(e.kind(), e.what(), m_server, m_source));
  }
}

void Api::fail(const http::Response& r, const std::string& doing) const {
  raise(classify_response(r.status, r.body, doing, m_server, m_source, m_login_hint));
}

}  // namespace torchx::k8s
