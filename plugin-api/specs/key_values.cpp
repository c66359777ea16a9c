// SPDX-License-Identifier: BSD-3-Clause
// parse_key_values: TorchX's `k=v,k2=v2` parser (util.types.to_dict) plus quoting.
#include <torchx/specs/errors.hpp>
#include <torchx/specs/run_opts.hpp>

namespace torchx::specs {
namespace {

/// One character of the literal and whether it was inside quotes (quotes themselves dropped).
struct Char {
  char c;
  bool quoted;
};
using Text = std::vector<Char>;

bool is_space(const Char& ch) { return !ch.quoted && (ch.c == ' ' || ch.c == '\t' || ch.c == '\n'); }

Text strip(const Text& t) {
  std::size_t b = 0;
  std::size_t e = t.size();
  while (b < e && is_space(t[b])) ++b;
  while (e > b && is_space(t[e - 1])) --e;
  return Text(t.begin() + static_cast<std::ptrdiff_t>(b), t.begin() + static_cast<std::ptrdiff_t>(e));
}

/// The literal as it was written, for error messages.
std::string shown(const Text& t) {
  std::string s;
  for (const auto& ch : t) {
    if (!(ch.quoted && ch.c == '\0')) s += ch.c;
  }
  return "'" + s + "'";
}

}  // namespace

Dict<std::string> parse_key_values(std::string_view literal) {
  Dict<std::string> out;
  if (literal.empty()) return out;
  const std::string quoted_literal = "'" + std::string(literal) + "'";

  Text text;
  char quote = 0;
  for (char c : literal) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      else text.push_back({c, true});
    } else if (c == '\'' || c == '"') {
      quote = c;
      text.push_back({'\0', true});  // marks an (empty) quoted run, so k='' keeps its value
    } else {
      text.push_back({c, false});
    }
  }
  if (quote != 0) throw KeyValueParseError("invalid key=value list " + quoted_literal + ": unterminated quote");

  // Split on unquoted '=', dropping empty pieces (TorchX does too).
  std::vector<Text> pieces;
  Text current;
  for (const auto& ch : text) {
    if (ch.c == '=' && !ch.quoted) {
      if (!strip(current).empty()) pieces.push_back(strip(current));
      current.clear();
    } else {
      current.push_back(ch);
    }
  }
  if (!strip(current).empty()) pieces.push_back(strip(current));
  if (pieces.size() < 2) {
    throw KeyValueParseError("invalid key=value list " + quoted_literal + ": expected at least one 'key=value' pair");
  }

  auto clean = [](const Text& t) {  // drop the quoted-run markers
    std::string s;
    for (const auto& ch : t) {
      if (!(ch.quoted && ch.c == '\0')) s += ch.c;
    }
    return s;
  };
  auto add = [&](const Text& key, const Text& value) {
    const std::string k = clean(key);
    if (k.empty()) throw KeyValueParseError("invalid key=value list " + quoted_literal + ": empty key");
    if (out.contains(k)) throw KeyValueParseError("invalid key=value list " + quoted_literal + ": '" + k + "' given twice");
    out.set(k, clean(value));
  };

  Text key = pieces.front();
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    // A middle piece is value<delim>next_key, split at its last unquoted ',' or ';'.
    const Text& vk = pieces[i];
    std::size_t idx = vk.size();
    for (std::size_t j = vk.size(); j-- > 0;) {
      if (!vk[j].quoted && (vk[j].c == ',' || vk[j].c == ';')) {
        idx = j;
        break;
      }
    }
    if (idx == vk.size() || idx == 0 || idx + 1 == vk.size()) {
      throw KeyValueParseError("invalid key=value list " + quoted_literal + ": cannot split " + shown(vk) +
                               " into a value and the next key (separate pairs with ',' or ';')");
    }
    add(key, strip(Text(vk.begin(), vk.begin() + static_cast<std::ptrdiff_t>(idx))));
    key = strip(Text(vk.begin() + static_cast<std::ptrdiff_t>(idx) + 1, vk.end()));
  }
  add(key, pieces.back());
  return out;
}

}  // namespace torchx::specs
