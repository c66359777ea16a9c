// SPDX-License-Identifier: BSD-3-Clause
// LogFilter: the `--regex` of `torchx log`, applied by the host with RE2 (linear time, no
// recursion: std::regex recurses once per character and overflows the stack on long lines).
#pragma once

#include "errors.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace torchx::runner {

/// A log regex RE2 refuses (its syntax: no backreferences or lookaround); `what()` names the
/// pattern and RE2's reason. A usage error.
class InvalidLogRegexError : public specs::Error {
public:
  using specs::Error::Error;
};

/// A compiled log-line filter: a line is kept when the pattern matches somewhere in it, as
/// Python's `re.search` that TorchX's schedulers use. Patterns are UTF-8. Matching takes time
/// linear in the line and constant stack, whatever the line's length. Copies share the compiled pattern;
/// `matches` may be called from several threads at once.
class LogFilter {
public:
  /// Compiles `pattern`. Throws InvalidLogRegexError: "invalid regex '<pattern>': <RE2's reason>".
  explicit LogFilter(const std::string& pattern);
  /// Whether the pattern matches somewhere in `line`.
  [[nodiscard]] bool matches(std::string_view line) const;

private:
  std::shared_ptr<const re2::RE2> m_re;
};

}  // namespace torchx::runner
