// SPDX-License-Identifier: BSD-3-Clause
#include "quick_commands.hpp"

#include "manifest_cache.hpp"
#include "manifest_listing.hpp"
#include "trust.hpp"

#include <algorithm>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace torchx::loader {

std::optional<std::vector<CommandLine>> quick_commands(const RegistryOptions& options) {
  if (!options.cache_root) return std::nullopt;
  const auto disabled = disabled_globs(options.search);
  TrustMemo trust(options.trust);
  std::deque<ManifestCache> caches;   // the summaries are views into their texts: kept to the end
  std::vector<ManifestSummary> used;  // the plugins in use, in search-path order
  std::unordered_set<std::string_view> names;

  for (const auto& dir : plugin_search_path(options.search)) {
    // The steps of Registry::discover, in its order; where it would warn, note or write, give up.
    int error = 0;
    const std::optional<PathStat> dir_stat = trust.stat(dir.path, error);
    if (!dir_stat || !S_ISDIR(dir_stat->mode)) continue;
    if (trust.directory_reason(dir.path)) return std::nullopt;
    const std::vector<ManifestFile> files = list_manifests(dir.path);
    const ManifestCache& cache =
        caches.emplace_back(*options.cache_root, dir.path, trust, nullptr, options.cache_racy_ns);
    if (!cache.whole() || cache.entries() != files.size()) return std::nullopt;
    std::string file = dir.path.native() + "/";
    const std::size_t prefix = file.size();
    for (const auto& entry : files) {
      if (entry.is_symlink) return std::nullopt;  // never cached
      file.resize(prefix);
      file += entry.name;
      if (trust.file_reason(file, &entry.st)) return std::nullopt;
      auto summary = cache.find_summary(entry.name, FileStamp::of(entry.st), file);
      if (!summary || summary->invalid) return std::nullopt;
      if (!summary->library_path.empty() && trust.file_reason(std::string(summary->library_path))) return std::nullopt;
      if (names.contains(summary->name)) continue;  // shadowed (a note, no warning)
      if (is_disabled(disabled, summary->name)) continue;
      names.insert(summary->name);
      used.push_back(std::move(*summary));
    }
  }

  // Registry::add_python_components: a Python component named like a plugin library's component
  // is a warning, unless that plugin has a Python component of the name too (then a note).
  std::unordered_map<std::string_view, const ManifestSummary*> library_components;
  for (const auto& m : used) {
    for (const auto c : m.components) library_components.emplace(c, &m);
  }
  for (const auto& m : used) {
    for (const auto c : m.python_components) {
      const auto it = library_components.find(c);
      if (it == library_components.end()) continue;
      const auto& theirs = it->second->python_components;
      if (std::find(theirs.begin(), theirs.end(), c) == theirs.end()) return std::nullopt;
    }
  }
  // Registry::add_commands: a reserved verb or one provided twice is a warning.
  std::vector<CommandLine> out;
  std::unordered_set<std::string_view> verbs;
  const auto& reserved = options.reserved_commands;
  for (const auto& m : used) {
    for (const auto& [verb, description] : m.commands) {
      if (std::find(reserved.begin(), reserved.end(), verb) != reserved.end()) return std::nullopt;
      if (!verbs.insert(verb).second) return std::nullopt;
      out.push_back({std::string(verb), std::string(description), std::string(m.name)});
    }
  }
  return out;
}

}  // namespace torchx::loader
