// SPDX-License-Identifier: BSD-3-Clause
// What every harness shares: the input as text, splitting it into fields, and FUZZ_CHECK, an
// invariant that aborts (a libFuzzer finding) with the condition's text when it does not hold.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

/// Aborts with the failed condition: libFuzzer reports it and keeps the input as a reproducer.
#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace torchx::fuzz {

/// The fuzzer's bytes as text (any bytes: NUL, invalid UTF-8).
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// `text` split on `sep`, keeping empty fields; at least one field.
inline std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

/// Whether `text` may hold a number that Boost.JSON 1.81 reads off by an ulp: its parser is
/// exact only on Clinger's fast path (at most 15 digits, no exponent); 1.83's precise mode is
/// not in Debian 12. Such a number may move once on the round trip (fuzz/README.md).
inline bool may_hold_inexact_number(std::string_view text) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 15) return true;
      if (i + 1 < text.size() && (text[i + 1] == 'e' || text[i + 1] == 'E')) return true;
    } else if (c != '.') {
      digits = 0;
    }
  }
  return false;
}

}  // namespace torchx::fuzz
