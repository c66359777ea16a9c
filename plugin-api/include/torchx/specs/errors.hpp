// SPDX-License-Identifier: BSD-3-Clause
// The typed exceptions of the specs library, named after TorchX's with an `Error` suffix.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace torchx::specs {

/// Base of every error the specs library throws. `what()` is one line, lowercase, no period.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// An app handle that is not `<scheduler>://<session>/<app_id>`.
class MalformedAppHandleError : public Error {
public:
  using Error::Error;
};

/// A run config (`-cfg`) that does not satisfy the scheduler's run options.
class InvalidRunConfigError : public Error {
public:
  InvalidRunConfigError(std::string message, std::string cfg_key)
      : Error(std::move(message)), m_cfg_key(std::move(cfg_key)) {}
  /// The run option the problem is about ("" when it is about the whole string).
  [[nodiscard]] const std::string& cfg_key() const { return m_cfg_key; }

private:
  std::string m_cfg_key;
};

/// A malformed `k=v,k2=v2` literal.
class KeyValueParseError : public Error {
public:
  using Error::Error;
};

/// A malformed mount description (`type=bind,src=...,dst=...`).
class MountParseError : public Error {
public:
  using Error::Error;
};

/// A named resource (`-h gpu.small`) that does not exist.
class UnknownNamedResourceError : public Error {
public:
  using Error::Error;
};

/// JSON that is not valid, or whose shape does not match the payload schema. Every problem found
/// is listed in `problems()`; `what()` joins them with "; ".
class JsonDecodeError : public Error {
public:
  JsonDecodeError(const std::string& subject, std::vector<std::string> problems);
  [[nodiscard]] const std::vector<std::string>& problems() const { return m_problems; }

private:
  std::vector<std::string> m_problems;
};

/// An AppDef that fails validation. Every problem found is listed, not only the first.
class AppDefValidationError : public Error {
public:
  AppDefValidationError(const std::string& app_name, std::vector<std::string> problems);
  [[nodiscard]] const std::vector<std::string>& problems() const { return m_problems; }

private:
  std::vector<std::string> m_problems;
};

}  // namespace torchx::specs
