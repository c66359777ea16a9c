// SPDX-License-Identifier: BSD-3-Clause
#include "kube_config.hpp"

#include "kube_config_file.hpp"
#include "kube_exec.hpp"
#include "kube_text.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <vector>

namespace torchx::k8s {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_get_one =
    "get one with your cloud's get-credentials command (`aws eks update-kubeconfig`, `gcloud container clusters "
    "get-credentials`, `az aks get-credentials`) or `kubectl config set-cluster/set-credentials/set-context`";

std::string env(const LoadOptions& options, const char* name) {
  const char* value = options.getenv ? options.getenv(name) : nullptr;
  return value != nullptr ? value : "";
}

std::string quoted(const std::string& name) { return "'" + printable(name) + "'"; }
std::string shown(const fs::path& path) { return printable(path.string(), 400); }

/// "a, b, c" (names, at most 20 of them), or `none` when there are none.
template <class Map>
std::string names_of(const Map& map, std::string_view none) {
  if (map.empty()) return std::string(none);
  std::string out;
  std::size_t count = 0;
  for (const auto& [name, _] : map) {
    if (count == 20) {
      out += ", and " + std::to_string(map.size() - count) + " more";
      break;
    }
    if (count++ != 0) out += ", ";
    out += quoted(name);
  }
  return out;
}

/// The files kubectl would read, in order: $KUBECONFIG's entries (empty ones skipped, each
/// once) or $HOME/.kube/config.
std::vector<fs::path> candidate_files(const LoadOptions& options) {
  std::vector<fs::path> files;
  const std::string list = env(options, "KUBECONFIG");
  if (!list.empty()) {
    std::set<std::string> seen;
    std::size_t start = 0;
    while (start <= list.size()) {
      const auto end = std::min(list.find(':', start), list.size());
      const std::string entry = list.substr(start, end - start);
      if (!entry.empty() && seen.insert(entry).second) files.emplace_back(entry);
      start = end + 1;
    }
    return files;
  }
  const std::string home = env(options, "HOME");
  if (!home.empty()) files.push_back(fs::path(home) / ".kube" / "config");
  return files;
}

std::string where_looked(const LoadOptions& options, const std::vector<fs::path>& candidates) {
  if (candidates.empty()) return "nowhere: $KUBECONFIG and $HOME are unset";
  std::string out = env(options, "KUBECONFIG").empty() ? "" : "$KUBECONFIG: ";
  for (std::size_t i = 0; i < candidates.size() && i < 8; ++i) out += (i != 0 ? ", " : "") + shown(candidates[i]);
  if (candidates.size() > 8) out += ", and " + std::to_string(candidates.size() - 8) + " more";
  return out;
}

std::string read_or_throw(const fs::path& path, std::string_view what, std::string_view origin) {
  std::string error;
  auto contents = read_small_file(path, error);
  if (!contents)
    throw ConfigError("cannot read " + std::string(what) + " " + shown(path) + " of " + std::string(origin) + ": " +
                      error);
  return *std::move(contents);
}

std::string decode_or_throw(const std::string& base64, std::string_view field, std::string_view origin) {
  auto decoded = base64_decode(base64);
  if (!decoded) throw ConfigError(std::string(field) + " of " + std::string(origin) + " is not valid base64");
  return *std::move(decoded);
}

/// A PEM block of `kind` ("CERTIFICATE", "PRIVATE KEY") must be there: a common mistake is data
/// base64-encoded twice, or a path given as -data.
void expect_pem(const std::string& pem, std::string_view marker, std::string_view field, std::string_view origin) {
  if (pem.find("-----BEGIN ") == std::string::npos || pem.find(marker) == std::string::npos) {
    throw ConfigError(std::string(field) + " of " + std::string(origin) + " is not PEM (expected a -----BEGIN " +
                      std::string(marker) + "----- block)");
  }
}

bool dns1123_label(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (const char ch : name) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
  }
  return name.front() != '-' && name.back() != '-';
}

/// A token goes into an HTTP header: a control character (a line break above all) would end it.
void check_token(const std::string& token, const std::string& what) {
  for (const char ch : token) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte == 0x7f) throw ConfigError(what + " has a control character (a line break?) in it");
  }
}

