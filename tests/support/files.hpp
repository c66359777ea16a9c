// SPDX-License-Identifier: BSD-3-Clause
// Small text helpers shared by the tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

/// The lines of `s`, without their line breaks.
inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

/// Checks what `torchx log` printed for replica sh/0 of a job that wrote 2,500,000 'a's, a line
/// break and "end": the long line comes in 1 MiB pieces (returns the failures, "" if none).
inline std::string check_long_line_pieces(const std::string& log) {
  const auto lines = lines_of(log);
  const std::vector<std::string> want{"sh/0 " + std::string(1 << 20, 'a'), "sh/0 " + std::string(1 << 20, 'a'),
                                      "sh/0 " + std::string(2500000 - 2 * (1 << 20), 'a'), "sh/0 end"};
  if (lines.size() != want.size()) return "expected 4 lines, found " + std::to_string(lines.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (lines[i] != want[i]) return "line " + std::to_string(i) + " differs (" + std::to_string(lines[i].size()) + " bytes)";
  }
  return "";
}

}  // namespace torchx::test
