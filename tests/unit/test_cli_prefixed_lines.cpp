// SPDX-License-Identifier: BSD-3-Clause
// PrefixedLines::format: `role/k ` before every line of a batch, the same as line by line.
#include "prefixed_lines.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using torchx::cli::PrefixedLines;

namespace {

/// The reference: line by line.
std::string line_by_line(const std::string& prefix, const std::string& lines) {
  std::string out;
  std::size_t pos = 0;
  while (pos < lines.size()) {
    std::size_t nl = lines.find('\n', pos);
    nl = nl == std::string::npos ? lines.size() : nl + 1;
    out += prefix + lines.substr(pos, nl - pos);
    pos = nl;
  }
  return out;
}

}  // namespace

TEST_CASE("PrefixedLines::format puts the prefix before every line") {
  PrefixedLines p("w/0 ");
  CHECK(p.format("a\nbb\n\nccc\n") == "w/0 a\nw/0 bb\nw/0 \nw/0 ccc\n");
  CHECK(p.format("").empty());
  CHECK(p.format("\n") == "w/0 \n");
  const std::string long_lines = std::string(100, 'x') + "\n" + std::string(40, 'y') + "\n";
  CHECK(p.format(long_lines) == "w/0 " + std::string(100, 'x') + "\nw/0 " + std::string(40, 'y') + "\n");
}

TEST_CASE("PrefixedLines::format equals line by line for any lines and prefix, and grows for short lines") {
  std::mt19937 rng(16);
  for (int round = 0; round < 3000; ++round) {
    CAPTURE(round);
    const std::string prefix(rng() % 40, static_cast<char>('A' + rng() % 26));  // past 16 bytes: the plain path
    std::string lines;
    const std::size_t n = rng() % (round % 10 == 0 ? 5000 : 200);
    const auto density = static_cast<unsigned>(1 + rng() % 30);  // 1: every byte a line break
    for (std::size_t i = 0; i < n; ++i) lines += rng() % density == 0 ? '\n' : static_cast<char>('a' + rng() % 26);
    lines += '\n';
    PrefixedLines p(prefix);
    CHECK(std::string(p.format(lines)) == line_by_line(prefix, lines));
    CHECK(std::string(p.format(lines)) == line_by_line(prefix, lines));  // the buffer is reused
  }
}
