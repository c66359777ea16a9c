// SPDX-License-Identifier: BSD-3-Clause
#include "registry.hpp"

#include "manifest_cache.hpp"
#include "manifest_listing.hpp"
#include "trust.hpp"

#include <sys/stat.h>
#include <time.h>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <mutex>
#include <unordered_map>

namespace torchx::loader {
namespace {

/// For reporting only (never to load anything): the plugin name a manifest that is not used
/// claims, `plugin.name` when it is readable JSON with one, else the file's stem.
std::string claimed_plugin_name(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string text;
  constexpr std::size_t k_max = 1 << 20;  // manifests are small; do not read a huge file to name it
  if (in) {
    text.resize(k_max + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (!text.empty() && text.size() <= k_max) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec);
    if (!ec && v.is_object()) {
      const auto* plugin = v.as_object().if_contains("plugin");
      if (plugin != nullptr && plugin->is_object()) {
        const auto* name = plugin->as_object().if_contains("name");
        if (name != nullptr && name->is_string() && !name->get_string().empty()) return std::string(name->get_string());
      }
    }
  }
  return file.stem().string();
}

/// The `*.json` regular files of `dir`, sorted by name.
std::vector<std::filesystem::path> manifest_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json" && e.is_regular_file(ec)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::int64_t realtime_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

/// Reads and parses the manifest `file`: the manifest, or the error and the name it claims.
ManifestReading read_manifest(const std::filesystem::path& file) {
  ManifestReading r;
  try {
    r.manifest = parse_manifest(file);
  } catch (const ManifestError& e) {
    r.error = e.what();
    r.claimed = claimed_plugin_name(file);
  }
  return r;
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
std::mutex& required_mutex() {
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

PluginPolicyError::PluginPolicyError(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
        return all;
      }()),
      m_problems(std::move(problems)) {}

bool Registry::noting() const { return m_debug || spdlog::should_log(spdlog::level::debug); }

void Registry::note(const std::string& line) const {
  if (m_debug) m_debug(line);
  else spdlog::debug("{}", line);
}

Registry Registry::discover(const RegistryOptions& options) {
  Registry r;
  r.m_debug = options.debug;
  r.m_policy = options.policy ? *options.policy : PluginPolicy::load(options.search);
  if (r.m_policy.file.empty()) {
    r.note(r.m_policy.origin == "TORCHX_PLUGIN_POLICY"
               ? "policy: none (TORCHX_PLUGIN_POLICY is empty)"
               : "policy: none (" + std::string(k_default_plugin_policy) + " absent)");
  } else if (!r.m_policy.read) {
    r.note("policy " + r.m_policy.file.string() + " (" + r.m_policy.origin + "): not read (see the error below)");
  } else {
    auto list = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& e : v) out += (out.empty() ? "" : ", ") + e;
      return out.empty() ? std::string("(none)") : out;
    };
    r.note("policy " + r.m_policy.file.string() + " (" + r.m_policy.origin + "): required " +
           list(r.m_policy.required) + "; optional " + list(r.m_policy.optional));
  }
  for (const auto& e : r.m_policy.errors) r.note("policy error: " + e);
  r.m_search_path = plugin_search_path(options.search);
  r.m_ignored = ignored_settings(options.search);
  for (const auto& i : r.m_ignored) r.note("ignored in a setuid/setgid process: " + i.source + " " + i.value);
  const auto disabled = disabled_globs(options.search);
  // The plugins used so far by name: the index in m_plugins (whose manifest names the file).
  std::unordered_map<std::string, std::size_t> first_by_name;
  TrustMemo trust(options.trust);  // each parent directory stat'ed once for the whole discovery

