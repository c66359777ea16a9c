// SPDX-License-Identifier: BSD-3-Clause
// Shell quoting as Python's shlex does it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace torchx::util {

/// Python's `shlex.quote`: the word unchanged if it is non-empty and made only of
/// `[A-Za-z0-9_@%+=:,./-]`, else wrapped in single quotes with each `'` written as `'"'"'`.
/// The result reaches a POSIX shell as exactly `word`, byte for byte.
std::string shell_quote(std::string_view word);

/// Each word quoted, joined by spaces (Python's `shlex.join`).
std::string shell_join(const std::vector<std::string>& words);

}  // namespace torchx::util
