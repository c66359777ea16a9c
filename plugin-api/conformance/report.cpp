// SPDX-License-Identifier: BSD-3-Clause
#include "report.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace json = boost::json;

namespace torchx::conformance {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "PASS";
    case Outcome::fail:
      return "FAIL";
    case Outcome::skip:
      return "SKIP";
  }
  return "FAIL";
}

CheckResult pass(std::string reason) { return CheckResult{{}, Outcome::pass, std::move(reason)}; }
CheckResult fail(std::string reason) { return CheckResult{{}, Outcome::fail, std::move(reason)}; }
CheckResult skip(std::string reason) { return CheckResult{{}, Outcome::skip, std::move(reason)}; }

void Report::add(const std::string& name, CheckResult result) {
  result.name = name;
  // One line per check, whatever a plugin wrote into a message.
  std::replace(result.reason.begin(), result.reason.end(), '\n', ' ');
  m_results.push_back(std::move(result));
}

int Report::count(Outcome outcome) const {
  return static_cast<int>(
      std::count_if(m_results.begin(), m_results.end(), [&](const CheckResult& r) { return r.outcome == outcome; }));
}

void Report::print_text(std::ostream& out, const std::string& subject) const {
  for (const auto& r : m_results) {
    out << to_string(r.outcome) << ' ' << r.name;
    if (!r.reason.empty()) out << ": " << r.reason;
    out << '\n';
  }
  out << subject << ": " << count(Outcome::pass) << " passed, " << count(Outcome::fail) << " failed, "
      << count(Outcome::skip) << " skipped\n";
}

void Report::print_json(std::ostream& out, const std::string& subject) const {
  json::array checks;
  for (const auto& r : m_results) {
    checks.push_back({{"name", r.name}, {"outcome", to_string(r.outcome)}, {"reason", r.reason}});
  }
  const json::object doc{{"subject", subject},
                         {"ok", ok()},
                         {"passed", count(Outcome::pass)},
                         {"failed", count(Outcome::fail)},
                         {"skipped", count(Outcome::skip)},
                         {"checks", std::move(checks)}};
  out << json::serialize(doc) << '\n';
}

}  // namespace torchx::conformance
