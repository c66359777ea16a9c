// SPDX-License-Identifier: BSD-3-Clause
#include "json_detail.hpp"

#include <torchx/specs/json_text.hpp>

#include <cstdint>
#include <cstring>

namespace torchx::specs {

JsonText JsonText::string(std::string_view s) { return JsonText{boost::json::serialize(boost::json::value(s))}; }

JsonText JsonText::parse(std::string_view text) {
  return JsonText{boost::json::serialize(detail::parse(text, "value"))};
}

std::string JsonText::as_string(bool* ok) const {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const bool is_str = !ec && v.is_string();
  if (ok != nullptr) *ok = is_str;
  return is_str ? std::string(v.get_string()) : std::string{};
}

namespace {

/// The index of the first byte of `text` at or after `from` that a JSON string must escape (a
/// control character, '"' or '\\'), or text.size(); eight bytes a step where it can.
std::size_t find_json_escape(std::string_view text, std::size_t from) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t v;
    std::memcpy(&v, text.data() + i, 8);
    const std::uint64_t quote = v ^ (ones * '"');
    const std::uint64_t backslash = v ^ (ones * '\\');
    // (x - ones * n) & ~x & highs is nonzero exactly when a byte of x is below n (n <= 0x80): a
    // byte below 0x20, or one equal to '"' or '\\' (zero after the xor).
    const std::uint64_t hits =
        (((v - ones * 0x20) & ~v) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs;
    if (hits != 0) break;  // the exact byte is found one at a time below
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // the first byte not yet copied
  while (true) {
    const std::size_t i = find_json_escape(text, run);
    out.append(text.data() + run, i - run);
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += k_hex[c >> 4];
        out += k_hex[c & 0xf];
    }
  }
  out += '"';
}

}  // namespace torchx::specs
