// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/mounts.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>

namespace torchx::specs {
namespace {

// TorchX's MOUNT_OPTIONS: accepted spelling → canonical key.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> k_aliases = {{
    {"type", "type"},
    {"destination", "dst"},
    {"dst", "dst"},
    {"target", "dst"},
    {"read_only", "readonly"},
    {"readonly", "readonly"},
    {"source", "src"},
    {"src", "src"},
    {"perm", "perm"},
}};

std::string known_keys() {
  std::string out;
  for (const auto& [alias, key] : k_aliases) out += (out.empty() ? "" : ", ") + std::string(alias);
  return out;
}

std::string expand_user(const std::string& path) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  const char* home = std::getenv("HOME");
  return home == nullptr ? path : std::string(home) + path.substr(1);
}

bool parse_readonly(const std::optional<std::string>& value) {
  if (!value || value->empty() || *value == "true" || *value == "True" || *value == "1" || *value == "yes") {
    return true;
  }
  if (*value == "false" || *value == "False" || *value == "0" || *value == "no") return false;
  throw MountParseError("invalid mount option 'readonly=" + *value + "': expected true or false");
}

using Options = std::map<std::string, std::optional<std::string>, std::less<>>;

const std::string& require(const Options& opts, std::string_view type, std::string_view key) {
  auto it = opts.find(key);
  if (it == opts.end() || !it->second || it->second->empty()) {
    throw MountParseError(std::string(type) + " mount is missing '" + std::string(key) + "=...'");
  }
  return *it->second;
}

Mount make_mount(const Options& opts) {
  const std::string type = opts.at("type").value_or("");
  auto value = [&](std::string_view key) -> std::optional<std::string> {
    auto it = opts.find(key);
    return it == opts.end() ? std::nullopt : std::optional<std::string>(it->second.value_or(""));
  };
  if (type == "bind") {
    return BindMount{expand_user(require(opts, type, "src")), require(opts, type, "dst"),
                     opts.contains("readonly") && parse_readonly(opts.at("readonly"))};
  }
  if (type == "volume") {
    return VolumeMount{require(opts, type, "src"), require(opts, type, "dst"),
                       opts.contains("readonly") && parse_readonly(opts.at("readonly"))};
  }
  if (type == "device") {
    const std::string& src = require(opts, type, "src");
    std::string dst = value("dst").value_or("");
    std::string perm = value("perm").value_or("rwm");
    for (char c : perm) {
      if (c != 'r' && c != 'w' && c != 'm') {
        throw MountParseError("invalid device permissions '" + perm + "': each must be one of r, w, m");
      }
    }
    return DeviceMount{src, dst.empty() ? src : dst, perm};
  }
  throw MountParseError("invalid mount type '" + type + "': must be one of bind, volume, device");
}

}  // namespace

const char* mount_type_name(const Mount& mount) {
  switch (mount.index()) {
    case 0: return "bind";
    case 1: return "volume";
    default: return "device";
  }
}

std::vector<Mount> parse_mounts(const std::vector<std::string>& tokens) {
  std::vector<Options> groups;
  for (const auto& token : tokens) {
    if (token.empty()) continue;
    const auto eq = token.find('=');
    const std::string_view key = std::string_view(token).substr(0, eq);
    std::optional<std::string> value;
    if (eq != std::string::npos) value = token.substr(eq + 1);
    auto alias = std::find_if(k_aliases.begin(), k_aliases.end(), [&](const auto& a) { return a.first == key; });
    if (alias == k_aliases.end()) {
      throw MountParseError("unknown mount option '" + std::string(key) + "': must be one of " + known_keys());
    }
    if (alias->second == "type") {
      groups.emplace_back();
    } else if (groups.empty()) {
      throw MountParseError("mount option '" + token + "' comes before 'type=': type must be specified first");
    }
    groups.back()[std::string(alias->second)] = value;
  }
  std::vector<Mount> mounts;
  mounts.reserve(groups.size());
  for (const auto& group : groups) mounts.push_back(make_mount(group));
  return mounts;
}

}  // namespace torchx::specs
