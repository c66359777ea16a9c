// SPDX-License-Identifier: BSD-3-Clause
// Checks on text a user controls: UTF-8 validity, checked integer parsing, printable quoting.
// Each runs in linear time and constant stack, whatever the input's length.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace torchx::util {

/// The offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no
/// overlong forms, no surrogates, nothing past U+10FFFF), or nullopt if all of it is.
std::optional<std::size_t> invalid_utf8_offset(std::string_view text);

/// True when `text` is well-formed UTF-8.
inline bool is_valid_utf8(std::string_view text) { return !invalid_utf8_offset(text).has_value(); }

/// `text` for a one-line message: bytes that are not valid UTF-8 and control characters are
/// written as `\xNN`, and text longer than `max_bytes` is cut with "..." and the total length.
std::string printable(std::string_view text, std::size_t max_bytes = 80);

/// A decimal integer of type T that is all of `text` (an optional leading '-' for signed types,
/// then digits; no '+', no spaces), or nullopt when it is not one or does not fit in T.
template <typename T>
std::optional<T> parse_integer(std::string_view text) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

}  // namespace torchx::util
