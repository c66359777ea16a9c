// SPDX-License-Identifier: BSD-3-Clause
#include "kube_config_file.hpp"

#include "kube_config.hpp"
#include "kube_text.hpp"

#include "kube_yaml.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <set>

namespace torchx::k8s {
namespace {

namespace json = boost::json;
using yaml::Node;

/// Nesting of an exec extension (spec.cluster.config) that we convert to JSON.
constexpr int k_max_extension_depth = 64;

/// Where a node is, for messages: "FILE:LINE".
class Where {
public:
  explicit Where(const std::filesystem::path& path) : m_path(printable(path.string(), 400)) {}
  [[nodiscard]] std::string at(const Node& node) const {
    if (node.line == 0) return m_path;
    return m_path + ":" + std::to_string(node.line);
  }
  [[noreturn]] void fail(const Node& node, const std::string& what) const {
    throw ConfigError("kubeconfig " + at(node) + ": " + what);
  }

private:
  std::string m_path;
};

const Node k_null{};

/// The value of `key` in the mapping `map`, or a null node.
const Node& find(const Node& map, std::string_view key) {
  const Node* found = map.find(key);
  return found != nullptr ? *found : k_null;
}

bool absent(const Node& node) { return node.is_null(); }

/// A mapping (or absent: an empty one); anything else is an error naming `field`.
const Node& mapping(const Where& where, const Node& node, const std::string& field) {
  static const Node k_empty_map = [] {
    Node empty;
    empty.kind = Node::Kind::mapping;
    return empty;
  }();
  if (absent(node)) return k_empty_map;
  if (node.kind != Node::Kind::mapping) where.fail(node, field + " must be a mapping");
  return node;
}

const std::vector<Node>& sequence(const Where& where, const Node& node, const std::string& field) {
  static const std::vector<Node> k_none;
  if (absent(node)) return k_none;
  if (node.kind != Node::Kind::sequence) where.fail(node, field + " must be a list");
  return node.items;
}

std::string text(const Where& where, const Node& map, std::string_view key, const std::string& field) {
  const Node& node = find(map, key);
  if (absent(node)) return {};
  if (node.kind != Node::Kind::scalar) where.fail(node, field + "." + std::string(key) + " must be a string");
  return node.value;
}

std::optional<std::string> optional_text(const Where& where, const Node& map, std::string_view key,
                                         const std::string& field) {
  if (absent(find(map, key))) return std::nullopt;
  return text(where, map, key, field);
}

/// YAML 1.1 booleans, as Kubernetes' YAML reader (go-yaml v2) resolves plain scalars: `n` and
/// `on` too (kubectl turns an exec extension's key `n` into "false"; the kubectl test shows it).
std::optional<bool> yaml11_bool(const Node& node) {
  static const std::set<std::string, std::less<>> k_true{"true", "True", "TRUE", "yes", "Yes", "YES",
                                                         "on",   "On",   "ON",   "y",   "Y"};
  static const std::set<std::string, std::less<>> k_false{"false", "False", "FALSE", "no", "No", "NO",
                                                          "off",   "Off",   "OFF",   "n",  "N"};
  if (node.kind != Node::Kind::scalar || !node.plain) return std::nullopt;
  if (k_true.count(node.value) != 0) return true;
  if (k_false.count(node.value) != 0) return false;
  return std::nullopt;
}

bool flag(const Where& where, const Node& map, std::string_view key, const std::string& field) {
  const Node& node = find(map, key);
  if (absent(node)) return false;
  // Quoted "true" is taken too (kubectl would refuse a string there; a bool is clearly meant).
  Node plain = node;
  plain.plain = true;
  const auto value = yaml11_bool(plain);
  if (!value) where.fail(node, field + "." + std::string(key) + " must be true or false");
  return *value;
}

std::filesystem::path resolve(const std::filesystem::path& dir, const std::string& path) {
  if (path.empty()) return {};
  const std::filesystem::path p(path);
  return (p.is_absolute() ? p : dir / p).lexically_normal();  // as Go's filepath.Join cleans
}

/// A YAML scalar as JSON: quoted scalars stay strings; plain ones become null, booleans or
/// numbers where they read as such (as Kubernetes' YAML-to-JSON conversion does).
json::value scalar_to_json(const Node& node) {
  const std::string& value = node.value;
  if (!node.plain) return json::string(value);
  if (node.is_null()) return nullptr;
  if (const auto boolean = yaml11_bool(node)) return *boolean;
  errno = 0;
  char* end = nullptr;
  const long long integer = std::strtoll(value.c_str(), &end, 10);
  if (errno == 0 && end == value.c_str() + value.size()) return integer;
  errno = 0;
  const double real = std::strtod(value.c_str(), &end);
  if (errno == 0 && end == value.c_str() + value.size() && value.find_first_of("0123456789") != std::string::npos) {
    return real;
  }
  return json::string(value);
}

json::value to_json(const Where& where, const Node& node, int depth) {
  if (depth > k_max_extension_depth) where.fail(node, "the exec extension is nested too deeply");
  if (absent(node)) return nullptr;
  if (node.kind == Node::Kind::scalar) return scalar_to_json(node);
  if (node.kind == Node::Kind::sequence) {
    json::array out;
    for (const auto& item : node.items) out.push_back(to_json(where, item, depth + 1));
    return out;
  }
  json::object out;
  for (const auto& [key, value] : node.entries) {
    if (key.kind != Node::Kind::scalar) where.fail(key, "the exec extension has a key that is not a string");
    // A key that YAML reads as null or a boolean becomes its JSON spelling, as in kubectl.
    const json::value typed = scalar_to_json(key);
    const std::string name = typed.is_bool()   ? (typed.get_bool() ? "true" : "false")
                             : typed.is_null() ? "null"
                                               : key.value;
    out[name] = to_json(where, value, depth + 1);
  }
  return out;
}

ClusterEntry parse_cluster(const Where& where, const std::filesystem::path& dir, const Node& node,
                           const std::string& field) {
  ClusterEntry cluster;
  cluster.server = text(where, node, "server", field);
  cluster.certificate_authority = resolve(dir, text(where, node, "certificate-authority", field));
  cluster.certificate_authority_data = optional_text(where, node, "certificate-authority-data", field);
  cluster.insecure_skip_tls_verify = flag(where, node, "insecure-skip-tls-verify", field);
  cluster.tls_server_name = text(where, node, "tls-server-name", field);
  cluster.proxy_url = text(where, node, "proxy-url", field);
  cluster.disable_compression = flag(where, node, "disable-compression", field);
  for (const auto& extension : sequence(where, find(node, "extensions"), field + ".extensions")) {
    const Node& item = mapping(where, extension, field + ".extensions[]");
    if (text(where, item, "name", field + ".extensions[]") == "client.authentication.k8s.io/exec") {
      cluster.exec_extension_json = json::serialize(to_json(where, find(item, "extension"), 0));
    }
  }
  return cluster;
}

ExecEntry parse_exec(const Where& where, const std::filesystem::path& dir, const Node& node, const std::string& field) {
  ExecEntry exec;
  exec.api_version = text(where, node, "apiVersion", field);
  exec.command = text(where, node, "command", field);
  if (exec.command.find('/') != std::string::npos) exec.command = resolve(dir, exec.command).string();
  for (const auto& arg : sequence(where, find(node, "args"), field + ".args")) {
    if (arg.kind != Node::Kind::scalar) where.fail(arg, field + ".args must be a list of strings");
    exec.args.push_back(arg.value);
  }
  for (const auto& item : sequence(where, find(node, "env"), field + ".env")) {
    const Node& variable = mapping(where, item, field + ".env[]");
    std::string name = text(where, variable, "name", field + ".env[]");
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
      where.fail(item, field + ".env[] needs a name without '='");
    }
    exec.env.emplace_back(std::move(name), text(where, variable, "value", field + ".env[]"));
  }
  exec.install_hint = text(where, node, "installHint", field);
  exec.provide_cluster_info = flag(where, node, "provideClusterInfo", field);
  exec.interactive_mode = text(where, node, "interactiveMode", field);
  return exec;
}

UserEntry parse_user(const Where& where, const std::filesystem::path& dir, const Node& node, const std::string& field) {
  UserEntry user;
  user.token = text(where, node, "token", field);
  user.token_file = resolve(dir, text(where, node, "tokenFile", field));
  user.client_certificate = resolve(dir, text(where, node, "client-certificate", field));
  user.client_certificate_data = optional_text(where, node, "client-certificate-data", field);
  user.client_key = resolve(dir, text(where, node, "client-key", field));
  user.client_key_data = optional_text(where, node, "client-key-data", field);
  user.has_basic_auth = !text(where, node, "username", field).empty() || !text(where, node, "password", field).empty();
  for (const std::string_view key : {"as", "as-uid", "as-groups", "as-user-extra"}) {
    user.impersonates = user.impersonates || !absent(find(node, key));
  }
  const Node& provider = find(node, "auth-provider");
  if (!absent(provider)) {
    user.auth_provider =
        text(where, mapping(where, provider, field + ".auth-provider"), "name", field + ".auth-provider");
  }
  const Node& exec = find(node, "exec");
  if (!absent(exec)) user.exec = parse_exec(where, dir, mapping(where, exec, field + ".exec"), field + ".exec");
  return user;
}

/// users, clusters or contexts: each item {name, <inner>: {...}}; names unique within the file
/// (client-go refuses a duplicated name in one file).
template <class Entry, class Parse>
std::vector<Named<Entry>> parse_list(const Where& where, const Node& root, std::string_view list,
                                     std::string_view inner, Parse parse) {
  std::vector<Named<Entry>> out;
  std::set<std::string> seen;
  const std::string field(list);
  std::size_t index = 0;
  for (const auto& item : sequence(where, find(root, list), field)) {
    const std::string at = field + "[" + std::to_string(index++) + "]";
    const Node& entry = mapping(where, item, at);
    std::string name = text(where, entry, "name", at);
    if (name.empty()) where.fail(item, at + " has no name");
    const std::string named = std::string(inner) + " '" + printable(name) + "'";
    if (!seen.insert(name).second) where.fail(item, "the name '" + printable(name) + "' appears twice in " + field);
    const Node& body = mapping(where, find(entry, inner), named + "." + std::string(inner));
    out.push_back({std::move(name), item.line, parse(body, named)});
  }
  return out;
}

}  // namespace

