// SPDX-License-Identifier: BSD-3-Clause
#include "kube_exec.hpp"

#include "kube_config.hpp"
#include "kube_text.hpp"

#include <torchx/util/process.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <system_error>

namespace torchx::k8s {
namespace {

namespace json = boost::json;

constexpr std::string_view k_v1 = "client.authentication.k8s.io/v1";
constexpr std::string_view k_v1beta1 = "client.authentication.k8s.io/v1beta1";
/// An ExecCredential is a few KB (a token, or a certificate chain and a key).
constexpr std::size_t k_max_output = std::size_t{4} << 20;

std::string plugin_name(const ExecRequest& request) {
  return "exec plugin `" + printable(request.exec->command) + "` of " + request.origin;
}

std::string with_hint(std::string message, const ExecEntry& exec) {
  if (!exec.install_hint.empty()) message += " (" + one_line(exec.install_hint) + ")";
  return message;
}

std::string string_member(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

}  // namespace

std::string exec_info_json(const ExecRequest& request) {
  // The bytes kubectl (v1.32) sends: spec.cluster (Go's field order, `config` null when the
  // cluster has no exec extension) before spec.interactive, and a final newline (Go's encoder).
  json::object spec;
  if (request.exec->provide_cluster_info) {
    json::object cluster;
    cluster["server"] = request.server;
    if (!request.tls_server_name.empty()) cluster["tls-server-name"] = request.tls_server_name;
    if (request.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!request.ca_pem.empty()) cluster["certificate-authority-data"] = base64_encode(request.ca_pem);
    if (request.disable_compression) cluster["disable-compression"] = true;
    cluster["config"] = request.extension_json.empty() ? json::value(nullptr) : json::parse(request.extension_json);
    spec["cluster"] = std::move(cluster);
  }
  spec["interactive"] = false;
  json::object info;
  info["kind"] = "ExecCredential";
  info["apiVersion"] = request.exec->api_version;
  info["spec"] = std::move(spec);
  return json::serialize(info) + "\n";
}

ExecCredential run_exec_plugin(const ExecRequest& request) {
  const ExecEntry& exec = *request.exec;
  if (exec.command.empty()) throw ConfigError("the exec plugin of " + request.origin + " has no command");
  if (exec.api_version != k_v1 && exec.api_version != k_v1beta1) {
    throw ConfigError(plugin_name(request) + " has apiVersion '" + printable(exec.api_version, 80) +
                      "': torchx speaks " + std::string(k_v1) + " and " + std::string(k_v1beta1));
  }
  // client-go: v1 must say whether the plugin may prompt; v1beta1 defaults to IfAvailable.
  if (exec.api_version == k_v1 && exec.interactive_mode.empty()) {
    throw ConfigError(plugin_name(request) + ": interactiveMode must be specified for " + std::string(k_v1) +
                      " (Never, IfAvailable or Always)");
  }
  if (exec.interactive_mode == "Always") {
    throw ConfigError(
        plugin_name(request) +
        " needs a terminal (interactiveMode: Always) and torchx runs it without one: " + exec_login_hint(exec));
  }
  if (!exec.interactive_mode.empty() && exec.interactive_mode != "Never" && exec.interactive_mode != "IfAvailable") {
    throw ConfigError(plugin_name(request) + " has interactiveMode '" + printable(exec.interactive_mode, 40) +
                      "' (expected Never, IfAvailable or Always)");
  }

  std::vector<std::string> argv{exec.command};
  argv.insert(argv.end(), exec.args.begin(), exec.args.end());
  util::ProcessOptions options;
  for (const auto& [name, value] : exec.env) options.env.emplace_back(name, value);
  options.env.emplace_back("KUBERNETES_EXEC_INFO", exec_info_json(request));
  options.timeout = request.timeout;
  options.new_process_group = true;
  util::ProcessResult result;
  try {
    result = util::run_process(argv, options);
  } catch (const std::system_error& error) {
    throw ConfigError(
        with_hint(plugin_name(request) + " could not be started: " + printable(error.code().message()) +
                      (exec.command.find('/') == std::string::npos ? " (is it installed and on PATH?)" : ""),
                  exec));
  }
  if (result.timed_out) {
    const auto ms = request.timeout.count();
    throw ConfigError(plugin_name(request) + " did not finish within " +
                      (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
                      " (it runs without a terminal, so it cannot prompt): " + exec_login_hint(exec));
  }
  if (result.signaled || result.exit_code != 0) {
    std::string message = plugin_name(request) +
                          (result.signaled ? " was killed by signal " : " failed with exit status ") +
                          std::to_string(result.exit_code);
    if (const std::string line = first_line(result.err); !line.empty()) message += ": " + line;
    throw ConfigError(with_hint(std::move(message), exec));
  }
  if (result.out.size() > k_max_output) throw ConfigError(plugin_name(request) + " printed more than 4 MiB");

  json::error_code ec;
  const json::value answer = json::parse(result.out, ec);
  if (ec || !answer.is_object()) {
    throw ConfigError(plugin_name(request) + " did not print an ExecCredential (its stdout is not a JSON object)");
  }
  const json::object& object = answer.get_object();
  const std::string api_version = string_member(object, "apiVersion");
  if (string_member(object, "kind") != "ExecCredential") {
    throw ConfigError(plugin_name(request) + " did not print an ExecCredential (kind is not ExecCredential)");
  }
  if (api_version != exec.api_version) {
    throw ConfigError(plugin_name(request) + " is configured for " + exec.api_version + " but answered apiVersion '" +
                      printable(api_version, 80) + "'");
  }
  const auto* status = object.if_contains("status");
  if (status == nullptr || !status->is_object()) throw ConfigError(plugin_name(request) + " returned no status");
  const json::object& fields = status->get_object();
  ExecCredential credential;
  credential.token = string_member(fields, "token");
  credential.client_cert_pem = string_member(fields, "clientCertificateData");
  credential.client_key_pem = string_member(fields, "clientKeyData");
  if (credential.token.empty() && credential.client_cert_pem.empty() && credential.client_key_pem.empty()) {
    throw ConfigError(plugin_name(request) + " returned neither a token nor a client certificate and key");
  }
  if (credential.client_cert_pem.empty() != credential.client_key_pem.empty()) {
    throw ConfigError(plugin_name(request) + " returned only one of clientCertificateData and clientKeyData");
  }
  if (const auto* expiry = fields.if_contains("expirationTimestamp"); expiry != nullptr && !expiry->is_null()) {
    const auto when = expiry->is_string() ? parse_rfc3339(expiry->get_string()) : std::nullopt;
    if (!when)
      throw ConfigError(plugin_name(request) + " returned an expirationTimestamp that is not an RFC 3339 time");
    if (*when <= std::chrono::system_clock::now()) {
      throw ConfigError(plugin_name(request) + " returned a credential that expired at " + format_rfc3339(*when) +
                        ": " + exec_login_hint(exec));
    }
    credential.expiry = *when;
  }
  return credential;
}

std::string exec_login_hint(const ExecEntry& exec) {
  const std::string tool = std::filesystem::path(exec.command).filename().string();
  if (tool == "aws" || tool == "aws-iam-authenticator") {
    return "log in to AWS again (`aws sso login`, or refresh your AWS credentials); `aws eks update-kubeconfig --name "
           "CLUSTER` rewrites the kubeconfig";
  }
  if (tool == "gke-gcloud-auth-plugin" || tool == "gcloud") {
    return "log in again with `gcloud auth login`; `gcloud container clusters get-credentials CLUSTER` rewrites the "
           "kubeconfig";
  }
  if (tool == "kubelogin") {
    return "log in again (`az login` for AKS, then `kubelogin convert-kubeconfig`; or the identity provider behind "
           "kubelogin)";
  }
  return "log in again with the tool behind the exec plugin `" + printable(exec.command) + "`";
}

}  // namespace torchx::k8s
