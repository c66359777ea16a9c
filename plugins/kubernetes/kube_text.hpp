// SPDX-License-Identifier: BSD-3-Clause
// Small text helpers of the credential loader (kube_config.cpp): base64 as Go's StdEncoding
// reads it, RFC 3339 times, bounded file reads, and quoting of user-controlled names for one-line
// messages. Internal to plugins/kubernetes; nothing here knows what a secret is, so callers
// only ever pass names and paths to `printable`, never values.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace torchx::k8s {

/// `text` fit for a one-line message: control characters and bytes >= 0x7f become \xNN, and
/// past `max` bytes it is cut with "...". Only for names and paths: never pass a secret.
std::string printable(std::string_view text, std::size_t max = 200);

/// Decodes standard base64 (RFC 4648 alphabet, '=' padding optional at the end); CR and LF
/// are ignored, as Go's decoder ignores them. nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);
/// Encodes with the standard alphabet and padding.
std::string base64_encode(std::string_view bytes);

/// Parses an RFC 3339 date-time ("2024-05-01T10:00:00Z", "…T10:00:00.123+02:00"); times past
/// what system_clock holds (2262) are its time_point::max().
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);
/// Formats as "2024-05-01T10:00:00Z" (UTC, whole seconds).
std::string format_rfc3339(std::chrono::system_clock::time_point when);

/// `text` on one line: runs of whitespace (newlines included) become one space, then printable().
std::string one_line(std::string_view text, std::size_t max = 300);

/// The first non-empty line of `text`, trimmed, at most `max` bytes (printable()).
std::string first_line(std::string_view text, std::size_t max = 300);
/// `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

/// Reads a whole regular file of at most `max_bytes`. Errors: nullopt with `error` set to
/// "No such file or directory", "is a directory", "larger than 16 MiB", ...
std::optional<std::string> read_small_file(const std::filesystem::path& path, std::string& error,
                                           std::size_t max_bytes = std::size_t{16} << 20);

}  // namespace torchx::k8s
