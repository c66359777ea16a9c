// SPDX-License-Identifier: BSD-3-Clause
// ListIndex: a cache of the finished apps' list rows, so that `list` costs one stat per app
// instead of reading and parsing every app's files.
//
// <root>/.list-index (hidden: `list` skips every name starting with '.'):
//   torchx-local-list-index 1
//   <app_id> TAB <state> TAB <started_at> TAB <finished_at> TAB <ino> TAB <mtime_ns> TAB <size> TAB <name>
//   ...
//   end <rows> <fnv1a64 of every byte before this line, hex>
//
// The rules (docs/local_cwd.md, "The list index"):
// - state.json is the truth; the index is derived from it and never trusted over it. A row is used
//   only for an app whose directory exists now (the root's listing decides which apps exist) and
//   whose state.json has, now, the inode, mtime and size the row recorded (it is replaced by
//   rename on every change, so any change gives another inode). Anything else is read from the
//   app's own files.
// - Only finished apps (SUCCEEDED, FAILED, CANCELLED) have rows: their state.json never changes
//   again (only the lock holder writes it, and a final state is the last write), so the stamp
//   check nearly always passes. Running apps are read (and settled, if their supervisor died)
//   every time.
// - A file that is not exactly this format (another version, cut short, edited: the trailer's
//   count and checksum do not match) is ignored as a whole and rebuilt from the apps' files.
// - Writers (any `list`) replace the whole file atomically (write + rename) when what they found
//   differs from it; no lock: two concurrent writers each write a cache derived from the disk, and
//   either one is valid, since every row is checked again when used. A read-only root is fine
//   (the write fails silently; list still answers).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace torchx::local {

/// Which state.json a row was derived from: it is replaced by rename, so a change means another inode.
struct FileStamp {
  std::uint64_t ino = 0;
  std::uint64_t mtime_ns = 0;
  std::uint64_t size = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

/// The stamp of the file at `path` relative to `dirfd` (not following a last symlink), or nullopt.
std::optional<FileStamp> file_stamp(int dirfd, const char* path);
/// The stamp of the open file `fd`, or nullopt.
std::optional<FileStamp> file_stamp(int fd);

/// One finished app's list row, and the state.json it came from.
struct IndexRow {
  std::string app_id;
  std::string state;  ///< SUCCEEDED, FAILED or CANCELLED
  std::string name;
  double started_at = 0;   ///< epoch seconds, 0 if unknown
  double finished_at = 0;  ///< epoch seconds, 0 if unknown
  FileStamp stamp;
  friend bool operator==(const IndexRow&, const IndexRow&) = default;
};

/// The file's name in the state root.
inline constexpr const char* k_list_index_file = ".list-index";

/// The rows of index text `text`, by app id; empty if the text is not a complete index of this
/// version (see the header). Never throws except std::bad_alloc.
std::unordered_map<std::string, IndexRow> parse_list_index(const std::string& text);

/// The index text of `rows`, in their order. A row whose id or name holds a tab, a line break or
/// nothing, or whose state is not a final one, is left out (it is read from its files each time).
std::string format_list_index(const std::vector<IndexRow>& rows);

}  // namespace torchx::local