  for (std::size_t dir_index = 0; dir_index < r.m_search_path.size(); ++dir_index) {
    const SearchDir& dir = r.m_search_path[dir_index];
    const std::string where = "dir " + dir.path.string() + " (" + dir.origin + ")";
    // One stat, remembered: the trust check of the directory reads the same (TrustMemo::stat).
    int error = 0;
    const std::optional<PathStat> dir_stat = trust.stat(dir.path, error);
    if (!dir_stat) {
      r.note(where + ": absent");
      continue;
    }
    if (!S_ISDIR(dir_stat->mode)) {
      r.note(where + ": not a directory, skipped");
      continue;
    }
    if (const auto why = trust.directory_reason(dir.path)) {
      const std::string reason = "directory " + *why + ", refused";
      r.m_skipped.push_back({dir.path, "", reason, true});
      spdlog::warn("plugin dir {}: {}", dir.path.string(), reason);
      r.note(where + ": " + reason);
      // One entry per manifest too, named by the plugin it claims (for reporting only: nothing in
      // it is used), so that a required plugin here is reported as refused, not as missing.
      for (const auto& file : manifest_files(dir.path)) {
        const std::string plugin = claimed_plugin_name(file);
        r.m_skipped.push_back({file, plugin, reason, true});
        r.note("manifest " + file.string() + ": plugin '" + plugin + "': " + reason);
      }
      continue;
    }
    const std::vector<ManifestFile> files = list_manifests(dir.path);
    r.m_plugins.reserve(r.m_plugins.size() + files.size());
    r.note(where + ": exists, " + std::to_string(files.size()) + " manifest(s)");
    std::optional<ManifestCache> cache;
    if (options.cache_root) {
      std::function<void(const std::string&)> notes;  // empty: the cache makes no line nobody reads
      if (r.noting()) notes = [&r](const std::string& l) { r.note(l); };
      cache.emplace(*options.cache_root, dir.path, trust, std::move(notes), options.cache_racy_ns);
    }

    // Each manifest's path as text (dir.path / name): a std::filesystem::path is made only to
    // read a file or to record a skip, not for each of a thousand cached manifests.
    std::string file = dir.path.native();
    if (file.empty() || file.back() != '/') file += '/';
    const std::size_t prefix = file.size();
    for (const auto& entry : files) {
      file.resize(prefix);
      file += entry.name;
      auto skip = [&](const std::string& plugin, const std::string& reason, bool is_warning) {
        r.m_skipped.push_back({file, plugin, reason, is_warning});
        r.note("manifest " + file + ": plugin '" + plugin + "': " + reason);
      };
      // What listing saw of a regular file is what the trust check would stat: no second look.
      if (const auto why = trust.file_reason(file, entry.is_symlink ? nullptr : &entry.st)) {
        const std::string plugin = claimed_plugin_name(file);  // for reporting only
        const std::string reason = "manifest " + *why + ", refused";
        spdlog::warn("plugin '{}' ({}): {}", plugin, file, reason);
        skip(plugin, reason, true);
        continue;
      }
      // Only a regular file's reading is kept: a symlink's target could change under one stamp.
      const FileStamp stamp = FileStamp::of(entry.st);
      std::optional<ManifestReading> reading;
      if (cache && !entry.is_symlink) reading = cache->find(entry.name, stamp, file);
      if (!reading) {
        const std::int64_t read_at = realtime_ns();
        reading = read_manifest(file);
        if (cache && !entry.is_symlink) cache->put(entry.name, stamp, *reading, read_at);
      }
      if (!reading->manifest) {
        // The name it claims, when it can be read, so that a required plugin whose manifest is
        // broken is reported as such; else the file's stem.
        spdlog::warn("plugin '{}' ({}): invalid manifest: {}", reading->claimed, file, reading->error);
        skip(reading->claimed, "invalid manifest: " + reading->error, true);
        continue;
      }
      Manifest& m = *reading->manifest;  // moved into m_plugins once, when used
      if (const auto why = m.has_library() ? trust.reason(m.library_path) : std::nullopt) {
        const std::string reason = "library " + m.library_path.string() + " " + *why + ", refused";
        spdlog::warn("plugin '{}' ({}): {}", m.name, file, reason);
        skip(m.name, reason, true);
        continue;
      }
      if (auto it = first_by_name.find(m.name); it != first_by_name.end()) {
        skip(m.name, "shadowed by " + r.m_plugins[it->second].manifest.path.string(), false);
        continue;
      }
      if (is_disabled(disabled, m.name)) {
        skip(m.name, "disabled by TORCHX_PLUGINS_DISABLE", false);
        continue;
      }
      const std::size_t index = r.m_plugins.size();
      first_by_name.emplace(m.name, index);
      for (Kind kind : {Kind::scheduler, Kind::component, Kind::tracker, Kind::named_resources}) {
        for (const auto& name : names_of(m.provides, kind)) r.m_providers.emplace(std::pair{kind, name}, index);
      }
      if (r.noting()) {
        r.note("manifest " + file + ": plugin '" + m.name + "' " + m.version + ": used" +
               (r.m_policy.is_required(m.name) ? " (required)" : ""));
      }
      r.m_plugins.push_back({std::move(m), dir_index});  // reserved above: no reallocation
    }
    if (cache) {
      const std::size_t hits = cache->save();
      if (r.noting())
        r.note("cache of " + dir.path.string() + ": " + std::to_string(hits) + " of " + std::to_string(files.size()) +
               " manifest(s) from the cache");
    }
  }
  r.add_python_components();
  r.add_commands(options.reserved_commands);
  r.apply_policy();
  return r;
}

void Registry::add_python_components() {
  // After every plugin library's names: a Python component never replaces a component that a
  // plugin library provides (the builtins above all), wherever each was found; among Python
  // components the first in search-path order wins, as for everything else.
  for (std::size_t i = 0; i < m_plugins.size(); ++i) {
    const Manifest& m = m_plugins[i].manifest;
    for (const auto& c : m.python_components) {
      const auto [it, added] = m_providers.emplace(std::pair{Kind::component, c.name}, i);
      if (added) continue;
      const Manifest& other = m_plugins[it->second].manifest;
      if (other.python_component(c.name) != nullptr) {
        note("manifest " + m.path.string() + ": plugin '" + m.name + "': Python component '" + c.name +
             "' shadowed by plugin '" + other.name + "' (" + other.path.string() + ")");
        continue;
      }
      const std::string reason = "Python component '" + c.name + "' not used: plugin '" + other.name +
                                 "' provides a component of that name, and a Python component never replaces a "
                                 "plugin's (rename it, or remove it from " +
                                 m.path.filename().string() + ")";
      spdlog::warn("plugin '{}' ({}): {}", m.name, m.path.string(), reason);
      m_skipped.push_back({m.path, m.name, reason, true});
      note("manifest " + m.path.string() + ": plugin '" + m.name + "': " + reason);
    }
  }
}

void Registry::add_commands(const std::vector<std::string>& reserved) {
  for (std::size_t i = 0; i < m_plugins.size(); ++i) {
    const Manifest& m = m_plugins[i].manifest;
    for (const auto& c : m.commands) {
      std::string reason;
      if (std::find(reserved.begin(), reserved.end(), c.name) != reserved.end()) {
        reason = "command '" + c.name + "' not used: it is a built-in torchx command, which a plugin cannot replace "
                 "(rename it in " + m.path.filename().string() + ")";
      } else if (const auto other = command(c.name)) {
        reason = "command '" + c.name + "' not used: plugin '" + other->plugin->manifest.name + "' (" +
                 other->plugin->manifest.path.string() + ") provides it first";
      } else {
        m_command_index.emplace(c.name, m_commands.size());
        m_commands.emplace_back(c.name, i);
        continue;
      }
      spdlog::warn("plugin '{}' ({}): {}", m.name, m.path.string(), reason);
      m_skipped.push_back({m.path, m.name, reason, true});
      note("manifest " + m.path.string() + ": plugin '" + m.name + "': " + reason);
    }
  }
}

std::vector<CommandEntry> Registry::commands() const {
  std::vector<CommandEntry> out;
  for (const auto& [verb, index] : m_commands) {
    const PluginEntry& p = m_plugins[index];
    for (const auto& c : p.manifest.commands) {
      if (c.name == verb) out.push_back({c, &p});
    }
  }
  return out;
}

std::optional<CommandEntry> Registry::command(std::string_view verb) const {
  const auto it = m_command_index.find(verb);
  if (it == m_command_index.end()) return std::nullopt;
  const PluginEntry& p = m_plugins[m_commands[it->second].second];
  for (const auto& c : p.manifest.commands) {
    if (c.name == verb) return CommandEntry{c, &p};
  }
  return std::nullopt;
}

void Registry::apply_policy() {
  m_policy_problems = m_policy.errors;
  std::vector<std::string> reported;
  auto report = [&](const std::string& plugin, const std::string& problem) {
    if (std::find(reported.begin(), reported.end(), plugin) != reported.end()) return;
    reported.push_back(plugin);
    m_policy_problems.push_back(problem);
    note(problem);
  };
  // A required plugin skipped, with no other manifest of that name in use.
  for (const auto& s : m_skipped) {
    if (s.plugin.empty() || plugin(s.plugin) != nullptr || !m_policy.is_required(s.plugin)) continue;
    report(s.plugin, "required plugin '" + s.plugin + "' was skipped: " + s.reason + " (" + s.path.string() + ")");
  }
  for (const auto& name : m_policy.required_names()) {
    if (plugin(name) != nullptr) continue;
    report(name, "required plugin '" + name + "' was not found on the plugin search path (required by " +
                     m_policy.file.string() + "; see: torchx plugins)");
  }
}

void Registry::check_policy() const {
  if (!m_policy_problems.empty()) throw PluginPolicyError(m_policy_problems);
}

std::vector<std::string> Registry::names(Kind kind) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m_plugins.size(); ++i) {
    for (const auto& name : names_of(m_plugins[i].manifest.provides, kind)) {
      // Only the first provider of a name counts.
      if (m_providers.at({kind, name}) == i) out.push_back(name);
    }
    if (kind != Kind::component) continue;
    for (const auto& c : m_plugins[i].manifest.python_components) {
      if (m_providers.at({kind, c.name}) == i) out.push_back(c.name);
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
  load_required();
  return load_one(entry);
}

void Registry::load_required() const {
  std::lock_guard lock(required_mutex());
  if (m_required_loaded) return;
  std::vector<std::string> problems;
  for (const auto& p : m_plugins) {
    // A plugin of Python components only has no library: nothing to load (its components are
    // evaluated when run).
    if (!m_policy.is_required(p.manifest.name) || !p.manifest.has_library()) continue;
    try {
      load_one(p);
    } catch (const PluginLoadError& e) {
      problems.push_back("required plugin '" + p.manifest.name + "' failed to load: " + e.reason() + " (" +
                         p.manifest.path.string() + ")");
    }
  }
  if (!problems.empty()) throw PluginPolicyError(std::move(problems));
  m_required_loaded = true;
}

std::shared_ptr<const PluginLibrary> Registry::load_one(const PluginEntry& entry) const {
  std::lock_guard lock(load_mutex());
  const std::string& name = entry.manifest.name;
  if (auto it = m_loaded.find(name); it != m_loaded.end()) return it->second;
  if (auto it = m_load_errors.find(name); it != m_load_errors.end()) throw PluginLoadError(entry.manifest, it->second);
  if (!entry.manifest.has_library()) {
    throw PluginLoadError(entry.manifest, "it has no library to load (it provides only Python components)");
  }
  try {
    auto library = PluginLibrary::load(entry.manifest);
    m_loaded.emplace(name, library);
    note("plugin '" + name + "': loaded " + entry.manifest.library_path.string() + " (ABI " +
         std::to_string(library->abi_version()) + ")");
    return library;
  } catch (const PluginLoadError& e) {
    m_load_errors.emplace(name, e.reason());
    note("plugin '" + name + "': failed to load: " + e.reason());
    throw;
  }
}

}  // namespace torchx::loader
