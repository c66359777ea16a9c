// SPDX-License-Identifier: BSD-3-Clause
#include "kube_text.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <system_error>

namespace torchx::k8s {

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  const bool cut = text.size() > max;
  if (cut) text = text.substr(0, max);
  out.reserve(text.size());
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte >= 0x7f) {
      std::array<char, 8> buffer{};
      std::snprintf(buffer.data(), buffer.size(), "\\x%02x", byte);
      out += buffer.data();
    } else {
      out += ch;
    }
  }
  if (cut) out += "...";
  return out;
}

namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  unsigned int accumulator = 0;
  int bits = 0;
  std::size_t padding = 0;
  std::size_t symbols = 0;
  for (const char ch : text) {
    if (ch == '\r' || ch == '\n') continue;
    if (ch == '=') {
      ++padding;
      continue;
    }
    if (padding != 0) return std::nullopt;  // data after padding
    const int value = sextet(ch);
    if (value < 0) return std::nullopt;
    ++symbols;
    accumulator = (accumulator << 6) | static_cast<unsigned int>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xffU);
    }
  }
  // A lone symbol in the last group carries fewer than 8 bits; padding only completes a group.
  if (symbols % 4 == 1) return std::nullopt;
  if (padding != 0 && (padding > 2 || (symbols + padding) % 4 != 0)) return std::nullopt;
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned int group = (static_cast<unsigned char>(bytes[i]) << 16U) |
                               (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                               static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(group >> 18U) & 63U];
    out += k_alphabet[(group >> 12U) & 63U];
    out += k_alphabet[(group >> 6U) & 63U];
    out += k_alphabet[group & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    unsigned int group = static_cast<unsigned int>(static_cast<unsigned char>(bytes[i])) << 16U;
    if (rest == 2) group |= static_cast<unsigned int>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
    out += k_alphabet[(group >> 18U) & 63U];
    out += k_alphabet[(group >> 12U) & 63U];
    out += rest == 2 ? k_alphabet[(group >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

namespace {

bool digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, month) || text[7] != '-' ||
      !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start) return std::nullopt;
  }
  if (at >= text.size()) return std::nullopt;
  long offset_seconds = 0;
  if (text[at] == 'Z' || text[at] == 'z') {
    ++at;
  } else if (text[at] == '+' || text[at] == '-') {
    int offset_hours = 0, offset_minutes = 0;
    if (!digits(text, at + 1, 2, offset_hours) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(text, at + 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset_seconds = (offset_hours * 3600L + offset_minutes * 60L) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::tm parts{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  const std::time_t utc = ::timegm(&parts) - offset_seconds;
  // system_clock counts nanoseconds: it ends in 2262. A later time (a token "valid until 2999")
  // is the clock's last instant; an earlier one than 1678, its first.
  using clock = std::chrono::system_clock;
  constexpr auto k_limit = std::chrono::duration_cast<std::chrono::seconds>(clock::duration::max()).count() - 1;
  if (utc >= k_limit) return clock::time_point::max();
  if (utc <= -k_limit) return clock::time_point::min();
  return clock::from_time_t(utc);
}

std::string format_rfc3339(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  std::array<char, 32> buffer{};
  std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer.data();
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view k_space = " \t\r\n\v\f";
  const auto begin = text.find_first_not_of(k_space);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(k_space);
  return text.substr(begin, end - begin + 1);
}

std::string one_line(std::string_view text, std::size_t max) {
  std::string joined;
  bool space = false;
  for (const char ch : trim(text)) {
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f') {
      space = true;
      continue;
    }
    if (space) joined += ' ';
    space = false;
    joined += ch;
  }
  return printable(joined, max);
}

std::string first_line(std::string_view text, std::size_t max) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    if (!line.empty()) return printable(line, max);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return {};
}

std::optional<std::string> read_small_file(const std::filesystem::path& path, std::string& error,
                                           std::size_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) {
    error = ec.message();
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    error = "is a directory";
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status)) {
    error = "is not a regular file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  std::array<char, 65536> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      error = "larger than " + std::to_string(max_bytes >> 20) + " MiB";
      return std::nullopt;
    }
  }
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return text;
}

}  // namespace torchx::k8s
