// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/containers/registry_auth.hpp>

#include <boost/json.hpp>

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace json = boost::json;

namespace torchx::containers {

std::string base64url_encode(std::string_view data) {
  static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, data.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<unsigned char>(data[i + k]) : 0U);
    out.push_back(k_alphabet[(v >> 18) & 63]);
    out.push_back(k_alphabet[(v >> 12) & 63]);
    out.push_back(n > 1 ? k_alphabet[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? k_alphabet[v & 63] : '=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

namespace {

/// A key of `auths` as the registry (and optional namespace) it serves: the scheme, a trailing
/// "/", "/v1" or "/v2" dropped; a key with a scheme names a host only (Docker's ConvertToHostname).
std::string normalized_key(std::string_view key) {
  bool had_scheme = false;
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key.remove_prefix(scheme.size());
      had_scheme = true;
    }
  }
  if (had_scheme) key = key.substr(0, key.find('/'));
  while (key.ends_with('/')) key.remove_suffix(1);
  for (const std::string_view suffix : {"/v1", "/v2"}) {
    if (key.ends_with(suffix)) key.remove_suffix(suffix.size());
  }
  std::string out(key);
  if (out == "index.docker.io" || out == "registry-1.docker.io") out = "docker.io";
  return out;
}

std::string string_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}

}  // namespace

std::optional<std::string> registry_auth_from_config(std::string_view config_text, const ImageRepository& repository) {
  const std::string registry = repository.registry();
  boost::system::error_code ec;
  const json::value v = json::parse(config_text, ec);
  if (ec || !v.is_object()) throw std::invalid_argument("it is not a JSON object");
  const auto* auths = v.get_object().if_contains("auths");
  if (auths == nullptr) return std::nullopt;
  if (!auths->is_object()) throw std::invalid_argument("its 'auths' is not an object");
  // The longest key that names this registry, or the registry and a namespace the repository is in.
  const std::string full = registry + "/" + repository.path;
  const json::object* entry = nullptr;
  std::size_t best = 0;
  for (const auto& [key, value] : auths->get_object()) {
    const std::string k = normalized_key(key);
    if (k.empty()) continue;
    const bool matches = k == registry || k == full || (full.starts_with(k + "/") && k.size() > registry.size());
    if (!matches || k.size() <= best) continue;
    if (!value.is_object()) throw std::invalid_argument("its entry for '" + registry + "' is not an object");
    entry = &value.get_object();
    best = k.size();
  }
  if (entry == nullptr) return std::nullopt;
  json::object config;
  if (auto token = string_field(*entry, "identitytoken"); !token.empty()) {
    config["identitytoken"] = token;
  } else if (auto auth = string_field(*entry, "auth"); !auth.empty()) {
    const auto decoded = base64_decode(auth);
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      throw std::invalid_argument("its entry for '" + registry + "' has an 'auth' that is not base64 of user:password");
    }
    config["username"] = decoded->substr(0, colon);
    config["password"] = decoded->substr(colon + 1);
  } else if (auto user = string_field(*entry, "username"); !user.empty()) {
    config["username"] = user;
    config["password"] = string_field(*entry, "password");
  } else {
    return std::nullopt;  // e.g. {} written by a credential helper's login: the helper holds the secret
  }
  config["serveraddress"] = registry;
  return base64url_encode(json::serialize(config));
}

std::vector<std::filesystem::path> auth_files(const std::function<const char*(const char*)>& getenv) {
  std::vector<std::filesystem::path> out;
  auto var = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v != nullptr ? std::string(v) : std::string{};
  };
  if (auto f = var("REGISTRY_AUTH_FILE"); !f.empty()) out.emplace_back(f);
  if (auto run = var("XDG_RUNTIME_DIR"); !run.empty())
    out.emplace_back(std::filesystem::path(run) / "containers/auth.json");
  const std::string home = var("HOME");
  if (auto config = var("XDG_CONFIG_HOME"); !config.empty()) {
    out.emplace_back(std::filesystem::path(config) / "containers/auth.json");
  } else if (!home.empty()) {
    out.emplace_back(std::filesystem::path(home) / ".config/containers/auth.json");
  }
  if (auto docker = var("DOCKER_CONFIG"); !docker.empty()) {
    out.emplace_back(std::filesystem::path(docker) / "config.json");
  } else if (!home.empty()) {
    out.emplace_back(std::filesystem::path(home) / ".docker/config.json");
  }
  return out;
}

std::optional<RegistryAuth> find_registry_auth(const ImageRepository& repository,
                                               const std::function<const char*(const char*)>& getenv,
                                               std::vector<std::string>* warnings) {
  constexpr std::uintmax_t k_max_file = 16U << 20;  // an auth file is a few KiB; refuse to slurp a huge one
  for (const auto& file : auth_files(getenv)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    const auto size = std::filesystem::file_size(file, ec);
    std::string why;
    if (ec) {
      why = ec.message();
    } else if (size > k_max_file) {
      why = "larger than 16 MiB";
    } else {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (!in) {
        why = "cannot be read";
      } else {
        try {
          if (auto header = registry_auth_from_config(text.str(), repository))
            return RegistryAuth{*header, file.string()};
          continue;
        } catch (const std::invalid_argument& e) {
          why = e.what();
        }
      }
    }
    if (warnings != nullptr) warnings->push_back("skipped the registry auth file '" + file.string() + "': " + why);
  }
  return std::nullopt;
}

}  // namespace torchx::containers
