// SPDX-License-Identifier: BSD-3-Clause
#include "prefixed_lines.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace torchx::cli {

void PrefixedLines::reserve(std::size_t bytes, std::size_t keep) {
  if (bytes <= m_capacity) return;
  const std::size_t capacity = std::max(bytes, m_capacity * 2);
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  if (keep > 0) std::memcpy(bigger.get(), m_buffer.get(), keep);
  m_buffer = std::move(bigger);
  m_capacity = capacity;
}

std::string_view PrefixedLines::format(std::string_view lines) {
  if (lines.empty()) return {};
  const std::size_t plen = m_prefix.size();
  // Room for lines of ~8 bytes on average; a batch of shorter lines grows the buffer below.
  constexpr std::size_t k_slack = 64;
  reserve(lines.size() + (lines.size() / 8 + 1) * plen + k_slack, 0);
  char* o = m_buffer.get();
  const char* p = lines.data();
  const char* const end = p + lines.size();
  std::memcpy(o, m_prefix.data(), plen);
  o += plen;
#if defined(__SSE2__)
  if (plen <= 16) {
    // 16 bytes at a time: each block is stored whole, then, at each '\n' in it, the prefix and
    // the rest of the block are stored again after the line break. Bytes stored past the end
    // are overwritten or not part of the result. Loads stay within `lines`: a block is taken
    // only when 32 bytes are left (the rest of a block is loaded from inside it).
    char prefix16[16] = {};
    std::memcpy(prefix16, m_prefix.data(), plen);
    const __m128i prefix = _mm_loadu_si128(reinterpret_cast<const __m128i*>(prefix16));
    const __m128i newline = _mm_set1_epi8('\n');
    const std::size_t block_room = 16 + 16 * (plen + 16) + k_slack;  // the most one block may store
    while (end - p >= 32) {
      if (m_capacity - static_cast<std::size_t>(o - m_buffer.get()) < block_room) {
        const std::size_t used = static_cast<std::size_t>(o - m_buffer.get());
        reserve(used + static_cast<std::size_t>(end - p) * (plen + 1) + k_slack, used);
        o = m_buffer.get() + used;
      }
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
      if (mask == 0) {
        o += 16;
        p += 16;
        continue;
      }
      const char* rest = p;  // the part of the block stored at `o`, not yet counted
      do {
        const char* after = p + __builtin_ctz(mask) + 1;
        o += after - rest;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), prefix);
        o += plen;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_loadu_si128(reinterpret_cast<const __m128i*>(after)));
        rest = after;
        mask &= mask - 1;
      } while (mask != 0);
      o += p + 16 - rest;
      p += 16;
    }
  }
#endif
  // The rest (all of it without SSE2 or with a long prefix): line by line.
  const std::size_t used = static_cast<std::size_t>(o - m_buffer.get());
  reserve(used + static_cast<std::size_t>(end - p) * (plen + 1) + k_slack, used);
  o = m_buffer.get() + used;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* after = nl != nullptr ? nl + 1 : end;
    std::memcpy(o, p, static_cast<std::size_t>(after - p));
    o += after - p;
    p = after;
    if (p < end) {
      std::memcpy(o, m_prefix.data(), plen);
      o += plen;
    }
  }
  return {m_buffer.get(), static_cast<std::size_t>(o - m_buffer.get())};
}

}  // namespace torchx::cli
