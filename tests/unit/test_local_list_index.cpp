// SPDX-License-Identifier: BSD-3-Clause
// plugins/local/list_index: the index format round-trips, and anything else is refused whole.
#include "../../plugins/local/list_index.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace local = torchx::local;

namespace {

std::vector<local::IndexRow> rows() {
  return {{"echo-b1", "SUCCEEDED", "echo", 1764640000.125, 1764640001.5, 18446744073709551615ULL},
          {"sh-c2", "FAILED", "sh", 1.0, 0, 13}};
}

/// The trailer the format requires after `body` of `rows` rows (FNV-1a 64 of the body).
std::string trailer_of(const std::string& body, std::size_t rows) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "end %zu %016llx\n", rows, static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

TEST_CASE("local list_index: a body with a correct trailer is accepted, so the refusals below are each for their reason") {
  const std::string good = local::format_list_index(rows());
  const std::string body = good.substr(0, good.find("end "));
  CHECK(body + trailer_of(body, 2) == good);
}

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
  // A row without its directory's inode number could never be checked: left out.
  auto no_ino = rows();
  no_ino[0].dir_ino = 0;
  const auto kept = local::parse_list_index(local::format_list_index(no_ino));
  CHECK(kept.size() == 1);
  CHECK(kept.count("sh-c2") == 1);
}

TEST_CASE("local list_index: parse_list_index refuses a cut, edited, older or foreign file as a whole") {
  const std::string good = local::format_list_index(rows());
  REQUIRE(local::parse_list_index(good).size() == 2);
  std::string edited = good;
  edited.replace(edited.find("SUCCEEDED"), 9, "CANCELLED");
  std::string older = good;
  older.replace(older.find(" 2\n"), 3, " 1\n");
  // A row with inode 0 under a correct trailer: still refused (no directory has inode 0).
  std::string zero_ino = good.substr(0, good.find("end "));
  zero_ino.replace(zero_ino.find("\t13\t"), 4, "\t0\t");
  zero_ino += trailer_of(zero_ino, 2);
  // A time that is not a number ("nan", "inf": std::from_chars reads them) under a correct
  // trailer: refused (list orders apps by these times).
  std::string nan_time = good.substr(0, good.find("end "));
  nan_time.replace(nan_time.find("\t1\t"), 3, "\tnan\t");
  nan_time += trailer_of(nan_time, 2);
  std::string inf_time = good.substr(0, good.find("end "));
  inf_time.replace(inf_time.find("\t1\t"), 3, "\tinf\t");
  inf_time += trailer_of(inf_time, 2);
  const std::string cases[] = {good.substr(0, good.size() - 1),          // no final line break
                               good.substr(0, good.size() / 2),          // cut short
                               good.substr(0, good.find("end ")),        // no trailer
                               edited,                                    // checksum differs
                               older,                                     // another version (1: state.json stamps)
                               zero_ino,
                               nan_time,
                               inf_time,
                               "",
                               "torchx-local-list-index 2\nend 0 0000000000000000\n",  // wrong checksum
                               std::string("\0\1\2", 3)};
  for (const auto& text : cases) {
    INFO(text);
    CHECK(local::parse_list_index(text).empty());
  }
}
