// SPDX-License-Identifier: BSD-3-Clause
// plugins/local/list_index: the index format round-trips, and anything else is refused whole.
#include "../../plugins/local/list_index.hpp"

#include <doctest/doctest.h>

#include <string>

namespace local = torchx::local;

namespace {

std::vector<local::IndexRow> rows() {
  return {{"echo-b1", "SUCCEEDED", "echo", 1764640000.125, 1764640001.5, {12, 1764640001500000000ULL, 571}},
          {"sh-c2", "FAILED", "sh", 1.0, 0, {13, 7, 600}}};
}

}  // namespace

TEST_CASE("local list_index: format_list_index and parse_list_index round-trip every row") {
  const auto parsed = local::parse_list_index(local::format_list_index(rows()));
  REQUIRE(parsed.size() == 2);
  CHECK(parsed.at("echo-b1") == rows()[0]);
  CHECK(parsed.at("sh-c2") == rows()[1]);
  CHECK(local::parse_list_index(local::format_list_index({})).empty());
}

TEST_CASE("local list_index: format_list_index leaves out rows it could not read back") {
  auto r = rows();
  r[0].name = "a\tb";
  r[1].state = "RUNNING";
  const auto text = local::format_list_index(r);
  CHECK(text.find("end 0 ") != std::string::npos);
  CHECK(local::parse_list_index(text).empty());
}

TEST_CASE("local list_index: parse_list_index refuses a cut, edited, older or foreign file as a whole") {
  const std::string good = local::format_list_index(rows());
  REQUIRE(local::parse_list_index(good).size() == 2);
  std::string edited = good;
  edited.replace(edited.find("SUCCEEDED"), 9, "CANCELLED");
  std::string older = good;
  older.replace(older.find(" 1\n"), 3, " 0\n");
  const std::string cases[] = {good.substr(0, good.size() - 1),          // no final line break
                               good.substr(0, good.size() / 2),          // cut short
                               good.substr(0, good.find("end ")),        // no trailer
                               edited,                                    // checksum differs
                               older,                                     // another version
                               "",
                               "torchx-local-list-index 1\nend 0 0000000000000000\n",  // wrong checksum
                               std::string("\0\1\2", 3)};
  for (const auto& text : cases) {
    INFO(text);
    CHECK(local::parse_list_index(text).empty());
  }
}
