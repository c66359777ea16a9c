// SPDX-License-Identifier: BSD-3-Clause
// runner::LogFilter (RE2): the input's first line is the pattern, the rest the log line. A
// pattern compiles or throws InvalidLogRegexError; matching any line returns (linear time, no
// recursion); a pattern of plain ASCII letters, digits and spaces matches exactly the lines
// that contain it.
#include "fuzz_check.hpp"

#include "log_filter.hpp"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = torchx::fuzz::text(data, size);
  const auto newline = input.find('\n');
  const std::string pattern(input.substr(0, newline));
  const std::string_view line = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  try {
    const torchx::runner::LogFilter filter(pattern);
    const bool matched = filter.matches(line);
    const bool literal = std::all_of(pattern.begin(), pattern.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
    });
    if (literal) FUZZ_CHECK(matched == (line.find(pattern) != std::string_view::npos));
  } catch (const torchx::runner::InvalidLogRegexError&) {
  }
  return 0;
}
