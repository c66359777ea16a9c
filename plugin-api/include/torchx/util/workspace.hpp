// SPDX-License-Identifier: BSD-3-Clause
// Workspaces as TorchX's walk_workspace reads them: a directory, minus what its ignore file
// (`.torchxignore`; `.dockerignore` for image builds) names. Part of the SDK: the slurm plugin
// copies a workspace into job_dir with it, image-building plugins select a build context.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::util {

/// The ignore file of a workspace copied as files (TorchX's TORCHX_IGNORE).
inline constexpr std::string_view k_torchx_ignore = ".torchxignore";

/// The patterns of an ignore file's text, in order: each line up to its first `#`, trimmed;
/// blank lines and "." are dropped. A pattern starting with `!` un-ignores what it matches.
std::vector<std::string> parse_ignore_patterns(std::string_view text);

/// Python's fnmatch.fnmatch on POSIX: `*` matches any run of characters (`/` included), `?` one
/// character, `[abc]`, `[a-z]`, `[!abc]` one character of (not of) the set; an unclosed `[` and
/// every other character (`\` included) match themselves. Iterative: time O(|pattern|·|text|),
/// no recursion, whatever the input.
bool fnmatch(std::string_view pattern, std::string_view text);

/// How `patterns` judge one path (TorchX's `_ignore`).
struct IgnoreMatch {
  int last_pattern = -1;  ///< index of the last pattern that matched (`!` ones too), -1 for none
  bool ignored = false;   ///< the last matching pattern is not a `!` one
};

/// Judges `rel_path` (relative to the workspace root, '/'-separated, no "./" prefix) against
/// `patterns`: the last matching pattern wins. "." and "Dockerfile.torchx" are never ignored.
IgnoreMatch match_ignore(std::string_view rel_path, std::span<const std::string> patterns);

/// The files of the workspace `root` that its ignore file `ignore_name` keeps (TorchX's
/// walk_workspace): relative '/'-separated paths, sorted. An ignored directory is not entered;
/// inside a kept directory only the patterns after the last one that matched the directory apply
/// (so `!dir` then `dir/*.tmp` works as read). Symbolic links to directories are not followed; a
/// link to a file counts as the file; a link that cannot be followed (dangling, a loop) and
/// anything but a regular file or a directory (FIFO, socket, device) are skipped. Throws std::filesystem::filesystem_error when `root` cannot
/// be read, and std::invalid_argument when `root` is the root directory (a walk of /proc and /dev
/// reads files that never end).
std::vector<std::string> workspace_files(const std::filesystem::path& root,
                                         std::string_view ignore_name = k_torchx_ignore);

/// Copies workspace_files(from, ignore_name) into the existing directory `to`, creating the
/// directories they need; file permissions are kept (TorchX's copy loses the executable bit).
/// Throws std::filesystem::filesystem_error on an I/O error.
void copy_workspace(const std::filesystem::path& from, const std::filesystem::path& to,
                    std::string_view ignore_name = k_torchx_ignore);

}  // namespace torchx::util
