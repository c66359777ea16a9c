// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>

namespace torchx::specs {
namespace {

std::string join(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "; ";
    out += p;
  }
  return out;
}

}  // namespace

JsonDecodeError::JsonDecodeError(const std::string& subject, std::vector<std::string> problems)
    : Error("invalid " + subject + " JSON: " + join(problems)), m_problems(std::move(problems)) {}

AppDefValidationError::AppDefValidationError(const std::string& app_name, std::vector<std::string> problems)
    : Error("invalid app '" + app_name + "': " + join(problems)), m_problems(std::move(problems)) {}

}  // namespace torchx::specs
