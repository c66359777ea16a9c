// SPDX-License-Identifier: BSD-3-Clause
#include "base32.hpp"

#include <cstdint>

namespace torchx::trackers {
namespace {
constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::string b32encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  for (std::size_t i = 0; i < bytes.size(); i += 5) {
    std::uint64_t block = 0;
    const std::size_t n = std::min<std::size_t>(5, bytes.size() - i);
    for (std::size_t j = 0; j < 5; ++j) {
      block = (block << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0U);
    }
    // 1..5 input bytes give 2, 4, 5, 7 or 8 characters; the rest is padding.
    static constexpr std::size_t k_chars[] = {0, 2, 4, 5, 7, 8};
    for (std::size_t c = 0; c < 8; ++c) {
      out += c < k_chars[n] ? k_alphabet[(block >> (35 - 5 * c)) & 31U] : '=';
    }
  }
  return out;
}

std::optional<std::string> b32decode(std::string_view text) {
  if (text.size() % 8 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 8) {
    std::uint64_t block = 0;
    std::size_t chars = 0;
    bool padding = false;
    for (std::size_t c = 0; c < 8; ++c) {
      const char ch = text[i + c];
      if (ch == '=') {
        if (i + 8 != text.size()) return std::nullopt;  // padding only in the last block
        padding = true;
        block <<= 5;
        continue;
      }
      const auto pos = k_alphabet.find(ch);
      if (pos == std::string_view::npos || padding) return std::nullopt;
      block = (block << 5) | pos;
      ++chars;
    }
    std::size_t n = 0;
    switch (chars) {
      case 8: n = 5; break;
      case 7: n = 4; break;
      case 5: n = 3; break;
      case 4: n = 2; break;
      case 2: n = 1; break;
      default: return std::nullopt;
    }
    for (std::size_t j = 0; j < n; ++j) out += static_cast<char>((block >> (32 - 8 * j)) & 0xFFU);
  }
  return out;
}

}  // namespace torchx::trackers
