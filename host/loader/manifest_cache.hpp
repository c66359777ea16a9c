// SPDX-License-Identifier: BSD-3-Clause
// The discovery cache: what reading each manifest of one plugin directory gave, kept so that
// listing 1,000 plugins does not open and parse 1,000 files (docs/design-notes.md, "Discovery
// cache"; docs/site-admin.md).
//
// On disk: one file per plugin directory, `<cache_root>/<fnv1a64 of the directory's path>.cache`,
// a flat text of length-prefixed tokens (`<decimal byte count>:<bytes>`, each followed by one
// space or newline), read without building a JSON document (1,000 entries are one pass over the
// file, and each entry is decoded only when its file's stamp is asked for):
//   `torchx-plugin-cache 3 <host version> <directory>\n` (each a token: `19:torchx-plugin-cache
//   1:3 5:0.1.0 ...`), then one line per manifest:
//   `<file name> <body>\n`, the body being the tokens `dev ino size mtime_ns ctime_ns mode uid`
//   (the stamp), then `m` and the manifest's fields (path, name, version, description,
//   library_path, the counted lists abi_versions, schedulers, components, trackers,
//   named_resources, python_components as name/module/function, commands as name/description),
//   or `e`, the error and the plugin name the file claims. Lines are in file-name order
//   (strictly: a file whose lines are not is corrupt, since lookups rely on the order).
// Never stale: an entry is used only for a regular file (not a symlink) whose fstatat(2) gives
// the same stamp now (any write or chmod/chown changes ctime, which no user can set back); a file
// modified less than a second before it was read is not kept (a change within the file system's
// timestamp granularity could not be seen). The directory is listed on every use, so added and
// removed manifests are seen at once. Only the parse is cached: the trust of the directory, of
// each manifest and of each library, shadowing, TORCHX_PLUGINS_DISABLE and the site policy are
// decided on every use exactly as without a cache.
// Trust: the cache root and its parents must pass untrusted_reason, and the cache file must be a
// regular file owned by root or the invoking user and not writable by group or others; else the
// cache is neither read nor written. A corrupt, truncated, foreign-version or other directory's
// file is ignored and rewritten. Written atomically (a new file, then rename): a concurrent
// reader sees the old file or the new one, two writers each write a whole file and the last
// rename wins. Not thread-safe (one discovery at a time per object).
#pragma once

