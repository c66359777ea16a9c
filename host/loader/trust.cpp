// SPDX-License-Identifier: BSD-3-Clause
#include "trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace torchx::loader {
namespace {

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return std::string("mode ") + text;
}

/// The problem of one path of the chain: the path itself (`parent` false) or one of its parents.
std::optional<std::string> check_one(const std::filesystem::path& p, bool parent, const TrustInputs& in) {
  int error = 0;
  const std::optional<PathStat> st = in.stat(p, error);
  // Missing: whoever opens it reports that; the parents that exist are still checked.
  if (!st && error == ENOENT) return std::nullopt;
  if (!st) return "cannot be checked: " + p.string() + ": " + std::strerror(error);
  const std::string subject = parent ? "is in " + p.string() + ", which " : "";
  if (st->uid != 0 && st->uid != in.uid) {
    return subject + "is owned by uid " + std::to_string(st->uid) +
           ", not by root or the invoking user (uid " + std::to_string(in.uid) + ")";
  }
  const bool sticky_dir = parent && (st->mode & S_ISVTX) != 0;
  const char* not_sticky = parent ? " and not sticky" : "";
  if ((st->mode & S_IWOTH) != 0 && !sticky_dir) {
    return subject + "is writable by others (" + mode_text(st->mode) + ")" + not_sticky;
  }
  if ((st->mode & S_IWGRP) != 0 && !sticky_dir) {
    return subject + "is writable by its group (" + mode_text(st->mode) + ")" + not_sticky;
  }
  return std::nullopt;
}

/// `path` and each of its parents up to `/`.
std::optional<std::string> check_chain(const std::filesystem::path& path, const TrustInputs& in) {
  bool parent = false;
  for (std::filesystem::path p = path;; p = p.parent_path(), parent = true) {
    if (auto why = check_one(p, parent, in)) return why;
    if (p == p.root_path() || p.parent_path() == p || p.empty()) break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PathStat> TrustInputs::default_stat(const std::filesystem::path& path, int& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = errno;
    return std::nullopt;
  }
  return PathStat{st.st_uid, st.st_mode};
}

std::optional<std::filesystem::path> TrustInputs::default_resolve(const std::filesystem::path& path) {
  std::error_code ec;
  auto real = std::filesystem::canonical(path, ec);
  if (ec) return std::nullopt;
  return real;
}

std::optional<std::string> untrusted_reason(const std::filesystem::path& path, const TrustInputs& inputs) {
  std::error_code ec;
  std::filesystem::path written = path.is_absolute() ? path : std::filesystem::absolute(path, ec);
  if (ec) return "cannot be checked: " + path.string() + ": " + ec.message();
  written = written.lexically_normal();
  if (!written.has_filename() && written != written.root_path()) written = written.parent_path();  // "/a/b/"
  if (auto why = check_chain(written, inputs)) return why;
  // Through symlinks: the directories of what they point to must be trusted too.
  if (const auto real = inputs.resolve(written); real && *real != written) return check_chain(*real, inputs);
  return std::nullopt;
}

}  // namespace torchx::loader
