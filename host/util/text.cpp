// SPDX-License-Identifier: BSD-3-Clause
#include "text.hpp"

#include <fstream>
#include <sstream>

namespace torchx::util {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::string trim(std::string_view text) {
  constexpr std::string_view k_blanks = " \t\r\n";
  const auto begin = text.find_first_not_of(k_blanks);
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(k_blanks) - begin + 1));
}

}  // namespace torchx::util