/// "https://host:port" with IPv6 literals in brackets, as Go's net.JoinHostPort.
std::string join_host_port(const std::string& host, const std::string& port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

Credentials in_cluster(const LoadOptions& options, const std::string& host, const std::string& port) {
  const fs::path dir(options.in_cluster_dir);
  const std::string origin = "the in-cluster service account (" + shown(dir) + ")";
  if (host.find_first_of("/ \t\r\n@") != std::string::npos || port.empty() ||
      port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) {
    throw ConfigError(
        "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT do not form a host and port (in-cluster: " + origin + ")");
  }
  Credentials credentials;
  credentials.server = "https://" + join_host_port(host, port);
  credentials.token = std::string(trim(read_or_throw(dir / "token", "token file", origin)));
  if (credentials.token.empty())
    throw ConfigError("the token file " + shown(dir / "token") + " of " + origin + " is empty");
  check_token(credentials.token, "the token file " + shown(dir / "token") + " of " + origin);
  std::string error;
  // client-go logs an unreadable ca.crt and goes on with the system roots; so do we.
  if (auto ca = read_small_file(dir / "ca.crt", error)) credentials.ca_pem = *std::move(ca);
  std::string ns = env(options, "POD_NAMESPACE");
  if (ns.empty()) {
    if (auto text = read_small_file(dir / "namespace", error)) ns = std::string(trim(*text));
  }
  credentials.namespace_ = ns.empty() ? "default" : ns;
  credentials.source = origin;
  credentials.login_hint = "the pod's service-account token (" + shown(dir / "token") +
                           ") was refused: check the pod's service account and its RBAC (`kubectl auth can-i "
                           "--as=system:serviceaccount:NAMESPACE:NAME ...`)";
  return credentials;
}

/// The merged view: for each name the first file that defines it.
template <class Entry>
struct Found {
  const Named<Entry>* named = nullptr;
  const KubeconfigFile* file = nullptr;
};

template <class Entry>
void merge(std::map<std::string, Found<Entry>>& into, const KubeconfigFile& file,
           const std::vector<Named<Entry>>& entries) {
  for (const auto& named : entries) into.emplace(named.name, Found<Entry>{&named, &file});
}

std::string defined_at(const KubeconfigFile& file, std::size_t line) {
  return shown(file.path) + ":" + std::to_string(line);
}

void apply_cluster(Credentials& credentials, const std::string& name, const Found<ClusterEntry>& found) {
  const ClusterEntry& cluster = found.named->entry;
  const std::string origin = "cluster " + quoted(name) + " (" + defined_at(*found.file, found.named->line) + ")";
  std::string server(trim(cluster.server));
  if (server.empty()) throw ConfigError(origin + " has no server");
  if (server.find("://") == std::string::npos) server = "https://" + server;  // client-go's default scheme
  if (server.rfind("https://", 0) != 0 && server.rfind("http://", 0) != 0) {
    throw ConfigError(origin + " has a server that is neither https:// nor http://");
  }
  for (const char ch : server) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte <= 0x20 || byte == 0x7f)
      throw ConfigError(origin + " has a server with whitespace or a control character in it");
  }
  while (server.size() > 8 && server.back() == '/') server.pop_back();
  if (!cluster.proxy_url.empty()) {
    throw ConfigError(origin +
                      " sets proxy-url, which torchx does not support: reach the API server directly (or unset it)");
  }
  credentials.server = server;
  if (cluster.certificate_authority_data) {  // -data wins over the path, as in client-go
    credentials.ca_pem = decode_or_throw(*cluster.certificate_authority_data, "certificate-authority-data", origin);
    expect_pem(credentials.ca_pem, "CERTIFICATE", "certificate-authority-data", origin);
  } else if (!cluster.certificate_authority.empty()) {
    credentials.ca_pem = read_or_throw(cluster.certificate_authority, "certificate-authority", origin);
    expect_pem(credentials.ca_pem, "CERTIFICATE", "certificate-authority " + shown(cluster.certificate_authority),
               origin);
  }
  if (cluster.insecure_skip_tls_verify && !credentials.ca_pem.empty()) {
    throw ConfigError(origin +
                      " sets both a certificate authority and insecure-skip-tls-verify (kubectl refuses this too): "
                      "remove one");
  }
  credentials.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  credentials.tls_server_name = cluster.tls_server_name;
}

