// SPDX-License-Identifier: BSD-3-Clause
#include "list_index.hpp"

#include <cmath>
#include <type_traits>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

namespace torchx::local {

namespace {

constexpr std::string_view k_header = "torchx-local-list-index 2\n";

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool final_state(std::string_view s) { return s == "SUCCEEDED" || s == "FAILED" || s == "CANCELLED"; }

template <typename T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if constexpr (std::is_floating_point_v<T>) {
    // from_chars reads "nan" and "inf": a time that is not a number would break list's ordering.
    if (!std::isfinite(out)) return false;
  }
  return ec == std::errc{} && end == text.data() + text.size();
}

template <typename T>
void append_number(std::string& out, T v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc{} ? end : buf);
}

bool clean(std::string_view field) { return !field.empty() && field.find_first_of("\t\n\r") == std::string_view::npos; }

}  // namespace

std::unordered_map<std::string, IndexRow> parse_list_index(const std::string& text) {
  std::unordered_map<std::string, IndexRow> rows;
  const std::string_view all(text);
  if (!all.starts_with(k_header) || all.empty() || all.back() != '\n') return {};
  // The trailer: "end <rows> <checksum>\n", the last line; it covers everything before it.
  const std::size_t trailer = all.rfind('\n', all.size() - 2);
  if (trailer == std::string_view::npos || trailer + 1 < k_header.size()) return {};
  const std::string_view body = all.substr(0, trailer + 1);
  const std::string_view last = all.substr(trailer + 1, all.size() - trailer - 2);
  char expected[64];
  std::size_t count = 0;
  std::string_view rest = body.substr(k_header.size());
  rows.reserve(static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '\n')));
  for (std::size_t pos = 0; pos < rest.size();) {
    const std::size_t nl = rest.find('\n', pos);
    const std::string_view line = rest.substr(pos, nl - pos);
    pos = nl + 1;
    std::string_view f[6];
    std::size_t n = 0, start = 0;
    for (; n < 6; ++n) {
      const std::size_t tab = n == 5 ? std::string_view::npos : line.find('\t', start);
      f[n] = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    IndexRow r;
    if (n != 5 || !clean(f[0]) || !final_state(f[1]) || !clean(f[5]) || !parse_number(f[2], r.started_at) ||
        !parse_number(f[3], r.finished_at) || !parse_number(f[4], r.dir_ino) || r.dir_ino == 0) {
      return {};  // not a row we wrote: the whole file is suspect
    }
    r.app_id = f[0];
    r.state = f[1];
    r.name = f[5];
    ++count;
    rows.insert_or_assign(r.app_id, std::move(r));
  }
  std::snprintf(expected, sizeof expected, "end %zu %016llx", count, static_cast<unsigned long long>(fnv1a64(body)));
  if (last != expected) return {};
  return rows;
}

std::string format_list_index(const std::vector<IndexRow>& rows) {
  std::string out(k_header);
  out.reserve(rows.size() * 120 + 64);
  std::size_t count = 0;
  for (const auto& r : rows) {
    if (!clean(r.app_id) || !clean(r.name) || !final_state(r.state) || r.dir_ino == 0) continue;
    out += r.app_id;
    out += '\t';
    out += r.state;
    out += '\t';
    append_number(out, r.started_at);
    out += '\t';
    append_number(out, r.finished_at);
    out += '\t';
    append_number(out, r.dir_ino);
    out += '\t';
    out += r.name;
    out += '\n';
    ++count;
  }
  char trailer[64];
  std::snprintf(trailer, sizeof trailer, "end %zu %016llx\n", count, static_cast<unsigned long long>(fnv1a64(out)));
  out += trailer;
  return out;
}

}  // namespace torchx::local
