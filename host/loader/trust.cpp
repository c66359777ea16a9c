// SPDX-License-Identifier: BSD-3-Clause
#include "trust.hpp"

#include "plain_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

namespace torchx::loader {
namespace {

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return std::string("mode ") + text;
}

std::optional<std::string> verdict(std::string_view p, const PathStat* st, bool parent, uid_t uid);

/// The problem of one path of the chain: the path itself (`parent` false) or one of its parents.
std::optional<std::string> check_one(const std::filesystem::path& p, bool parent, const TrustInputs& in) {
  int error = 0;
  const std::optional<PathStat> st = in.stat(p, error);
  // Missing: whoever opens it reports that; the parents that exist are still checked.
  if (!st && error == ENOENT) return std::nullopt;
  if (!st) return "cannot be checked: " + p.string() + ": " + std::strerror(error);
  return verdict(p.native(), &*st, parent, in.uid);
}

/// The rules of one existing path, `st` being its stat (the text is made only for a problem).
std::optional<std::string> verdict(std::string_view p, const PathStat* st, bool parent, uid_t uid) {
  const bool sticky_dir = parent && (st->mode & S_ISVTX) != 0;
  const bool foreign = st->uid != 0 && st->uid != uid;
  const bool others = (st->mode & S_IWOTH) != 0 && !sticky_dir;
  const bool group = (st->mode & S_IWGRP) != 0 && !sticky_dir;
  if (!foreign && !others && !group) return std::nullopt;
  const std::string subject = parent ? "is in " + std::string(p) + ", which " : "";
  if (foreign) {
    return subject + "is owned by uid " + std::to_string(st->uid) +
           ", not by root or the invoking user (uid " + std::to_string(uid) + ")";
  }
  const char* not_sticky = parent ? " and not sticky" : "";
  if (others) return subject + "is writable by others (" + mode_text(st->mode) + ")" + not_sticky;
  return subject + "is writable by its group (" + mode_text(st->mode) + ")" + not_sticky;
}

/// `path` and each of its parents up to `/`; `parent`: `path` itself is a directory holding what
/// is checked (a sticky one is then accepted).
std::optional<std::string> check_chain(const std::filesystem::path& path, const TrustInputs& in, bool parent = false) {
  for (std::filesystem::path p = path;; p = p.parent_path(), parent = true) {
    if (auto why = check_one(p, parent, in)) return why;
    if (p == p.root_path() || p.parent_path() == p || p.empty()) break;
  }
  return std::nullopt;
}

/// Resolves the absolute `path` as the kernel does, one component and one symlink at a time, and
/// checks every symlink met on the way: its directory (and that one's parents) and its owner.
/// `real` is what `path` resolves to (components that do not exist are kept as written).
std::optional<std::string> check_symlinks(const std::filesystem::path& path, const TrustInputs& in,
                                          std::filesystem::path& real) {
  constexpr int k_max_links = 40;  // the kernel's limit (ELOOP)
  std::deque<std::string> todo;
  for (const auto& part : path.relative_path()) todo.push_back(part.string());
  std::filesystem::path current = path.root_path();
  int links = 0;
  while (!todo.empty()) {
    const std::string part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      current = current.parent_path();
      continue;
    }
    const std::filesystem::path next = current / part;
    const auto link = in.read_link(next);
    if (!link) {
      current = next;
      continue;
    }
    if (++links > k_max_links) return "cannot be checked: " + path.string() + ": " + std::strerror(ELOOP);
    if (link->uid != 0 && link->uid != in.uid) {
      return "is reached through the symlink " + next.string() + ", which is owned by uid " + std::to_string(link->uid) +
             ", not by root or the invoking user (uid " + std::to_string(in.uid) + ")";
    }
    if (auto why = check_chain(current, in, true)) return "is reached through the symlink " + next.string() + ", which " + *why;
    std::vector<std::string> parts;
    for (const auto& p : link->target.relative_path()) parts.push_back(p.string());
    todo.insert(todo.begin(), parts.begin(), parts.end());
    if (link->target.is_absolute()) current = link->target.root_path();
  }
  real = current;
  return std::nullopt;
}

}  // namespace