void apply_user(Credentials& credentials, const std::string& name, const Found<UserEntry>& found,
                const Found<ClusterEntry>& cluster, const LoadOptions& options) {
  const UserEntry& user = found.named->entry;
  const std::string origin = "user " + quoted(name) + " (" + defined_at(*found.file, found.named->line) + ")";
  if (user.has_basic_auth) {
    throw ConfigError(origin +
                      " uses basic auth (username/password), which Kubernetes removed in 1.19 and torchx does not "
                      "send: use a token, a client certificate or an exec plugin");
  }
  if (user.impersonates) {
    throw ConfigError(origin +
                      " impersonates (as, as-uid, as-groups or as-user-extra), which torchx does not do: its "
                      "requests would run as the user itself, so it refuses; use a user without them");
  }
  if (user.auth_provider) {
    const std::string& provider = *user.auth_provider;
    std::string hint = "use an exec credential plugin instead";
    if (provider == "gcp")
      hint += " (gke-gcloud-auth-plugin; `gcloud container clusters get-credentials CLUSTER` writes it)";
    if (provider == "azure") hint += " (kubelogin; `az aks get-credentials` then `kubelogin convert-kubeconfig`)";
    if (provider == "oidc") hint += " (e.g. kubelogin's `kubectl oidc-login`)";
    throw ConfigError(origin + " uses auth-provider " + quoted(provider) +
                      ", which torchx does not run (kubectl removed the gcp and azure providers in 1.26): " + hint);
  }

  // tokenFile, when readable, wins over token (client-go: "the last successfully read value takes
  // precedence"); an unreadable one is an error only without a token.
  if (!user.token_file.empty()) {
    std::string error;
    if (auto text = read_small_file(user.token_file, error)) {
      credentials.token = std::string(trim(*text));
      if (credentials.token.empty())
        throw ConfigError("tokenFile " + shown(user.token_file) + " of " + origin + " is empty");
      credentials.login_hint =
          "the token in " + shown(user.token_file) + " (" + origin + ") was refused or expired: renew it";
    } else if (user.token.empty()) {
      throw ConfigError("cannot read tokenFile " + shown(user.token_file) + " of " + origin + ": " + error);
    }
  }
  if (credentials.token.empty() && !user.token.empty()) {
    credentials.token = std::string(trim(user.token));
    credentials.login_hint = "the token of " + origin + " was refused or expired: " + std::string(k_get_one);
  }
  check_token(credentials.token, "the token of " + origin);

  const bool has_cert = user.client_certificate_data || !user.client_certificate.empty();
  const bool has_key = user.client_key_data || !user.client_key.empty();
  if (has_cert != has_key) {
    throw ConfigError(origin + " has a client " +
                      (has_cert ? "certificate without a client-key" : "key without a client-certificate") +
                      ": give both (or -data of both)");
  }
  if (has_cert) {
    if (user.client_certificate_data) {
      credentials.client_cert_pem = decode_or_throw(*user.client_certificate_data, "client-certificate-data", origin);
      expect_pem(credentials.client_cert_pem, "CERTIFICATE", "client-certificate-data", origin);
    } else {
      credentials.client_cert_pem = read_or_throw(user.client_certificate, "client-certificate", origin);
      expect_pem(credentials.client_cert_pem, "CERTIFICATE", "client-certificate " + shown(user.client_certificate),
                 origin);
    }
    if (user.client_key_data) {
      credentials.client_key_pem = decode_or_throw(*user.client_key_data, "client-key-data", origin);
      expect_pem(credentials.client_key_pem, "PRIVATE KEY", "client-key-data", origin);
    } else {
      credentials.client_key_pem = read_or_throw(user.client_key, "client-key", origin);
      expect_pem(credentials.client_key_pem, "PRIVATE KEY", "client-key " + shown(user.client_key), origin);
    }
    if (credentials.login_hint.empty()) {
      credentials.login_hint = "the client certificate of " + origin +
                               " was refused (expired, or not trusted by the cluster): " + std::string(k_get_one);
    }
  }

  // client-go runs the exec plugin only when the user has no token, basic auth or certificate.
  if (user.exec && credentials.token.empty() && !has_cert) {
    ExecRequest request;
    request.exec = &*user.exec;
    request.user = name;
    request.origin = origin;
    request.server = credentials.server;
    request.ca_pem = credentials.ca_pem;
    request.tls_server_name = credentials.tls_server_name;
    request.insecure_skip_tls_verify = credentials.insecure_skip_tls_verify;
    request.disable_compression = cluster.named->entry.disable_compression;
    request.extension_json = cluster.named->entry.exec_extension_json;
    request.timeout = options.exec_timeout;
    ExecCredential answer = run_exec_plugin(request);
    credentials.token = std::move(answer.token);
    credentials.client_cert_pem = std::move(answer.client_cert_pem);
    credentials.client_key_pem = std::move(answer.client_key_pem);
    credentials.expiry = answer.expiry;
    check_token(credentials.token,
                "the token from the exec plugin `" + printable(user.exec->command) + "` of " + origin);
    credentials.login_hint = "the credential from the exec plugin `" + printable(user.exec->command) + "` of " +
                             origin + " was refused: " + exec_login_hint(*user.exec);
  }
  if (credentials.login_hint.empty()) {
    credentials.login_hint =
        origin + " has no credentials (token, client certificate or exec plugin): " + std::string(k_get_one);
  }
}

}  // namespace

