// SPDX-License-Identifier: BSD-3-Clause
// to_yaml: JSON values as block YAML, byte for byte what TorchX's dryrun prints with PyYAML's
// `yaml.dump` (sort_keys=True, width 80, indent 2, allow_unicode=False, indentless sequences in
// mappings). The emitter below follows PyYAML's Emitter state by state for the events a JSON
// value produces (no anchors, tags, flow collections but the empty `[]`/`{}`), so that its
// scalar style choice and line folding are the same. Columns count code points, as Python does.
#include "k8s_render.hpp"
#include "yaml_resolver.hpp"

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::k8s {
namespace {

using Text = std::u32string;

/// UTF-8 → code points. Throws std::invalid_argument for bytes that are not UTF-8 (PyYAML never
/// sees them: a Python str is always text).
Text decode_utf8(std::string_view s) {
  Text out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      len = 4;
    } else
      throw std::invalid_argument("YAML output: a string is not valid UTF-8");
    if (i + len > s.size()) throw std::invalid_argument("YAML output: a string is not valid UTF-8");
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) throw std::invalid_argument("YAML output: a string is not valid UTF-8");
      cp = (cp << 6) | (c & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      throw std::invalid_argument("YAML output: a string is not valid UTF-8");
    out.push_back(cp);
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_break(char32_t c) { return c == U'\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool is_space_or_break(char32_t c) { return c == 0 || c == U' ' || c == U'\t' || c == U'\r' || is_break(c); }

struct Analysis {
  bool empty = false;
  bool multiline = false;
  bool allow_block_plain = true;
  bool allow_single_quoted = true;
};

/// PyYAML's `Emitter.analyze_scalar` (allow_unicode=False; only the answers block context needs).
Analysis analyze(const Text& s) {
  Analysis a;
  if (s.empty()) {
    a.empty = true;
    return a;
  }
  bool block_indicators = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false;
  if (s.starts_with(U"---") || s.starts_with(U"...")) block_indicators = true;
  bool preceded_by_ws = true;
  bool followed_by_ws = s.size() == 1 || is_space_or_break(s[1]);
  bool previous_space = false, previous_break = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t ch = s[i];
    if (i == 0) {
      if (std::u32string_view(U"#,[]{}&*!|>'\"%@`").find(ch) != std::u32string_view::npos) block_indicators = true;
      if ((ch == U'?' || ch == U':') && followed_by_ws) block_indicators = true;
      if (ch == U'-' && followed_by_ws) block_indicators = true;
    } else {
      if (ch == U':' && followed_by_ws) block_indicators = true;
      if (ch == U'#' && preceded_by_ws) block_indicators = true;
    }
    if (is_break(ch)) line_breaks = true;
    if (!(ch == U'\n' || (ch >= 0x20 && ch <= 0x7E))) special = true;  // allow_unicode=False
    if (ch == U' ') {
      if (i == 0) leading_space = true;
      if (i == s.size() - 1) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (is_break(ch)) {
      if (i == 0) leading_break = true;
      if (i == s.size() - 1) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = is_space_or_break(ch);
    followed_by_ws = i + 2 >= s.size() || is_space_or_break(s[i + 2]);
  }
  if (leading_space || leading_break || trailing_space || trailing_break) a.allow_block_plain = false;
  if (break_space) a.allow_block_plain = a.allow_single_quoted = false;
  if (space_break || special) a.allow_block_plain = a.allow_single_quoted = false;
  if (line_breaks) a.allow_block_plain = false;
  if (block_indicators) a.allow_block_plain = false;
  a.multiline = line_breaks;
  return a;
}

class Emitter {
 public:
  std::string out;

  void document(const boost::json::value& v, bool first) {
    if (!first) {
      write_indent();
      write_indicator("---", true);
    }
    node(v, /*root=*/true, /*mapping=*/false, /*simple_key=*/false);
    write_indent();  // expect_document_end (implicit end)
  }
  void stream_end() {
    if (m_open_ended) {
      write_indicator("...", true);
      write_indent();
    }
  }

 private:
  static constexpr int k_best_indent = 2;
  static constexpr int k_best_width = 80;
  int m_column = 0;
  bool m_whitespace = true;
  bool m_indention = true;
  bool m_open_ended = false;
  bool m_root_context = false;
  int m_indent = -1;  // None
  std::vector<int> m_indents;

  void write_raw(const Text& t, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) append_utf8(out, t[i]);
    m_column += static_cast<int>(to - from);
  }
  void write_ascii(std::string_view s) {
    out += s;
    m_column += static_cast<int>(s.size());
  }
  void write_indicator(std::string_view indicator, bool need_whitespace, bool whitespace = false,
                       bool indention = false) {
    if (!m_whitespace && need_whitespace) write_ascii(" ");
    write_ascii(indicator);
    m_whitespace = whitespace;
    m_indention = m_indention && indention;
    m_open_ended = false;
  }
  void write_line_break() {
    out += '\n';
    m_whitespace = true;
    m_indention = true;
    m_column = 0;
  }
  void write_indent() {
    const int indent = m_indent < 0 ? 0 : m_indent;
    if (!m_indention || m_column > indent || (m_column == indent && !m_whitespace)) write_line_break();
    if (m_column < indent) {
      m_whitespace = true;
      out.append(static_cast<std::size_t>(indent - m_column), ' ');
      m_column = indent;
    }
  }
  void increase_indent(bool flow, bool indentless = false) {
    m_indents.push_back(m_indent);
    if (m_indent < 0) {
      m_indent = flow ? k_best_indent : 0;
    } else if (!indentless) {
      m_indent += k_best_indent;
    }
  }
  void pop_indent() {
    m_indent = m_indents.back();
    m_indents.pop_back();
  }

  void node(const boost::json::value& v, bool root, bool mapping, bool simple_key) {
    m_root_context = root;
    if (v.is_array()) {
      const auto& a = v.get_array();
      if (a.empty()) {
        empty_flow("[", "]");
        return;
      }
      increase_indent(false, /*indentless=*/mapping && !m_indention);
      for (const auto& item : a) {
        write_indent();
        write_indicator("-", true, false, /*indention=*/true);
        node(item, false, false, false);
      }
      pop_indent();
    } else if (v.is_object()) {
      const auto& o = v.get_object();
      if (o.empty()) {
        empty_flow("{", "}");
        return;
      }
      std::vector<const boost::json::key_value_pair*> items;
      items.reserve(o.size());
      for (const auto& kv : o) items.push_back(&kv);
      std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });  // sort_keys
      increase_indent(false);
      for (const auto* kv : items) {
        write_indent();
        const Text key = decode_utf8(kv->key());
        const Analysis ka = analyze(key);
        // check_simple_key: "!!str" (5) + the key under 128, one line, not empty.
        m_root_context = false;
        if (key.size() + 5 < 128 && !ka.empty && !ka.multiline) {
          scalar_string(key, kv->key(), /*simple_key=*/true);
          write_indicator(":", false);
        } else {
          write_indicator("?", true, false, true);
          scalar_string(key, kv->key(), false);
          write_indent();
          write_indicator(":", true, false, true);
        }
        node(kv->value(), false, true, false);
      }
      pop_indent();
    } else if (v.is_string()) {
      const auto& s = v.get_string();
      scalar_string(decode_utf8(s), s, simple_key);
    } else {
      increase_indent(true);
      write_plain(decode_utf8(plain_text(v)), true);
      pop_indent();
    }
  }

  void empty_flow(std::string_view open, std::string_view close) {
    write_indicator(open, true, /*whitespace=*/true);
    increase_indent(true);
    pop_indent();
    write_indicator(close, false);
  }

  static std::string plain_text(const boost::json::value& v) {
    if (v.is_null()) return "null";
    if (v.is_bool()) return v.get_bool() ? "true" : "false";
    if (v.is_int64()) return std::to_string(v.get_int64());
    if (v.is_uint64()) return std::to_string(v.get_uint64());
    const double d = v.get_double();  // represent_float: repr(d).lower(), ".0" before a bare exponent
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    return python_float_repr(d);
  }

  /// Python's repr(float) (the shortest round-trip digits; fixed notation for exponents -4..15,
  /// else `d.ddde+XX`), then PyYAML's ".0" before a bare exponent.
  static std::string python_float_repr(double d) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    const std::string sci(buf, res.ptr);  // "-1.2345e+17"
    const auto e = sci.find('e');
    const int exp = std::stoi(sci.substr(e + 1));
    const bool negative = sci.front() == '-';
    std::string digits;
    for (const char c : sci.substr(0, e))
      if (c >= '0' && c <= '9') digits.push_back(c);
    std::string out = negative ? "-" : "";
    if (exp >= -4 && exp < 16) {
      if (exp < 0) {
        out += "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
      } else if (static_cast<std::size_t>(exp) + 1 >= digits.size()) {
        out += digits + std::string(static_cast<std::size_t>(exp) + 1 - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, static_cast<std::size_t>(exp) + 1) + "." +
               digits.substr(static_cast<std::size_t>(exp) + 1);
      }
      return out;
    }
    out += digits.substr(0, 1);
    out += digits.size() > 1 ? "." + digits.substr(1) : ".0";  // PyYAML: "1e+20" -> "1.0e+20"
    char exponent[16];
    std::snprintf(exponent, sizeof exponent, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + exponent;
  }

  void scalar_string(const Text& t, std::string_view utf8, bool simple_key) {
    const Analysis a = analyze(t);
    char style = '"';
    if (!yaml_resolves_to_non_string(utf8) && !(simple_key && (a.empty || a.multiline)) && a.allow_block_plain) {
      style = ' ';
    } else if (a.allow_single_quoted && !(simple_key && a.multiline)) {
      style = '\'';
    }
    increase_indent(true);
    const bool split = !simple_key;
    if (style == ' ')
      write_plain(t, split);
    else if (style == '\'')
      write_single_quoted(t, split);
    else
      write_double_quoted(t, split);
    pop_indent();
  }

  void write_plain(const Text& text, bool split) {
    if (m_root_context) m_open_ended = true;
    if (text.empty()) return;
    if (!m_whitespace) write_ascii(" ");
    m_whitespace = false;
    m_indention = false;
    bool spaces = false, breaks = false;
    std::size_t start = 0;
    for (std::size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != U' ') {
          if (start + 1 == end && m_column > k_best_width && split) {
            write_indent();
            m_whitespace = false;
            m_indention = false;
          } else {
            write_raw(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !is_break(ch)) {
          if (text[start] == U'\n') write_line_break();
          for (std::size_t k = start; k < end; ++k) write_line_break();  // only '\n' reaches here
          write_indent();
          m_whitespace = false;
          m_indention = false;
          start = end;
        }
      } else if (at_end || ch == U' ' || is_break(ch)) {
        write_raw(text, start, end);
        start = end;
      }
      if (!at_end) {
        spaces = ch == U' ';
        breaks = is_break(ch);
      }
    }
  }

  void write_single_quoted(const Text& text, bool split) {
    write_indicator("'", true);
    bool spaces = false, breaks = false;
    std::size_t start = 0;
    for (std::size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != U' ') {
          if (start + 1 == end && m_column > k_best_width && split && start != 0 && end != text.size()) {
            write_indent();
          } else {
            write_raw(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !is_break(ch)) {
          if (text[start] == U'\n') write_line_break();
          for (std::size_t k = start; k < end; ++k) write_line_break();
          write_indent();
          start = end;
        }
      } else if (at_end || ch == U' ' || is_break(ch) || ch == U'\'') {
        if (start < end) {
          write_raw(text, start, end);
          start = end;
        }
      }
      if (ch == U'\'' && !at_end) {
        write_ascii("''");
        start = end + 1;
      }
      if (!at_end) {
        spaces = ch == U' ';
        breaks = is_break(ch);
      }
    }
    write_indicator("'", false);
  }

  static std::string escape(char32_t ch) {
    switch (ch) {
      case 0:
        return "\\0";
      case 0x07:
        return "\\a";
      case 0x08:
        return "\\b";
      case 0x09:
        return "\\t";
      case 0x0A:
        return "\\n";
      case 0x0B:
        return "\\v";
      case 0x0C:
        return "\\f";
      case 0x0D:
        return "\\r";
      case 0x1B:
        return "\\e";
      case U'"':
        return "\\\"";
      case U'\\':
        return "\\\\";
      case 0x85:
        return "\\N";
      case 0xA0:
        return "\\_";
      case 0x2028:
        return "\\L";
      case 0x2029:
        return "\\P";
      default:
        break;
    }
    char buf[16];
    if (ch <= 0xFF)
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(ch));
    else if (ch <= 0xFFFF)
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(ch));
    else
      std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(ch));
    return buf;
  }

  void write_double_quoted(const Text& text, bool split) {
    write_indicator("\"", true);
    std::size_t start = 0;
    for (std::size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      if (at_end || ch == U'"' || ch == U'\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xFEFF ||
          !(ch >= 0x20 && ch <= 0x7E)) {
        if (start < end) {
          write_raw(text, start, end);
          start = end;
        }
        if (!at_end) {
          write_ascii(escape(ch));
          start = end + 1;
        }
      }
      if (0 < end && end + 1 < text.size() && (ch == U' ' || start >= end) &&
          m_column + static_cast<int>(end - start) > k_best_width && split) {
        // Python: data = text[start:end] + '\\' (an empty slice when start >= end).
        if (start < end) {
          write_raw(text, start, end);
          start = end;
        }
        write_ascii("\\");
        write_indent();
        m_whitespace = false;
        m_indention = false;
        if (text[start] == U' ') write_ascii("\\");
      }
    }
    write_indicator("\"", false);
  }
};

}  // namespace

std::string to_yaml(const boost::json::value& v, bool as_documents) {
  Emitter e;
  if (as_documents && v.is_array()) {
    bool first = true;
    for (const auto& doc : v.get_array()) {
      e.document(doc, first);
      first = false;
    }
  } else {
    e.document(v, true);
  }
  e.stream_end();
  return std::move(e.out);
}

}  // namespace torchx::k8s
