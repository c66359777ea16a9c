// SPDX-License-Identifier: BSD-3-Clause
// PyYAML's implicit resolvers (yaml/resolver.py), written out by hand (no std::regex on user text):
// a plain scalar that one of them matches reads back as a bool, int, float, null, timestamp,
// merge key or value, so the printer must quote it.
#include "yaml_resolver.hpp"

#include <algorithm>
#include <iterator>

namespace torchx::k8s {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// `[0-9][0-9_]*` from `i`; returns the end or npos if no leading digit.
std::size_t digits_underscores(std::string_view s, std::size_t i) {
  if (i >= s.size() || !is_digit(s[i])) return std::string_view::npos;
  ++i;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
  return i;
}
/// `(:[0-5]?[0-9])+` from `i`; greedy is exact here (see the int/float rules' next character).
std::size_t sexagesimal(std::string_view s, std::size_t i) {
  std::size_t n = 0;
  while (i < s.size() && s[i] == ':') {
    if (i + 2 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '5' && is_digit(s[i + 2])) {
      i += 3;
    } else if (i + 1 < s.size() && is_digit(s[i + 1])) {
      i += 2;
    } else {
      break;
    }
    ++n;
  }
  return n == 0 ? std::string_view::npos : i;
}
std::size_t sign(std::string_view s) { return (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0; }
bool all_of_from(std::string_view s, std::size_t i, std::string_view set) {
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (set.find(s[i]) == std::string_view::npos) return false;
  return true;
}
/// `([eE][-+][0-9]+)?` then end.
bool exponent_then_end(std::string_view s, std::size_t i) {
  if (i == s.size()) return true;
  if (s[i] != 'e' && s[i] != 'E') return false;
  if (i + 1 >= s.size() || (s[i + 1] != '-' && s[i + 1] != '+')) return false;
  return all_of_from(s, i + 2, "0123456789");
}

bool matches_int(std::string_view s) {
  const std::size_t p = sign(s);
  if (s.substr(p, 2) == "0b") return all_of_from(s, p + 2, "01_");
  if (s.substr(p, 2) == "0x") return all_of_from(s, p + 2, "0123456789abcdefABCDEF_");
  if (p < s.size() && s[p] == '0') {
    if (p + 1 == s.size()) return true;
    return all_of_from(s, p + 1, "01234567_");
  }
  if (p < s.size() && s[p] >= '1' && s[p] <= '9') {
    const std::size_t e = digits_underscores(s, p);
    if (e == s.size()) return true;
    return sexagesimal(s, e) == s.size();
  }
  return false;
}

bool matches_float(std::string_view s) {
  const std::size_t p = sign(s);
  if (const std::size_t e = digits_underscores(s, p); e != std::string_view::npos) {
    if (e < s.size() && s[e] == '.') {  // [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?
      std::size_t i = e + 1;
      while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
      if (exponent_then_end(s, i)) return true;
    }
    if (const std::size_t x = sexagesimal(s, e); x != std::string_view::npos && x < s.size() && s[x] == '.') {
      std::size_t i = x + 1;  // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
      while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
      if (i == s.size()) return true;
    }
  }
  if (s.size() > 1 && s[0] == '.' && is_digit(s[1])) {  // \.[0-9][0-9_]*([eE][-+][0-9]+)?
    std::size_t i = 2;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
    if (exponent_then_end(s, i)) return true;
  }
  const std::string_view rest = s.substr(p);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") return true;
  return s == ".nan" || s == ".NaN" || s == ".NAN";
}

bool matches_timestamp(std::string_view s) {
  auto digits = [&](std::size_t i, std::size_t n) {
    if (i + n > s.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
      if (!is_digit(s[i + k])) return false;
    return true;
  };
  if (s.size() == 10 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2)) return true;
  // [0-9]{4}-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(\.[0-9]*)?
  //   ([ \t]*(Z|[-+][0-9][0-9]?(:[0-9]{2})?))?
  std::size_t i = 0;
  auto one_or_two = [&]() {
    if (!digits(i, 1)) return false;
    i += digits(i, 2) ? 2 : 1;
    return true;
  };
  if (!digits(0, 4) || s.size() < 5 || s[4] != '-') return false;
  i = 5;
  if (!one_or_two() || i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!one_or_two() || i >= s.size()) return false;
  if (s[i] == 'T' || s[i] == 't') {
    ++i;
  } else if (s[i] == ' ' || s[i] == '\t') {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  } else {
    return false;
  }
  if (!one_or_two() || i >= s.size() || s[i] != ':' || !digits(i + 1, 2)) return false;
  i += 3;
  if (i >= s.size() || s[i] != ':' || !digits(i + 1, 2)) return false;
  i += 3;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i == s.size()) return true;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (i < s.size() && s[i] == 'Z') return i + 1 == s.size();
  if (i >= s.size() || (s[i] != '-' && s[i] != '+')) return false;
  ++i;
  if (!one_or_two()) return false;
  if (i == s.size()) return true;
  return s[i] == ':' && digits(i + 1, 2) && i + 3 == s.size();
}

}  // namespace

bool yaml_resolves_to_non_string(std::string_view s) {
  // Python's `$` also matches before one final "\n"; such strings are never plain anyway.
  if (s.empty()) return true;  // null
  static constexpr std::string_view bools[] = {"yes",   "Yes",   "YES",   "no", "No", "NO", "true", "True", "TRUE",
                                               "false", "False", "FALSE", "on", "On", "ON", "off",  "Off",  "OFF"};
  if (std::find(std::begin(bools), std::end(bools), s) != std::end(bools)) return true;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL" || s == "<<" || s == "=") return true;
  const char c = s[0];
  if (c == '-' || c == '+' || c == '.' || is_digit(c)) {
    if (matches_float(s)) return true;
    if (c != '.' && matches_int(s)) return true;
    if (is_digit(c) && matches_timestamp(s)) return true;
  }
  return false;
}

}  // namespace torchx::k8s
