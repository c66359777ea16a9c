// SPDX-License-Identifier: BSD-3-Clause
// Macro substitution with the rules of Python's string.Template.safe_substitute.
#include "json_detail.hpp"

#include <torchx/specs/macros.hpp>

namespace torchx::specs::macros {
namespace {

bool is_id_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_id_char(char c) { return is_id_start(c) || (c >= '0' && c <= '9'); }

void substitute_strings(boost::json::value& v, const Values& values) {
  if (auto* s = v.if_string()) {
    *s = values.substitute(std::string_view(*s));
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) substitute_strings(item, values);
  } else if (auto* o = v.if_object()) {
    for (auto& kv : *o) substitute_strings(kv.value(), values);
  }
}

}  // namespace

std::string Values::substitute(std::string_view text) const {
  auto lookup = [&](std::string_view name) -> const std::string* {
    if (name == "img_root") return &img_root;
    if (name == "app_id") return &app_id;
    if (name == "replica_id") return &replica_id;
    if (name == "rank0_env") return &rank0_env;
    if (name == "base_img_root") return &base_img_root;
    return nullptr;
  };
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    const char next = text[i + 1];
    if (next == '$') {  // escaped
      out += '$';
      i += 2;
    } else if (is_id_start(next)) {  // $name
      std::size_t end = i + 1;
      while (end < text.size() && is_id_char(text[end])) ++end;
      const std::string_view name = text.substr(i + 1, end - i - 1);
      const std::string* value = lookup(name);
      out += value != nullptr ? std::string_view(*value) : text.substr(i, end - i);
      i = end;
    } else if (next == '{' && i + 2 < text.size() && is_id_start(text[i + 2])) {  // ${name}
      std::size_t end = i + 2;
      while (end < text.size() && is_id_char(text[end])) ++end;
      if (end < text.size() && text[end] == '}') {
        const std::string* value = lookup(text.substr(i + 2, end - i - 2));
        out += value != nullptr ? std::string_view(*value) : text.substr(i, end + 1 - i);
        i = end + 1;
      } else {  // invalid placeholder: kept as it is
        out += c;
        ++i;
      }
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

Role Values::apply(const Role& role) const {
  Role out = role;
  for (auto& arg : out.args) arg = substitute(arg);
  for (auto& [key, value] : out.env) value = substitute(value);
  for (auto& [key, value] : out.metadata) {
    boost::json::value v = detail::encode(value);
    substitute_strings(v, *this);
    value.text = boost::json::serialize(v);
  }
  return out;
}

}  // namespace torchx::specs::macros