bool is_plain_absolute(std::string_view p) {
  if (p.size() < 2 || p[0] != '/' || p.back() == '/') return false;
  std::size_t start = 1;
  while (start <= p.size()) {
    std::size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    const std::string_view part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::optional<PathStat> TrustInputs::default_stat(const std::filesystem::path& path, int& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = errno;
    return std::nullopt;
  }
  return PathStat{st.st_uid, st.st_mode};
}

std::optional<SymlinkStat> TrustInputs::default_read_link(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return std::nullopt;
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path, ec);
  if (ec) return std::nullopt;
  return SymlinkStat{std::move(target), st.st_uid};
}

std::optional<std::string> untrusted_reason(const std::filesystem::path& path, const TrustInputs& inputs) {
  std::error_code ec;
  const std::filesystem::path absolute = path.is_absolute() ? path : std::filesystem::absolute(path, ec);
  if (ec) return "cannot be checked: " + path.string() + ": " + ec.message();
  std::filesystem::path written = absolute.lexically_normal();
  if (!written.has_filename() && written != written.root_path()) written = written.parent_path();  // "/a/b/"
  if (auto why = check_chain(written, inputs)) return why;
  // Through symlinks: every link on the way, and what they point to (and its parents), must be
  // trusted too. Resolved from the path as given: "link/.." is the link target's parent, not ".".
  std::filesystem::path real;
  if (auto why = check_symlinks(absolute, inputs, real)) return why;
  if (real != written) return check_chain(real, inputs);
  return std::nullopt;
}

TrustMemo::TrustMemo(TrustInputs base) : m_base(std::move(base)) {
  using StatFn = std::optional<PathStat> (*)(const std::filesystem::path&, int&);
  using LinkFn = std::optional<SymlinkStat> (*)(const std::filesystem::path&);
  const auto* stat_fn = m_base.stat.target<StatFn>();
  const auto* link_fn = m_base.read_link.target<LinkFn>();
  m_real = stat_fn != nullptr && *stat_fn == &TrustInputs::default_stat && link_fn != nullptr &&
           *link_fn == &TrustInputs::default_read_link;
  m_inputs.uid = m_base.uid;
  m_inputs.stat = [seen = m_seen, base = m_base.stat](const std::filesystem::path& p, int& error) {
    auto [it, added] = seen->stat.try_emplace(p.native());
    if (added) {
      int e = 0;
      it->second.first = base(p, e);
      it->second.second = e;
    }
    error = it->second.second;
    return it->second.first;
  };
  m_inputs.read_link = [seen = m_seen, base = m_base.read_link](const std::filesystem::path& p) {
    auto [it, added] = seen->link.try_emplace(p.native());
    if (added) it->second = base(p);
    return it->second;
  };
}

const TrustMemo::Lstat& TrustMemo::lstat_of(const std::string& path) {
  auto [it, added] = m_seen->lstat.try_emplace(path);
  if (added) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) it->second.st = PathStat{st.st_uid, st.st_mode};
    else it->second.error = errno;
  }
  return it->second;
}

std::optional<std::optional<std::string>> TrustMemo::plain_reason(const std::string& path) {
  // Top down, so that the first symlink stops the walk before its children are read. Each
  // prefix ends at a '/' of `path` (or is `path`); "/" itself is never a symlink.
  std::vector<const Lstat*> chain;  // the lstat of each prefix, shortest first
  std::string prefix;
  std::size_t end = 0;
  do {
    end = path.find('/', end + 1);
    prefix.assign(path, 0, end == std::string::npos ? path.size() : end);
    const Lstat& l = lstat_of(prefix);
    if (l.st && S_ISLNK(l.st->mode)) return std::nullopt;
    chain.push_back(&l);
  } while (end != std::string::npos);
  // No symlink: stat(2) of each prefix is its lstat(2). The rules as check_chain applies them:
  // `path` itself, then each parent up to "/", the first problem wins.
  const auto judge = [this](std::string_view p, const Lstat& l, bool parent) -> std::optional<std::string> {
    if (l.st) return verdict(p, &*l.st, parent, m_inputs.uid);
    if (l.error != ENOENT) return "cannot be checked: " + std::string(p) + ": " + std::strerror(l.error);
    return std::nullopt;  // missing: whoever opens it reports that (check_one)
  };
  std::string_view p = path;
  for (std::size_t i = chain.size(); i-- > 0;) {
    if (i + 1 < chain.size()) p = p.substr(0, p.rfind('/'));
    if (auto why = judge(p, *chain[i], i + 1 < chain.size())) return why;
  }
  if (auto why = judge("/", lstat_of("/"), true)) return why;
  return std::optional<std::string>();
}

