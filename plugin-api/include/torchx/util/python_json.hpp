// SPDX-License-Identifier: BSD-3-Clause
// JSON text as Python's `json.dumps(value)` writes it with its defaults (", " and ": " separators,
// ensure_ascii, float repr): files the file tracker writes are byte for byte what Python TorchX's
// fsspec tracker would write, and the CLI prints numbers as Python does (0.1, not Boost's 1E-1).
// Header-only and includes Boost.JSON: include it only where JSON is written, never from a widely
// included header.
#pragma once

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace torchx::util {

/// How python_json_dumps writes.
struct PythonJsonOptions {
  /// Escape every non-ASCII character as `\uXXXX` (Python's default); else keep UTF-8.
  bool ensure_ascii = true;
  /// "," and ":" separators (`separators=(",", ":")`) instead of ", " and ": ".
  bool compact = false;
};

namespace python_json_detail {

inline void append_u(std::string& out, std::uint32_t unit) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(unit));
  out += buf;
}

/// The next code point of UTF-8 `s` at `i` (advancing `i`), or U+FFFD for an invalid sequence.
inline std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i++]);
  int extra = 0;
  std::uint32_t cp = 0;
  if (b0 >= 0xF0 && b0 <= 0xF4) extra = 3, cp = b0 & 0x07U;
  else if (b0 >= 0xE0) extra = 2, cp = b0 & 0x0FU;
  else if (b0 >= 0xC2 && b0 < 0xE0) extra = 1, cp = b0 & 0x1FU;
  else return 0xFFFD;
  if (b0 >= 0xF5) return 0xFFFD;
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3FU);
  }
  const bool overlong = (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  return cp;
}

inline void dump_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7F) append_u(out, c);
          else out += static_cast<char>(c);
      }
      continue;
    }
    if (!ensure_ascii) {
      const std::size_t start = i;
      const std::uint32_t cp = next_code_point(s, i);
      if (cp == 0xFFFD && s.substr(start, i - start) != "\xEF\xBF\xBD") append_u(out, cp);
      else out.append(s.substr(start, i - start));
      continue;
    }
    const std::uint32_t cp = next_code_point(s, i);
    if (cp > 0xFFFF) {
      const std::uint32_t v = cp - 0x10000;
      append_u(out, 0xD800 + (v >> 10));
      append_u(out, 0xDC00 + (v & 0x3FFU));
    } else {
      append_u(out, cp);
    }
  }
  out += '"';
}

/// Python's float repr: the shortest round-tripping digits, fixed notation for decimal-point
/// positions in (-4, 16], else `d.ddde+XX`.
inline void dump_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  bool negative = false;
  if (!sci.empty() && sci.front() == '-') {
    negative = true;
    sci.remove_prefix(1);
  }
  const auto e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::stoi(std::string(sci.substr(e + 1)));
  const int decpt = exponent + 1;  // value = 0.DIGITS x 10^decpt
  if (negative) out += '-';
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
      out += digits + std::string(static_cast<std::size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
    }
    return;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  const int x = decpt - 1;
  char exp[16];
  std::snprintf(exp, sizeof exp, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
  out += exp;
}

inline void dump(std::string& out, const boost::json::value& v, const PythonJsonOptions& o) {
  switch (v.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: out += std::to_string(v.get_int64()); return;
    case boost::json::kind::uint64: out += std::to_string(v.get_uint64()); return;
    case boost::json::kind::double_: dump_double(out, v.get_double()); return;
    case boost::json::kind::string: dump_string(out, v.get_string(), o.ensure_ascii); return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += o.compact ? "," : ", ";
        dump(out, item, o);
        first = false;
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += o.compact ? "," : ", ";
        dump_string(out, kv.key(), o.ensure_ascii);
        out += o.compact ? ":" : ": ";
        dump(out, kv.value(), o);
        first = false;
      }
      out += '}';
      return;
    }
  }
}

}  // namespace python_json_detail

/// `json.dumps(v)`: objects keep their key order; strings escape `"`, `\`, control characters
/// and DEL, and (with ensure_ascii) every non-ASCII character as `\uXXXX` (lower-case hex,
/// surrogate pairs above U+FFFF); invalid UTF-8 becomes `\ufffd`; doubles as Python's `repr`
/// (`1.0`, `1e-05`, `1e+16`, `NaN`, `Infinity`). Never throws except std::bad_alloc.
inline std::string python_json_dumps(const boost::json::value& v, const PythonJsonOptions& options = {}) {
  std::string out;
  python_json_detail::dump(out, v, options);
  return out;
}

}  // namespace torchx::util
