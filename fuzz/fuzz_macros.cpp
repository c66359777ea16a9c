// SPDX-License-Identifier: BSD-3-Clause
// Macros (Values::substitute, Values::apply): checked against a model of Python's
// `string.Template(text).safe_substitute(values)` written here in a few lines ($$, $name and
// ${name} with ASCII identifiers; unknown names and a lone '$' kept as they are), and apply()
// substitutes args and env values as substitute() does.
#include "fuzz_check.hpp"

#include <torchx/specs/macros.hpp>

namespace {

using torchx::specs::macros::Values;

bool id_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool id_char(char c) { return id_start(c) || (c >= '0' && c <= '9'); }

const std::string* lookup(const Values& v, std::string_view name) {
  if (name == "img_root") return &v.img_root;
  if (name == "app_id") return &v.app_id;
  if (name == "replica_id") return &v.replica_id;
  if (name == "rank0_env") return &v.rank0_env;
  if (name == "base_img_root") return &v.base_img_root;
  return nullptr;
}

/// Python's safe_substitute, the model.
std::string model(std::string_view t, const Values& v) {
  std::string out;
  const std::size_t n = t.size();
  auto id_end = [&](std::size_t j) {
    if (j >= n || !id_start(t[j])) return j;
    while (++j < n && id_char(t[j])) {
    }
    return j;
  };
  std::size_t i = 0;
  while (i < n) {
    if (t[i] != '$') {
      out += t[i++];
      continue;
    }
    if (i + 1 < n && t[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (const std::size_t e = id_end(i + 1); e > i + 1) {
      const auto* value = lookup(v, t.substr(i + 1, e - i - 1));
      out += value ? std::string_view(*value) : t.substr(i, e - i);
      i = e;
      continue;
    }
    if (i + 1 < n && t[i + 1] == '{') {
      const std::size_t e = id_end(i + 2);
      if (e > i + 2 && e < n && t[e] == '}') {
        const auto* value = lookup(v, t.substr(i + 2, e - i - 2));
        out += value ? std::string_view(*value) : t.substr(i, e + 1 - i);
        i = e + 1;
        continue;
      }
    }
    out += '$';
    ++i;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = torchx::fuzz::text(data, size);
  Values values;
  values.img_root = "/IMG";
  values.app_id = "APP-$app_id";  // a value holding a macro is not substituted again
  values.replica_id = "0";
  values.rank0_env = "TORCHX_RANK0_HOST";
  const std::string substituted = values.substitute(text);
  FUZZ_CHECK(substituted == model(text, values));

  torchx::specs::Role role;
  role.name = "r";
  role.args = {std::string(text)};
  role.env.set("K", std::string(text));
  const auto applied = values.apply(role);
  FUZZ_CHECK(applied.args.size() == 1 && applied.args[0] == substituted);
  FUZZ_CHECK(applied.env.get("K") != nullptr && *applied.env.get("K") == substituted);
  return 0;
}
