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
  const int fd = ::dirfd(d);
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name.size() <= 5 || !name.ends_with(".json")) continue;
    ManifestFile f;
    f.name = name;
    if (::fstatat(fd, e->d_name, &f.st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISLNK(f.st.st_mode)) {
      struct stat target {};
      if (::fstatat(fd, e->d_name, &target, 0) != 0 || !S_ISREG(target.st_mode)) continue;
      f.is_symlink = true;
    } else if (!S_ISREG(f.st.st_mode)) {
      continue;
    }
    files.push_back(std::move(f));
  }
  ::closedir(d);
  std::sort(files.begin(), files.end(), [](const ManifestFile& a, const ManifestFile& b) { return a.name < b.name; });
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