Credentials load_credentials(const LoadOptions& options) {
  const std::vector<fs::path> candidates = candidate_files(options);
  std::vector<KubeconfigFile> files;
  for (const auto& path : candidates) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
      throw ConfigError("cannot read kubeconfig " + shown(path) + ": " + ec.message());
    }
    if (!fs::exists(status)) continue;  // kubectl skips files that do not exist
    std::string error;
    const auto contents = read_small_file(path, error);
    if (!contents) throw ConfigError("cannot read kubeconfig " + shown(path) + ": " + error);
    files.push_back(parse_kubeconfig(path, *contents));
  }

  bool empty = true;
  for (const auto& file : files) empty = empty && file.empty();
  if (empty) {
    const std::string host = env(options, "KUBERNETES_SERVICE_HOST");
    const std::string port = env(options, "KUBERNETES_SERVICE_PORT");
    const fs::path token = fs::path(options.in_cluster_dir) / "token";
    std::error_code ec;
    const bool in_pod = !host.empty() && !port.empty() && fs::is_regular_file(token, ec);
    if (in_pod && options.context.empty()) return in_cluster(options, host, port);
    if (!options.context.empty()) {
      throw ConfigError("context " + quoted(options.context) + " was asked for but there is no kubeconfig (looked at " +
                        where_looked(options, candidates) + "): " + std::string(k_get_one));
    }
    std::string message = "no kubeconfig found (looked at " + where_looked(options, candidates) + ")";
    if (!host.empty() && !port.empty()) {
      message += ", and KUBERNETES_SERVICE_HOST is set but there is no service-account token at " + shown(token);
    } else {
      message += " and not inside a pod (KUBERNETES_SERVICE_HOST/PORT unset)";
    }
    throw ConfigError(message + ": " + std::string(k_get_one));
  }

  std::map<std::string, Found<ClusterEntry>> clusters;
  std::map<std::string, Found<UserEntry>> users;
  std::map<std::string, Found<ContextEntry>> contexts;
  std::string current_context;
  const KubeconfigFile* current_from = nullptr;
  std::string read_list;
  for (const auto& file : files) {
    merge(clusters, file, file.clusters);
    merge(users, file, file.users);
    merge(contexts, file, file.contexts);
    if (current_context.empty() && !file.current_context.empty()) {
      current_context = file.current_context;
      current_from = &file;
    }
    read_list += (read_list.empty() ? "" : ", ") + shown(file.path);
  }

  const std::string& name = options.context.empty() ? current_context : options.context;
  if (name.empty()) {
    throw ConfigError("kubeconfig " + read_list +
                      " sets no current-context: pick one with `kubectl config use-context NAME` or "
                      "the `context` run option (contexts: " +
                      names_of(contexts, "none") + ")");
  }
  const auto context = contexts.find(name);
  if (context == contexts.end()) {
    const std::string how = options.context.empty() ? "the current-context of " + shown(current_from->path)
                                                    : std::string("the `context` run option");
    throw ConfigError("context " + quoted(name) + " (" + how + ") is not in kubeconfig " + read_list +
                      "; known contexts: " + names_of(contexts, "none"));
  }
  const ContextEntry& entry = context->second.named->entry;
  const std::string context_origin =
      "context " + quoted(name) + " (" + defined_at(*context->second.file, context->second.named->line) + ")";

  // Every problem of the context at once, as client-go's ConfirmUsable reports them.
  std::vector<std::string> problems;
  const auto cluster = clusters.find(entry.cluster);
  if (entry.cluster.empty()) {
    problems.push_back("it names no cluster");
  } else if (cluster == clusters.end()) {
    problems.push_back("its cluster " + quoted(entry.cluster) +
                       " is in no kubeconfig (known clusters: " + names_of(clusters, "none") + ")");
  }
  const auto user = users.find(entry.user);
  if (entry.user.empty()) {
    problems.push_back("it names no user");
  } else if (user == users.end()) {
    problems.push_back("its user " + quoted(entry.user) +
                       " is in no kubeconfig (known users: " + names_of(users, "none") + ")");
  }
  if (!entry.namespace_.empty() && !dns1123_label(entry.namespace_)) {
    problems.push_back("its namespace " + quoted(entry.namespace_) + " is not a DNS-1123 label");
  }
  if (!problems.empty()) {
    std::string message = context_origin + " cannot be used: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i != 0 ? "; " : "") + problems[i];
    throw ConfigError(message);
  }

  Credentials credentials;
  credentials.context = name;
  credentials.namespace_ = entry.namespace_.empty() ? "default" : entry.namespace_;
  credentials.source = "context " + quoted(name) + " of " + shown(context->second.file->path);
  apply_cluster(credentials, entry.cluster, cluster->second);
  if (options.resolve_user) apply_user(credentials, entry.user, user->second, cluster->second, options);
  return credentials;
}

}  // namespace torchx::k8s
