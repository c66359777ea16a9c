// SPDX-License-Identifier: BSD-3-Clause
#include "trackers.hpp"

#include "errors.hpp"

#include <torchx/util/suggest.hpp>

#include <cctype>
#include <cstdlib>

namespace torchx::runner {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

/// The config of `name` and where it came from, or {"", ""}.
std::pair<std::string, std::string> config_of(const std::string& name, const Config& config, const GetEnv& getenv) {
  const std::string var = tracker_config_env_var_name(name);
  if (auto v = getenv(var)) return {*v, var};
  if (auto v = config.get("tracker:" + name, "config"); v && !trim(v->value).empty()) {
    return {trim(v->value), v->file.string()};
  }
  if (auto v = config.get("torchx:tracker", name); v && !trim(v->value).empty()) return {trim(v->value), v->file.string()};
  return {"", ""};
}

}  // namespace

GetEnv process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return (v == nullptr || *v == '\0') ? std::nullopt : std::optional<std::string>(v);
  };
}

std::string tracker_config_env_var_name(const std::string& name) {
  std::string upper = name;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "TORCHX_TRACKER_" + upper + "_CONFIG";
}

std::vector<TrackerSetting> tracker_settings(const Config& config, const GetEnv& getenv) {
  std::vector<TrackerSetting> out;
  if (auto names = getenv("TORCHX_TRACKERS")) {
    std::string current;
    for (char c : *names + ",") {
      if (c != ',') {
        current += c;
        continue;
      }
      const std::string name = trim(current);
      current.clear();
      if (name.empty()) continue;
      auto [cfg, origin] = config_of(name, config, getenv);
      out.push_back({name, cfg, "TORCHX_TRACKERS"});
    }
    return out;
  }
  for (const auto& name : config.keys("torchx:tracker")) {
    auto [cfg, origin] = config_of(name, config, getenv);
    out.push_back({name, cfg, config.get("torchx:tracker", name)->file.string()});
  }
  return out;
}

TrackerSetting tracker_setting(const std::string& name, const Config& config, const GetEnv& getenv) {
  auto [cfg, origin] = config_of(name, config, getenv);
  return {name, cfg, "--tracker"};
}

std::vector<std::pair<std::string, std::string>> tracker_env(const std::vector<TrackerSetting>& trackers) {
  std::vector<std::pair<std::string, std::string>> env;
  if (trackers.empty()) return env;
  std::string names;
  for (const auto& t : trackers) names += (names.empty() ? "" : ",") + t.name;
  env.emplace_back("TORCHX_TRACKERS", names);
  for (const auto& t : trackers) {
    if (!t.config.empty()) env.emplace_back(tracker_config_env_var_name(t.name), t.config);
  }
  return env;
}

std::unique_ptr<loader::TrackerProxy> open_tracker(const loader::Registry& registry, const TrackerSetting& setting) {
  const loader::PluginEntry* entry = registry.provider(loader::Kind::tracker, setting.name);
  if (entry == nullptr) {
    const auto names = registry.names(loader::Kind::tracker);
    std::string available;
    for (const auto& n : names) available += (available.empty() ? "" : ", ") + n;
    throw UnknownTrackerError("unknown tracker '" + setting.name + "'" + util::did_you_mean(setting.name, names) +
                              (setting.origin.empty() ? "" : " (from " + setting.origin + ")") +
                              (names.empty() ? " (no tracker plugins found; see: torchx plugins)"
                                             : " (available: " + available + ")"));
  }
  auto library = registry.load(*entry);
  return std::make_unique<loader::TrackerProxy>(library, library->tracker(setting.name), setting.config);
}

}  // namespace torchx::runner
