// SPDX-License-Identifier: BSD-3-Clause
// Small text helpers shared by the tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace torchx::test {

/// The whole content of a file ("" if it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The text up to the first line break.
inline std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace torchx::test
