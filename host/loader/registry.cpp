// SPDX-License-Identifier: BSD-3-Clause
#include "registry.hpp"

#include <spdlog/spdlog.h>

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <mutex>

namespace torchx::loader {
namespace {

bool writable_by_others(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return false;
  return (st.st_mode & S_IWOTH) != 0;
}

std::vector<std::string> disabled_globs(const SearchPathInputs& in) {
  std::vector<std::string> globs;
  if (in.secure) return globs;
  const auto value = in.getenv("TORCHX_PLUGINS_DISABLE");
  if (!value) return globs;
  std::string current;
  for (char c : *value + ",") {
    if (c == ',') {
      if (!current.empty()) globs.push_back(current);
      current.clear();
    } else if (c != ' ') {
      current += c;
    }
  }
  return globs;
}

const std::vector<std::string>& names_of(const Provides& p, Kind kind) {
  switch (kind) {
    case Kind::scheduler: return p.schedulers;
    case Kind::component: return p.components;
    case Kind::tracker: return p.trackers;
    case Kind::named_resources: break;
  }
  return p.named_resources;
}

std::mutex& load_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::scheduler: return "scheduler";
    case Kind::component: return "component";
    case Kind::tracker: return "tracker";
    case Kind::named_resources: break;
  }
  return "named resources";
}

Registry Registry::discover(const RegistryOptions& options) {
  Registry r;
  r.m_search_path = plugin_search_path(options.search);
  const auto disabled = disabled_globs(options.search);
  std::map<std::string, std::filesystem::path> first_by_name;

  for (const auto& dir : r.m_search_path) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir.path, ec)) {
      spdlog::debug("plugin dir {} ({}): not a directory, skipped", dir.path.string(), dir.origin);
      continue;
    }
    if (writable_by_others(dir.path)) {
      r.m_skipped.push_back({dir.path, "", "directory is writable by others, refused", true});
      spdlog::warn("plugin dir {}: writable by others, refused", dir.path.string());
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir.path, ec)) {
      if (e.path().extension() == ".json" && e.is_regular_file(ec)) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    spdlog::debug("plugin dir {} ({}): {} manifest(s)", dir.path.string(), dir.origin, files.size());

    for (const auto& file : files) {
      if (writable_by_others(file)) {
        r.m_skipped.push_back({file, file.stem().string(), "manifest is writable by others, refused", true});
        spdlog::warn("plugin '{}' ({}): manifest is writable by others, refused", file.stem().string(), file.string());
        continue;
      }
      Manifest m;
      try {
        m = parse_manifest(file);
      } catch (const ManifestError& e) {
        r.m_skipped.push_back({file, file.stem().string(), std::string("invalid manifest: ") + e.what(), true});
        spdlog::warn("plugin '{}' ({}): invalid manifest: {}", file.stem().string(), file.string(), e.what());
        continue;
      }
      if (auto it = first_by_name.find(m.name); it != first_by_name.end()) {
        r.m_skipped.push_back({file, m.name, "shadowed by " + it->second.string(), false});
        spdlog::debug("plugin '{}' ({}): shadowed by {}", m.name, file.string(), it->second.string());
        continue;
      }
      const bool is_disabled = std::any_of(disabled.begin(), disabled.end(), [&](const std::string& glob) {
        return ::fnmatch(glob.c_str(), m.name.c_str(), 0) == 0;
      });
      if (is_disabled) {
        r.m_skipped.push_back({file, m.name, "disabled by TORCHX_PLUGINS_DISABLE", false});
        spdlog::debug("plugin '{}' ({}): disabled by TORCHX_PLUGINS_DISABLE", m.name, file.string());
        continue;
      }
      first_by_name.emplace(m.name, file);
      const std::size_t index = r.m_plugins.size();
      for (Kind kind : {Kind::scheduler, Kind::component, Kind::tracker, Kind::named_resources}) {
        for (const auto& name : names_of(m.provides, kind)) r.m_providers.emplace(std::pair{kind, name}, index);
      }
      spdlog::debug("plugin '{}' ({}): found", m.name, file.string());
      r.m_plugins.push_back({std::move(m), dir});
    }
  }
  return r;
}

std::vector<std::string> Registry::names(Kind kind) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m_plugins.size(); ++i) {
    for (const auto& name : names_of(m_plugins[i].manifest.provides, kind)) {
      // Only the first provider of a name counts.
      if (m_providers.at({kind, name}) == i) out.push_back(name);
    }
  }
  return out;
}

const PluginEntry* Registry::provider(Kind kind, std::string_view name) const {
  auto it = m_providers.find({kind, std::string(name)});
  return it == m_providers.end() ? nullptr : &m_plugins[it->second];
}

const PluginEntry* Registry::plugin(std::string_view plugin_name) const {
  for (const auto& p : m_plugins) {
    if (p.manifest.name == plugin_name) return &p;
  }
  return nullptr;
}

std::shared_ptr<const PluginLibrary> Registry::load(const PluginEntry& entry) const {
  std::lock_guard lock(load_mutex());
  const std::string& name = entry.manifest.name;
  if (auto it = m_loaded.find(name); it != m_loaded.end()) return it->second;
  if (auto it = m_load_errors.find(name); it != m_load_errors.end()) throw PluginLoadError(entry.manifest, it->second);
  try {
    auto library = PluginLibrary::load(entry.manifest);
    m_loaded.emplace(name, library);
    return library;
  } catch (const PluginLoadError& e) {
    m_load_errors.emplace(name, e.reason());
    throw;
  }
}

}  // namespace torchx::loader