KubeconfigFile parse_kubeconfig(const std::filesystem::path& path, const std::string& contents) {
  const Where where(path);
  KubeconfigFile file;
  file.path = path;
  Node root;
  try {
    root = yaml::parse(contents);
  } catch (const yaml::ParseError& error) {
    // libyaml's problem texts are fixed strings, never a piece of the input.
    throw ConfigError("kubeconfig " + printable(path.string(), 400) + ":" + std::to_string(error.line) +
                      ": malformed YAML (" + printable(error.what(), 160) + ")");
  }
  if (absent(root)) return file;
  if (root.kind != Node::Kind::mapping)
    where.fail(root, "not a kubeconfig (expected a mapping with clusters, users and contexts)");
  const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  {
    file.current_context = text(where, root, "current-context", "kubeconfig");
    file.clusters = parse_list<ClusterEntry>(
        where, root, "clusters", "cluster",
        [&](const Node& node, const std::string& f) { return parse_cluster(where, dir, node, f); });
    file.users = parse_list<UserEntry>(where, root, "users", "user", [&](const Node& node, const std::string& f) {
      return parse_user(where, dir, node, f);
    });
    file.contexts =
        parse_list<ContextEntry>(where, root, "contexts", "context", [&](const Node& node, const std::string& f) {
          ContextEntry context;
          context.cluster = text(where, node, "cluster", f);
          context.user = text(where, node, "user", f);
          context.namespace_ = text(where, node, "namespace", f);
          return context;
        });
  }
  return file;
}

}  // namespace torchx::k8s
