// SPDX-License-Identifier: BSD-3-Clause
// torchx_builtin_signatures OUT.cpp: a build-time tool that writes the builtin components' names
// and signatures (builtin_signatures.hpp) as C++ source. The builtins plugin hands these out at
// negotiate and defines a component only when it is built: defining all eleven (their docs, args
// and builders) and writing their signatures was ~0.3 M instructions of every `torchx run`.
#include "builtin_signatures.hpp"
#include "components.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace {

/// `text` as a C++ string literal: printable ASCII as it is, every other byte (and '"', '\\') as
/// a three-digit octal escape, which never merges with the next character.
void append_literal(std::string& out, std::string_view text) {
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
      out += ch;
    } else {
      out += '\\';
      out += static_cast<char>('0' + ((c >> 6) & 7));
      out += static_cast<char>('0' + ((c >> 3) & 7));
      out += static_cast<char>('0' + (c & 7));
    }
  }
  out += '"';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: torchx_builtin_signatures OUT.cpp\n", stderr);
    return 2;
  }
  std::string out =
      "// Generated at build time by torchx_builtin_signatures (components/signatures_main.cpp) from the\n"
      "// builtin components' definitions: do not edit.\n"
      "#include \"builtin_signatures.hpp\"\n\n"
      "namespace torchx::components {\n\n"
      "const BuiltinSignature k_builtin_signatures[] = {\n";
  std::size_t count = 0;
  for (auto* group : torchx::components::k_groups) {
    for (const auto definition : group()) {
      const torchx::plugin::Component c = definition();
      out += "    {";
      append_literal(out, c.name);
      out += ",\n     ";
      append_literal(out, torchx::plugin::detail::component_signature_json(c));
      out += "},\n";
      ++count;
    }
  }
  out += "};\nconst std::size_t k_num_builtin_signatures = " + std::to_string(count) +
         ";\n\n}  // namespace torchx::components\n";
  std::FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "torchx_builtin_signatures: error: cannot write '%s'\n", argv[1]);
    return 1;
  }
  return 0;
}