std::optional<std::string> TrustMemo::directory_reason(const std::filesystem::path& path) {
  if (!m_real || !is_plain_absolute(path.native())) return untrusted_reason(path, m_inputs);
  return plain_directory_reason(path.native());
}

const std::optional<std::string>& TrustMemo::plain_directory_reason(const std::string& path) {
  auto [it, added] = m_seen->dir.try_emplace(path);
  if (added) {
    auto plain = plain_reason(path);
    it->second = plain ? std::move(*plain) : untrusted_reason(path, m_inputs);
  }
  return it->second;
}

std::optional<PathStat> TrustMemo::stat(const std::filesystem::path& path, int& error) {
  if (m_real && is_plain_absolute(path.native())) {
    // lstat(2) sees what stat(2) does unless `path` itself is a symlink (its parents are
    // followed either way); a missing name is missing for both.
    const Lstat& l = lstat_of(path.native());
    if (!l.st) {
      error = l.error;
      return std::nullopt;
    }
    if (!S_ISLNK(l.st->mode)) return l.st;
  }
  return m_inputs.stat(path, error);
}

void TrustMemo::forget() {
  m_seen->stat.clear();
  m_seen->link.clear();
  m_seen->dir.clear();
  m_seen->lstat.clear();
  for (auto& r : m_seen->recent) r = {};
}

const std::optional<std::string>& TrustMemo::recent_dir_reason(std::string_view dir) {
  auto& recent = m_seen->recent;
  if (recent[0].second != nullptr && recent[0].first == dir) return *recent[0].second;
  if (recent[1].second == nullptr || recent[1].first != dir) {
    recent[1].first = dir;
    recent[1].second = &plain_directory_reason(recent[1].first);
  }
  std::swap(recent[0], recent[1]);
  return *recent[0].second;
}

std::optional<std::string> TrustMemo::reason(const std::filesystem::path& path, const struct stat* entry) {
  if (!m_real || !is_plain_absolute(path.native())) return untrusted_reason(path, m_inputs);
  return plain_file_reason(path.native(), entry);
}

std::optional<std::string> TrustMemo::file_reason(const std::string& path, const struct stat* entry) {
  if (!m_real || !is_plain_absolute(path)) return untrusted_reason(path, m_inputs);
  return plain_file_reason(path, entry);
}

std::optional<std::string> TrustMemo::plain_file_reason(const std::string& text, const struct stat* entry) {
  // The shortcut: `text` is an absolute, normal path whose directory is trusted as a plugin
  // directory (untrusted_reason of it, remembered), and `text` is not a symlink. Then
  // untrusted_reason(text) checks the directory and its parents again as parents (which a
  // trusted directory passes: the sticky exception only widens the rule) and the same symlinks,
  // and comes down to the rules of `text` itself: those are applied to its stat here.
  const std::size_t slash = text.rfind('/');
  const std::string_view dir = slash == 0 ? std::string_view("/") : std::string_view(text).substr(0, slash);
  if (recent_dir_reason(dir)) return untrusted_reason(text, m_inputs);  // the long way gives the exact reason
  struct stat own {};
  if (entry == nullptr) {
    if (::lstat(text.c_str(), &own) != 0) {
      if (errno == ENOENT) return std::nullopt;  // missing: whoever opens it says so (as untrusted_reason)
      return untrusted_reason(text, m_inputs);
    }
    entry = &own;
  }
  if (S_ISLNK(entry->st_mode)) return untrusted_reason(text, m_inputs);
  const PathStat st{entry->st_uid, entry->st_mode};
  return verdict(text, &st, false, m_inputs.uid);
}

}  // namespace torchx::loader
