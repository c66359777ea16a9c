// SPDX-License-Identifier: BSD-3-Clause
// Whole-file reads and writes and word splitting without iostreams: the plugin carries its own
// libstdc++, and its first stream builds the classic locale (~80 K instructions of every submit;
// bench/README.md, "The plugin side of a submit (fourth session)").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::slurm {

/// The whole content of `path`, or nullopt when it cannot be opened or read.
std::optional<std::string> read_text_file(const std::filesystem::path& path);

/// Creates or truncates `path` (mode 0666 less the umask, as std::ofstream) and writes `text`;
/// false (errno set) when it cannot be opened or written in full.
bool write_text_file(const std::filesystem::path& path, std::string_view text);

/// Writes `text` to a temporary file beside `path` and renames it over `path`, so that a reader
/// sees the old content or the new one, never a part (a crash or a full disk leaves `path` as it
/// was and no temporary behind). False, with errno set, when it could not (the temporary is
/// removed). No fsync: a power loss may lose the newest content, not corrupt it, on ext4/xfs.
bool replace_text_file(const std::filesystem::path& path, std::string_view text);

/// The words of `text` split on the characters `std::istream >> std::string` skips in the
/// classic locale (space, \t, \n, \v, \f, \r); no empty words.
std::vector<std::string> split_words(std::string_view text);

}  // namespace torchx::slurm
