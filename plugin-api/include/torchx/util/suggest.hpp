// SPDX-License-Identifier: BSD-3-Clause
// "Did you mean" suggestions for mistyped names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::util {

/// The edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two
/// adjacent characters, each counting 1 (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if one is close enough to be a plausible typo: distance at
/// most max(1, len/3), or `word` is a prefix of it. Ties go to the earliest candidate.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// ": did you mean 'x'?" for the closest match, or "" when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace torchx::util
