// SPDX-License-Identifier: BSD-3-Clause
// host/cli format_table: ASCII cells padded by hand give the same bytes fmt's width padding gave
// (list prints 10,000s of rows through it), and non-ASCII cells still go through fmt.
#include "verb_args.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

namespace {

/// The table as format_table printed it before the hand padding: every cell but the last through
/// fmt's "{:<{}}  ".
std::string with_fmt(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& h : headers) widths.push_back(h.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      out += (i + 1 < widths.size()) ? fmt::format("{:<{}}  ", cells[i], widths[i]) : cells[i];
    }
    return out + "\n";
  };
  std::string out = line(headers);
  std::vector<std::string> rule;
  for (auto w : widths) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace

TEST_CASE("cli format_table: pads ASCII cells to the column width in bytes, two spaces apart") {
  const auto text = torchx::cli::format_table({"A", "BB", "C"}, {{"local_cwd://torchx/x-1", "echo", "SUCCEEDED"}, {"y", "", "FAILED"}});
  CHECK(text ==
        "A                       BB    C\n"
        "----------------------  ----  ---------\n"
        "local_cwd://torchx/x-1  echo  SUCCEEDED\n"
        "y                             FAILED\n");
}

TEST_CASE("cli format_table: the same bytes as fmt's padding, for ASCII, UTF-8, short rows and empty tables") {
  const std::vector<std::string> headers{"APP HANDLE", "APP NAME", "APP STATUS"};
  const std::vector<std::vector<std::string>> cases[] = {
      {},
      {{"local_cwd://torchx/echo-b1", "echo", "SUCCEEDED"}, {"h", "a much longer name than the header", "FAILED"}},
      {{"local_cwd://torchx/caf\xc3\xa9-1", "caf\xc3\xa9", "RUNNING"}, {"x", "\xe6\x97\xa5\xe6\x9c\xac", "UNKNOWN"}},
      {{"only one cell"}, {"two", "cells"}},
  };
  for (const auto& rows : cases) {
    CHECK(torchx::cli::format_table(headers, rows) == with_fmt(headers, rows));
  }
}
