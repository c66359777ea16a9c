// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/input_checks.hpp>

#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <string>

using torchx::util::invalid_utf8_offset;
using torchx::util::is_valid_utf8;
using torchx::util::parse_integer;
using torchx::util::printable;

TEST_CASE("util::invalid_utf8_offset finds the first byte that is not well-formed UTF-8") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  CHECK(invalid_utf8_offset("caf\xe9") == 3);                         // Latin-1 é
  CHECK(invalid_utf8_offset("ab\xff") == 2);
  CHECK(invalid_utf8_offset("\xc3") == 0);                  // truncated
  CHECK(invalid_utf8_offset("\xc0\xaf") == 0);              // overlong '/'
  CHECK(invalid_utf8_offset("\xe0\x80\xaf") == 0);          // overlong, 3 bytes
  CHECK(invalid_utf8_offset("x\xed\xa0\x80") == 1);         // a surrogate
  CHECK(invalid_utf8_offset("\xf4\x90\x80\x80") == 0);      // past U+10FFFF
  CHECK(invalid_utf8_offset("\xe2\x82") == 0);              // truncated, 3 bytes
  CHECK(invalid_utf8_offset(std::string(1 << 20, 'a') + "\x80") == std::size_t{1} << 20);
}

TEST_CASE("util::printable escapes invalid bytes and control characters, and cuts long text") {
  CHECK(printable("caf\xe9") == "caf\\xe9");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(printable("a\tb\nc\x7f") == "a\\x09b\\x0ac\\x7f");
  CHECK(printable(std::string(100, 'x')) == std::string(80, 'x') + "... (100 bytes)");
  CHECK(printable(std::string(10, 'x'), 4) == "xxxx... (10 bytes)");
}

TEST_CASE("util::parse_integer takes all of the text, checked against the type's range") {
  CHECK(parse_integer<int>("42") == 42);
  CHECK(parse_integer<int>("-7") == -7);
  CHECK(parse_integer<int>("2147483647") == INT_MAX);
  CHECK_FALSE(parse_integer<int>("2147483648"));
  CHECK_FALSE(parse_integer<int>(std::string(30000, '9')));
  CHECK_FALSE(parse_integer<int>(""));
  CHECK_FALSE(parse_integer<int>("+1"));
  CHECK_FALSE(parse_integer<int>(" 1"));
  CHECK_FALSE(parse_integer<int>("1x"));
  CHECK_FALSE(parse_integer<unsigned>("-1"));
  CHECK(parse_integer<std::int64_t>("9223372036854775807") == INT64_MAX);
}
