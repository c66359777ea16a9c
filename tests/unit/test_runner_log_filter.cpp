// SPDX-License-Identifier: BSD-3-Clause
#include "log_filter.hpp"

#include <doctest/doctest.h>

#include <string>

using torchx::runner::InvalidLogRegexError;
using torchx::runner::LogFilter;

TEST_CASE("runner::LogFilter searches each line like Python's re.search") {
  const LogFilter f("err(or)?\\b");
  CHECK(f.matches("an error here"));
  CHECK(f.matches("err"));
  CHECK_FALSE(f.matches("errand"));
  CHECK_FALSE(f.matches(""));
  CHECK(LogFilter("^$").matches(""));
  CHECK(LogFilter("caf\xc3\xa9").matches("un caf\xc3\xa9"));
  CHECK(LogFilter("ok$").matches("\xff\xfe ok"));  // a line that is not UTF-8 is still searched
}

TEST_CASE("runner::LogFilter takes linear time and constant stack on long lines") {
  // std::regex recursed once per character here and overflowed the stack.
  const std::string line(1 << 20, 'a');
  CHECK(LogFilter("^a+$").matches(line));
  CHECK(LogFilter("(a|b)*c").matches(line + "c"));
  CHECK_FALSE(LogFilter("(a*)*b").matches(line));  // catastrophic for a backtracking engine
}

TEST_CASE("runner::LogFilter refuses what RE2 refuses, naming the pattern and RE2's reason") {
  CHECK_THROWS_WITH_AS(LogFilter("(unclosed"),
                       "invalid regex '(unclosed': missing ): (unclosed (RE2 syntax: github.com/google/re2/wiki/Syntax)",
                       InvalidLogRegexError);
  CHECK_THROWS_WITH_AS(LogFilter("(?=x)"), doctest::Contains("invalid regex '(?=x)': invalid perl operator: (?="),
                       InvalidLogRegexError);
  CHECK_THROWS_WITH_AS(LogFilter("\xff"), doctest::Contains("invalid regex '\\xff': invalid UTF-8"), InvalidLogRegexError);
}
