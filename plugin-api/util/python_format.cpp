// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/python_format.hpp>

#include <charconv>
#include <cmath>

namespace torchx::util {

std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  // Python switches to exponent notation from 1e16 and below 1e-4.
  const double magnitude = std::fabs(v);
  const bool scientific = magnitude != 0 && (magnitude >= 1e16 || magnitude < 1e-4);
  auto [end, ec] = scientific ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
                              : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string s(buf, end);
  if (scientific) {
    // C++ writes 1e+20 as Python does, and 1.5e-05 as 1.5e-05: the same.
    return s;
  }
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

}  // namespace torchx::util
