// SPDX-License-Identifier: BSD-3-Clause
#include "manifest_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>

#include <algorithm>

namespace torchx::loader {

std::vector<ManifestFile> list_manifests(const std::filesystem::path& dir) {
  std::vector<ManifestFile> files;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return files;
  // The names first, into one buffer (NUL-terminated), sorted as views (cheap to swap); then one
  // fstatat each, in order.
  std::string arena;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, size in `arena`
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name.size() <= 5 || !name.ends_with(".json")) continue;
    spans.emplace_back(arena.size(), name.size());
    arena.append(name.data(), name.size() + 1);
  }
  std::vector<std::string_view> names;
  names.reserve(spans.size());
  for (const auto& [at, size] : spans) names.emplace_back(arena.data() + at, size);
  std::sort(names.begin(), names.end());
  const int fd = ::dirfd(d);
  files.reserve(names.size());
  for (const auto name : names) {
    ManifestFile f;
    if (::fstatat(fd, name.data(), &f.st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // NUL-terminated in `arena`
    if (S_ISLNK(f.st.st_mode)) {
      struct stat target {};
      if (::fstatat(fd, name.data(), &target, 0) != 0 || !S_ISREG(target.st_mode)) continue;
      f.is_symlink = true;
    } else if (!S_ISREG(f.st.st_mode)) {
      continue;
    }
    f.name = name;
    files.push_back(std::move(f));
  }
  ::closedir(d);
  return files;
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

bool is_disabled(const std::vector<std::string>& globs, std::string_view name) {
  if (globs.empty()) return false;
  const std::string n(name);
  return std::any_of(globs.begin(), globs.end(),
                     [&n](const std::string& glob) { return ::fnmatch(glob.c_str(), n.c_str(), 0) == 0; });
}

}  // namespace torchx::loader
