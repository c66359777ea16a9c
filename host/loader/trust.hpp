// SPDX-License-Identifier: BSD-3-Clause
// Whether a plugin directory, manifest or library may be trusted: who owns it and its parents,
// and who can write them (plugin-api/docs/manifest.md, docs/site-admin.md).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>

namespace torchx::loader {

/// What the trust check needs of one path, as stat(2) (following symlinks) reports it.
struct PathStat {
  uid_t uid = 0;    ///< the owner
  mode_t mode = 0;  ///< st_mode (type and permission bits)
};

/// One symlink met while resolving a path: what it points to and who owns the link itself.
struct SymlinkStat {
  std::filesystem::path target;  ///< readlink(2), relative to the link's directory unless absolute
  uid_t uid = 0;                 ///< the owner of the link (lstat)
};

/// What the trust check reads of the world; seams for tests, so that every rule is a table row.
struct TrustInputs {
  /// stat(2) of a path; nullopt with `error` set to the errno value when it fails.
  std::function<std::optional<PathStat>(const std::filesystem::path&, int& error)> stat = default_stat;
  /// lstat(2) + readlink(2): the symlink `path`, or nullopt when `path` is not a symlink (or does
  /// not exist, or cannot be read). `path` has no symlink in its parents (they were resolved before).
  std::function<std::optional<SymlinkStat>(const std::filesystem::path&)> read_link = default_read_link;
  /// The invoking user: the real uid (in a setuid/setgid process, who ran it, not the file's owner).
  uid_t uid = ::getuid();

  static std::optional<PathStat> default_stat(const std::filesystem::path& path, int& error);
  static std::optional<SymlinkStat> default_read_link(const std::filesystem::path& path);
};

/// Why `path` (an absolute plugin directory, manifest or library) may not be trusted, or nullopt
/// when it may. Rules, checked for `path` and then for each parent directory up to `/`, first as
/// written and then as its symlinks resolve, hop by hop: the directory that holds each symlink
/// met on the way (and its parents) must be trusted too, since whoever can write it can repoint
/// the link, and the link itself must be owned by root or the invoking user (in a sticky
/// directory its owner can repoint it); a chain of more than 40 symlinks is refused (ELOOP):
/// - it is owned by root or the invoking user (`inputs.uid`);
/// - it is not writable by its group or by others; except that a parent directory with the
///   sticky bit (like /tmp, mode 1777) may be, since then only the owner of an entry (root or
///   the user, by the rule above) can rename or remove it.
/// The reason is a phrase completing "<what> ...": "is owned by uid 65534, not by root or the
/// invoking user (uid 0)", "is writable by its group (mode 0775)", "is in /a, which is writable
/// by others (mode 0777) and not sticky", "cannot be checked: /a: No such file or directory".
/// A `path` (or parent) that does not exist (ENOENT) is not refused for that (whoever opens it
/// reports it missing), but the parents that exist are checked all the same. A relative `path` is made absolute
/// against the cwd. Never throws except std::bad_alloc.
std::optional<std::string> untrusted_reason(const std::filesystem::path& path, const TrustInputs& inputs = {});

/// TrustInputs that remember what they read: one discovery checks a thousand manifests in one
/// directory (and their libraries in another) without stat'ing the same parents a thousand times.
/// The rules are those of `base`; only repeated reads are saved. Use one per discovery (what it
/// remembers is as old as the discovery). Not thread-safe.
///
/// With the real world (the default stat and read_link), a plain absolute path (no ".", "..",
/// empty component or trailing '/') is judged from one lstat(2) per component, each remembered:
/// when none of them is a symlink, stat(2) of every prefix would see what lstat saw, so the rules
/// of untrusted_reason apply to those stats directly, without its second, symlink-resolving walk;
/// when one is a symlink, untrusted_reason decides (the long way, through the remembered inputs).
class TrustMemo {
public:
  explicit TrustMemo(TrustInputs base);
  /// The inputs to pass to untrusted_reason (valid as long as this object).
  [[nodiscard]] const TrustInputs& inputs() const { return m_inputs; }
  /// untrusted_reason(path, inputs()), the same verdict and text, faster for the many files of
  /// one directory: the directory's verdict is remembered, and a file that is not a symlink in a
  /// trusted directory is judged by its own stat. `entry`, when given, is what
  /// fstatat(AT_SYMLINK_NOFOLLOW) just saw of `path` (else it is lstat'ed). With a fake world
  /// (not the default stat and read_link) it is untrusted_reason exactly.
  std::optional<std::string> reason(const std::filesystem::path& path, const struct stat* entry = nullptr);
  /// reason() of a path given as text: the same verdict and text; for a plain absolute `path`
  /// (the usual case) no std::filesystem::path is made unless a problem or a symlink is found.
  std::optional<std::string> file_reason(const std::string& path, const struct stat* entry = nullptr);
  /// untrusted_reason(path, inputs()) of a directory `path` (a plugin directory, the cache root),
  /// remembered: asked again, no system call.
  std::optional<std::string> directory_reason(const std::filesystem::path& path);
  /// What stat(2) says of `path` (following symlinks), or nullopt with `error` set to its errno.
  /// Remembered, and shared with the trust checks: for a plain absolute path that is not a
  /// symlink, the lstat(2) that the check of its chain needs anyway.
  std::optional<PathStat> stat(const std::filesystem::path& path, int& error);
  /// Forgets everything read (after creating a directory that was read as missing).
  void forget();

private:
  struct Lstat {
    std::optional<PathStat> st;  ///< nullopt: lstat failed with `error`
    int error = 0;
  };
  struct Seen {
    std::unordered_map<std::string, std::pair<std::optional<PathStat>, int>> stat;
    std::unordered_map<std::string, std::optional<SymlinkStat>> link;
    std::unordered_map<std::string, std::optional<std::string>> dir;  ///< untrusted_reason of directories
    std::unordered_map<std::string, Lstat> lstat;  ///< the plain paths' lstat
    /// The directories of the last two plain files judged, most recent first, with their
    /// verdicts (entries of `dir`; nullptr: none): discovery alternates between a plugin dir's
    /// manifests and their libraries' dir.
    std::pair<std::string, const std::optional<std::string>*> recent[2];
  };
  /// The remembered verdict of the plain directory `dir` (directory_reason), through `recent`.
  const std::optional<std::string>& recent_dir_reason(std::string_view dir);
  /// lstat(2) of the plain absolute `path`, remembered.
  const Lstat& lstat_of(const std::string& path);
  /// The verdict of untrusted_reason for the plain absolute `path` from the lstat of each of its
  /// prefixes, or nullopt when one of them is a symlink (then only the long way can tell).
  std::optional<std::optional<std::string>> plain_reason(const std::string& path);
  /// reason() of a plain absolute `path` with the real world.
  std::optional<std::string> plain_file_reason(const std::string& path, const struct stat* entry);
  /// directory_reason of a plain absolute `path` (or "/"), remembered.
  const std::optional<std::string>& plain_directory_reason(const std::string& path);

  TrustInputs m_base;
  std::shared_ptr<Seen> m_seen = std::make_shared<Seen>();
  TrustInputs m_inputs;
  bool m_real = false;
};

}  // namespace torchx::loader
