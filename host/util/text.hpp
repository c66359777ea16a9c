// SPDX-License-Identifier: BSD-3-Clause
// Reading a whole file and trimming text: the one copy the host uses.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace torchx::util {

/// The whole content of the file at `path`, bytes as they are; nullopt when it cannot be opened
/// or read.
std::optional<std::string> read_file(const std::filesystem::path& path);

/// `text` without leading and trailing blanks (space, tab, CR, LF).
std::string trim(std::string_view text);

}  // namespace torchx::util
