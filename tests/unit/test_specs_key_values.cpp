// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/run_opts.hpp>

#include <doctest/doctest.h>

using namespace torchx::specs;

namespace {
Dict<std::string> kv(std::initializer_list<std::pair<std::string, std::string>> items) {
  Dict<std::string> d;
  for (const auto& [k, v] : items) d.set(k, v);
  return d;
}
std::vector<std::string> keys(const Dict<std::string>& d) {
  std::vector<std::string> out;
  for (const auto& [k, v] : d) out.push_back(k);
  return out;
}
}  // namespace

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::parse_key_values parses TorchX's examples") {
  CHECK(parse_key_values("").empty());
  CHECK(parse_key_values("FOO=v1") == kv({{"FOO", "v1"}}));
  CHECK(parse_key_values("FOO=''") == kv({{"FOO", ""}}));
  CHECK(parse_key_values("FOO=\"\"") == kv({{"FOO", ""}}));
  CHECK(parse_key_values("FOO=v1,v2") == kv({{"FOO", "v1,v2"}}));
  CHECK(parse_key_values("FOO=v1;v2") == kv({{"FOO", "v1;v2"}}));
  CHECK(parse_key_values("FOO=v1,v2,BAR=v3") == kv({{"FOO", "v1,v2"}, {"BAR", "v3"}}));
  CHECK(parse_key_values("FOO=v1;v2,BAR=v3") == kv({{"FOO", "v1;v2"}, {"BAR", "v3"}}));
  CHECK(parse_key_values("FOO=v1;v2;BAR=v3") == kv({{"FOO", "v1;v2"}, {"BAR", "v3"}}));
  // The last value keeps a trailing delimiter, as in TorchX.
  CHECK(parse_key_values("FOO=v1;v2,") == kv({{"FOO", "v1;v2,"}}));
}

TEST_CASE("specs::parse_key_values keeps the order given and trims whitespace") {
  const auto d = parse_key_values(" b = 1 , a = 2 ; c=3");
  CHECK(keys(d) == std::vector<std::string>{"b", "a", "c"});
  CHECK(d == kv({{"b", "1"}, {"a", "2"}, {"c", "3"}}));
}

TEST_CASE("specs::parse_key_values protects quoted '=', ',' and semicolons") {
  CHECK(parse_key_values("token='YWJj=='") == kv({{"token", "YWJj=="}}));
  CHECK(parse_key_values("a=\"x,y=z\",b=1") == kv({{"a", "x,y=z"}, {"b", "1"}}));
  CHECK(parse_key_values("cmd='echo a; echo b'") == kv({{"cmd", "echo a; echo b"}}));
  CHECK(parse_key_values("q=\"it's\"") == kv({{"q", "it's"}}));
  CHECK(parse_key_values("s=' padded '") == kv({{"s", " padded "}}));
}

TEST_CASE("specs::parse_key_values passes shell metacharacters through untouched") {
  const auto d = parse_key_values("comment=$(rm -rf /)`id`|&>x");
  CHECK(d == kv({{"comment", "$(rm -rf /)`id`|&>x"}}));
}

TEST_CASE("specs::parse_key_values rejects every malformed form with a clear message") {
  CHECK_THROWS_WITH_AS(parse_key_values("FOO"), "invalid key=value list 'FOO': expected at least one 'key=value' pair",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("FOO="), "invalid key=value list 'FOO=': expected at least one 'key=value' pair",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("=v"), "invalid key=value list '=v': expected at least one 'key=value' pair",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("a=1 b=2"),
                       "invalid key=value list 'a=1 b=2': cannot split '1 b' into a value and the next key (separate "
                       "pairs with ',' or ';')",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("a=,b=2"),
                       "invalid key=value list 'a=,b=2': cannot split ',b' into a value and the next key (separate "
                       "pairs with ',' or ';')",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("a=1,=2"),
                       "invalid key=value list 'a=1,=2': cannot split '1,' into a value and the next key (separate "
                       "pairs with ',' or ';')",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("a='open"), "invalid key=value list 'a='open': unterminated quote",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("a=1,a=2"), "invalid key=value list 'a=1,a=2': 'a' given twice",
                       KeyValueParseError);
  CHECK_THROWS_WITH_AS(parse_key_values("''=1"), "invalid key=value list '''=1': empty key", KeyValueParseError);
}

TEST_SUITE_END();
