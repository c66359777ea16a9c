// SPDX-License-Identifier: BSD-3-Clause
#include "trackers.hpp"

#include "errors.hpp"
#include "scheduler_proxy.hpp"

#include "util/text.hpp"

#include <torchx/util/suggest.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cstdlib>

namespace torchx::runner {
namespace {

using util::trim;

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
  std::vector<std::string> names;
  for (const auto& t : trackers) names.push_back(t.name);
  env.emplace_back("TORCHX_TRACKERS", fmt::format("{}", fmt::join(names, ",")));
  for (const auto& t : trackers) {
    if (!t.config.empty()) env.emplace_back(tracker_config_env_var_name(t.name), t.config);
  }
  return env;
}

std::vector<TrackerSetting> select_trackers(const loader::Registry& registry, const Config& config,
                                            const std::optional<std::string>& only,
                                            const std::function<void(const std::string&)>& warn, const GetEnv& getenv) {
  if (only) return {tracker_setting(*only, config, getenv)};
  const auto settings = tracker_settings(config, getenv);
  if (settings.empty()) {
    throw UnknownTrackerError(
        "no tracker configured: set [torchx:tracker] in .torchxconfig or TORCHX_TRACKERS, or pass --tracker NAME "
        "(see: torchx tracker --help)");
  }
  std::vector<TrackerSetting> usable;
  for (const auto& s : settings) {
    if (registry.provider(loader::Kind::tracker, s.name) != nullptr) usable.push_back(s);
  }
  if (usable.empty()) return {settings.front()};  // open_tracker reports it, with "did you mean"
  for (const auto& s : settings) {
    if (registry.provider(loader::Kind::tracker, s.name) == nullptr && warn) {
      warn("tracker '" + s.name + "' (from " + s.origin + "): no plugin provides it, skipped");
    }
  }
  return usable;
}

std::optional<AppRun> app_run_from_env(const GetEnv& getenv) {
  auto id = getenv("TORCHX_JOB_ID");
  if (!id) return std::nullopt;
  return AppRun{*id, getenv("TORCHX_PARENT_RUN_ID")};
}

std::optional<std::string> link_parent(loader::TrackerProxy& tracker, const AppRun& run) {
  if (!run.parent_run_id || run.parent_run_id->empty() || *run.parent_run_id == run.run_id) return std::nullopt;
  try {
    tracker.add_source(run.run_id, {*run.parent_run_id, std::nullopt});
  } catch (const loader::PluginCallError& e) {
    if (e.status() != TX_E_INVALID_ARGUMENT) throw;
    return std::string(e.what());
  }
  return std::nullopt;
}

std::unique_ptr<loader::TrackerProxy> open_tracker(const loader::Registry& registry, const TrackerSetting& setting) {
  const loader::PluginEntry* entry = registry.provider(loader::Kind::tracker, setting.name);
  if (entry == nullptr) {
    const auto names = registry.names(loader::Kind::tracker);
    throw UnknownTrackerError("unknown tracker '" + setting.name + "'" + util::did_you_mean(setting.name, names) +
                              (setting.origin.empty() ? "" : " (from " + setting.origin + ")") +
                              (names.empty() ? " (no tracker plugins found; see: torchx plugins)"
                                             : fmt::format(" (available: {})", fmt::join(names, ", "))));
  }
  auto library = registry.load(*entry);
  return std::make_unique<loader::TrackerProxy>(library, library->tracker(setting.name), setting.config);
}

}  // namespace torchx::runner
