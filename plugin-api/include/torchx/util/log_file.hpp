// SPDX-License-Identifier: BSD-3-Clause
// LogFileReader: one log file, read as it grows, in whole lines straight into a caller's buffer
// (the rules of tx_scheduler_api.log_read). Schedulers whose logs are files (local_cwd, slurm)
// build their log iterators on it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace torchx::util {

/// Reads a file that a writer may still be appending to, handing out whole lines only: each line
/// followed by '\n', the start of a line whose line break is not written yet kept for a later
/// call. A line longer than min(max_line, cap - 1) bytes is handed out in pieces of that size, each
/// followed by '\n' (a progress bar redrawn with '\r' for a whole run is one "line" of gigabytes).
/// The file is opened on first use: until it exists, it reads as empty. Not thread-safe: one
/// reader per thread at a time. Bytes are passed through as they are (no UTF-8 check).
class LogFileReader {
public:
  /// The SDK's longest line: longer ones are split into pieces of this size (1 MiB).
  static constexpr std::size_t k_max_line = std::size_t{1} << 20;

  explicit LogFileReader(std::filesystem::path path, std::size_t max_line = k_max_line);
  ~LogFileReader();
  LogFileReader(const LogFileReader&) = delete;
  LogFileReader& operator=(const LogFileReader&) = delete;

  /// Fills `buf` (`cap` >= 2 bytes; at most max_line + 1 of them are used) with the whole lines
  /// written so far that were not handed out yet, reading until `buf` is full or the end of what
  /// is written, and returns the bytes written: 0 when there is no whole line now (the file does
  /// not exist yet, nothing new, or only the start of a line). The bytes go from the file straight
  /// into `buf`; only the unfinished line at the end is copied aside. Throws std::system_error
  /// when the file exists but cannot be opened or read.
  std::size_t read(char* buf, std::size_t cap);
  /// Once the writer is done: the start of a line that never got its line break (or a piece of
  /// it, when longer), followed by '\n'; 0 when none is left. Call read() before, to the end.
  std::size_t finish(char* buf, std::size_t cap);
  /// Whether finish() still has something to hand out.
  [[nodiscard]] bool has_partial() const { return !m_partial.empty(); }

private:
  bool open();
  /// Hands out the first `piece` bytes of m_partial (a too-long line) as one line.
  std::size_t piece_of_partial(char* buf, std::size_t piece);

  std::filesystem::path m_path;
  std::size_t m_max_line;
  int m_fd = -1;
  std::string m_partial;  ///< the start of a line whose line break is not written yet
};

}  // namespace torchx::util