#include "manifest.hpp"
#include "search_path.hpp"
#include "trust.hpp"

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace torchx::loader {

/// One version of a file as one fstatat(2) sees it.
struct FileStamp {
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  std::uint32_t mode = 0, uid = 0;

  static FileStamp of(const struct stat& st);
  bool operator==(const FileStamp&) const = default;
};

/// What reading one manifest gave: the manifest, or why not and the plugin name it claims.
struct ManifestReading {
  std::optional<Manifest> manifest;
  std::string error;    ///< ManifestError::what() when `manifest` is empty
  std::string claimed;  ///< the plugin name the file claims (for reporting), when `manifest` is empty
};

/// What `torchx --help` needs of one cached reading (ManifestCache::find_summary): views into the
/// cache's text, valid as long as the ManifestCache that gave them.
struct ManifestSummary {
  bool invalid = false;  ///< the file is not a valid manifest (the fields below are empty)
  std::string_view name;
  std::string_view library_path;  ///< absolute; "" for a plugin without a library
  std::vector<std::string_view> components;
  std::vector<std::string_view> python_components;                      ///< their names
  std::vector<std::pair<std::string_view, std::string_view>> commands;  ///< name, description
};

/// The cache of one plugin directory.
class ManifestCache {
public:
 /// The cache of `dir` in `root` (created, mode 0700, when missing). `trust` is the discovery's
 /// (the root's verdict is remembered across the directories of one discovery). `notes` receives one line
 /// per decision (why the cache is not used; empty: no line is made). Reads the file now; an
 /// unusable one is empty.
 /// `racy_ns`: a file changed less than this before it was read is not kept.
 ManifestCache(const std::filesystem::path& root, const std::filesystem::path& dir, TrustMemo& trust,
               std::function<void(const std::string&)> notes, std::int64_t racy_ns = 1'000'000'000);

 /// Whether the cache may be used (its root and file are trusted).
 [[nodiscard]] bool usable() const { return m_usable; }
 /// The reading of the manifest `name` (at `file`, the directory's path / `name`) kept for
 /// exactly `stamp`, or nullopt.
 std::optional<ManifestReading> find(std::string_view name, const FileStamp& stamp, std::string_view file);
 /// What find would return, as the few fields `torchx --help` needs and without building a
 /// Manifest (no allocation but the summary's lists); nullopt exactly when find's answer is
 /// nullopt. Does not count as a use of the entry (for save).
 [[nodiscard]] std::optional<ManifestSummary> find_summary(std::string_view name, const FileStamp& stamp,
                                                           std::string_view file) const;
 /// Whether the file was read whole and valid, and so needs no rewrite if every entry is used
 /// as it is (`entries()` of them; see save).
 [[nodiscard]] bool whole() const { return m_usable && !m_dirty; }
 /// How many entries the file holds.
 [[nodiscard]] std::size_t entries() const { return m_old.size(); }
 /// Records the reading of `name` at `stamp`, made at `read_at_ns` (CLOCK_REALTIME, before reading).
 void put(const std::string& name, const FileStamp& stamp, const ManifestReading& reading, std::int64_t read_at_ns);
 /// Writes the file when anything differs from what was read (atomically); a failure is a note.
 /// Returns how many entries were served from the cache.
 std::size_t save();

 /// The cache file of `dir` in `root`.
 static std::filesystem::path file_for(const std::filesystem::path& root, const std::filesystem::path& dir);
 /// The same as text.
 static std::string file_text(const std::string& root, std::string_view dir);
 /// One entry's body as the file keeps it: the stamp, then every field of the manifest (or the
 /// error and the claimed name). A field added to Manifest (or Provides, PythonComponent,
 /// CommandDecl) must be added here and to decode_entry: the round-trip test in
 /// tests/abi/test_loader_manifest_cache.cpp names every field and fails until it is.
 static std::string encode_entry(const FileStamp& stamp, const ManifestReading& reading);
 /// The stamp and reading of a body made by encode_entry, or nullopt when it is malformed (a
 /// bad length, count or number, an unknown kind, or bytes left over). Never throws except
 /// std::bad_alloc.
 static std::optional<std::pair<FileStamp, ManifestReading>> decode_entry(std::string_view body);

private:
 /// The entry of the file named `name`, or nullptr.
 const std::pair<std::string_view, std::string_view>* entry(std::string_view name) const;

 std::filesystem::path m_root;
 std::string m_dir;
 std::string m_file;
 std::function<void(const std::string&)> m_notes;
 std::int64_t m_racy_ns;
 bool m_usable = false;
 bool m_dirty = false;
 std::size_t m_hits = 0;
 std::string m_text;  ///< the file as read
 /// Its entries: file name and body, views into m_text (decoded by find, when asked), in name
 /// order (as save writes them).
 std::vector<std::pair<std::string_view, std::string_view>> m_old;
 mutable std::size_t m_next = 0;            ///< where entry() looks first: after the last one found
 std::vector<std::string_view> m_kept;      ///< the names of the entries of m_old used as they were
 std::map<std::string, std::string> m_new;  ///< the entries read anew: file name -> body
};

/// Where the discovery cache lives: $XDG_CACHE_HOME/torchx/plugins, else ~/.cache/torchx/plugins;
/// nullopt in a setuid/setgid process (`inputs.secure`), with TORCHX_PLUGIN_CACHE=0, or without
/// HOME and XDG_CACHE_HOME.
std::optional<std::filesystem::path> default_plugin_cache_root(const SearchPathInputs& inputs);

}  // namespace torchx::loader
