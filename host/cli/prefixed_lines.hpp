// SPDX-License-Identifier: BSD-3-Clause
// PrefixedLines: a batch of log lines with `role/k ` before each, as `torchx log` prints them,
// made in one pass over the batch (the hot loop of `torchx log`: one line of a 1 GiB log is ~60
// bytes, 18 million of them).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace torchx::cli {

/// Puts a fixed prefix before every line of a batch. Not thread-safe: one per reading thread.
class PrefixedLines {
public:
  explicit PrefixedLines(std::string prefix) : m_prefix(std::move(prefix)) {}
  /// `lines` (whole lines, each followed by '\n'; an unterminated last line is taken as one) with
  /// the prefix before each line. The view points into this object's buffer and stays valid until
  /// the next call. Allocates only when a batch needs more room than any before it.
  std::string_view format(std::string_view lines);

private:
  /// Makes room for at least `bytes` from m_buffer's start, keeping the first `keep` bytes.
  void reserve(std::size_t bytes, std::size_t keep);

  std::string m_prefix;
  std::unique_ptr<char[]> m_buffer;
  std::size_t m_capacity = 0;
};

}  // namespace torchx::cli
