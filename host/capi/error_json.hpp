// SPDX-License-Identifier: BSD-3-Clause
// The C API's error objects: the exception being handled, as `{"type", "message", ...}`
// (torchx/runner_c.h lists the types).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace torchx::capi {

/// A request to the C API that is malformed: not JSON, a missing or mistyped key, an unknown
/// method ("InvalidRequest").
class InvalidRequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The exception being handled (call only inside a catch block) as the error object, with
/// `warnings`. Never throws.
std::string current_error_json(const std::vector<std::string>& warnings) noexcept;

}  // namespace torchx::capi
