// SPDX-License-Identifier: BSD-3-Clause
// JsonText: a JSON value kept as its serialized text, for TorchX fields typed `Any`.
#pragma once

#include <string>
#include <string_view>

namespace torchx::specs {

/// A JSON value of any type held as compact serialized text (`"abc"`, `3`, `{"k":[1]}`).
///
/// TorchX types some fields `Any` (`Role.metadata`, `Resource.capabilities`, `Resource.tags`).
/// Keeping them as text keeps Boost.JSON out of these widely included headers; the codecs in
/// `json.hpp` parse and re-serialize them, so two equal values have equal text.
struct JsonText {
  std::string text{"null"};

  /// A JSON string holding `s` (escaped as needed).
  static JsonText string(std::string_view s);
  /// Parses `text` and stores it in compact form. Throws JsonDecodeError if it is not JSON.
  static JsonText parse(std::string_view text);
  /// The string value if this holds a JSON string, else "" and `*ok = false`.
  [[nodiscard]] std::string as_string(bool* ok = nullptr) const;
  [[nodiscard]] bool is_string() const { return !text.empty() && text.front() == '"'; }

  friend bool operator==(const JsonText&, const JsonText&) = default;
};

/// Appends `text` to `out` as a JSON string literal, escaped exactly as boost::json::serialize
/// escapes it ('"', '\\' and control characters; every other byte as it is). For writers that
/// make JSON text directly instead of building a boost::json value first.
void append_json_string(std::string& out, std::string_view text);

}  // namespace torchx::specs
