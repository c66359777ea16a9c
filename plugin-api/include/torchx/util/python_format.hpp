// SPDX-License-Identifier: BSD-3-Clause
// Numbers written as Python writes them, so text we generate matches TorchX's.
#pragma once

#include <string>

namespace torchx::util {

/// Python's `str(float)`: the shortest text that reads back as `v`, with ".0" for integral values
/// ("0.1", "3600.0", "1e+20", "inf", "nan").
std::string python_float(double v);

}  // namespace torchx::util
