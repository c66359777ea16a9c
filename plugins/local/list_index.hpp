// SPDX-License-Identifier: BSD-3-Clause
// ListIndex: a cache of the finished apps' list rows, so that `list` costs no system call per
// finished app beyond reading the state root's directory.
//
// <root>/.list-index (hidden: `list` skips every name starting with '.'):
//   torchx-local-list-index 2
//   <app_id> TAB <state> TAB <started_at> TAB <finished_at> TAB <dir_ino> TAB <name>
//   ...
//   end <rows> <fnv1a64 of every byte before this line, hex>
//
// The rules (docs/local_cwd.md, "The list index"):
// - state.json is the truth; the index is derived from it and never trusted over it for anything
//   that can change. A row is used only for an app whose directory is in the root's listing now
//   with the inode number (readdir's d_ino, no extra system call) the row recorded: a deleted app
//   has no entry, and an app re-created under the same id is another directory, another inode.
// - Only finished apps (SUCCEEDED, FAILED, CANCELLED) have rows: torchx never writes a finished
//   app's state.json again (only the lock holder writes it; the supervisor writes its final state
//   once, and a reader settles only an app that is not final), so the row stays right for as long
//   as the directory lives. Running apps are read (and settled, if their supervisor died) every
//   time. What the index cannot see: a finished app's state.json edited by hand in place (or its
//   directory replaced by one that reuses the same inode number); `status` and `describe` always
//   read the file, and removing .list-index makes the next `list` read every app again.
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

/// One finished app's list row, and the directory it came from.
struct IndexRow {
  std::string app_id;
  std::string state;  ///< SUCCEEDED, FAILED or CANCELLED
  std::string name;
  double started_at = 0;   ///< epoch seconds, 0 if unknown
  double finished_at = 0;  ///< epoch seconds, 0 if unknown
  std::uint64_t dir_ino = 0;  ///< the app directory's inode number, as readdir reports it (never 0)
  friend bool operator==(const IndexRow&, const IndexRow&) = default;
};

/// The file's name in the state root.
inline constexpr const char* k_list_index_file = ".list-index";

/// The rows of index text `text`, by app id; empty if the text is not a complete index of this
/// version (see the header). Never throws except std::bad_alloc.
std::unordered_map<std::string, IndexRow> parse_list_index(const std::string& text);

/// The index text of `rows`, in their order. A row whose id or name holds a tab, a line break or
/// nothing, whose state is not a final one, or whose dir_ino is 0, is left out (it is read from its files each time).
std::string format_list_index(const std::vector<IndexRow>& rows);

}  // namespace torchx::local
