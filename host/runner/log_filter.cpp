// SPDX-License-Identifier: BSD-3-Clause
#include "log_filter.hpp"

#include <torchx/util/input_checks.hpp>

#include <re2/re2.h>

namespace torchx::runner {

LogFilter::LogFilter(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);  // RE2 would print its own copy of the error to stderr
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) {
    throw InvalidLogRegexError("invalid regex '" + util::printable(pattern) + "': " + re->error() +
                               " (RE2 syntax: github.com/google/re2/wiki/Syntax)");
  }
  m_re = std::move(re);
}

bool LogFilter::matches(std::string_view line) const {
  return RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *m_re);
}

}  // namespace torchx::runner
