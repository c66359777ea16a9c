// SPDX-License-Identifier: BSD-3-Clause
// The results of the conformance checks and how they are printed.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace torchx::conformance {

/// What a check concluded. SKIP: the check could not run (an optional function is absent, the
/// backend is unavailable, an earlier check failed); it never makes the run fail.
enum class Outcome { pass, fail, skip };

/// "PASS", "FAIL" or "SKIP".
const char* to_string(Outcome outcome);

/// One check's result: its name (`scheduler/local_cwd/describe-unknown`), outcome and a one-line
/// reason (what was found; for a FAIL, what was expected).
struct CheckResult {
  std::string name;
  Outcome outcome = Outcome::pass;
  std::string reason;
};

/// Shorthands that build a CheckResult without a name (the runner names it).
CheckResult pass(std::string reason = {});
CheckResult fail(std::string reason);
CheckResult skip(std::string reason);

/// Every result of one run, in the order the checks ran.
class Report {
 public:
  /// Appends `result` under `name`.
  void add(const std::string& name, CheckResult result);
  [[nodiscard]] const std::vector<CheckResult>& results() const { return m_results; }
  [[nodiscard]] int count(Outcome outcome) const;
  /// True when no check failed.
  [[nodiscard]] bool ok() const { return count(Outcome::fail) == 0; }

  /// One line per check (`PASS name: reason`), then a summary line naming `subject`.
  void print_text(std::ostream& out, const std::string& subject) const;
  /// `{"subject", "ok", "passed", "failed", "skipped", "checks": [{"name", "outcome", "reason"}]}`.
  void print_json(std::ostream& out, const std::string& subject) const;

 private:
  std::vector<CheckResult> m_results;
};

}  // namespace torchx::conformance
