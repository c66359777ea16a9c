// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/log_file.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace torchx::util {

LogFileReader::LogFileReader(std::filesystem::path path, std::size_t max_line)
    : m_path(std::move(path)), m_max_line(std::max<std::size_t>(max_line, 1)) {}

LogFileReader::~LogFileReader() {
  if (m_fd >= 0) ::close(m_fd);
}

bool LogFileReader::open() {
  if (m_fd >= 0) return true;
  m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (m_fd >= 0) return true;
  if (errno == ENOENT) return false;  // not written yet: empty for now
  throw std::system_error(errno, std::generic_category(), "cannot open log file '" + m_path.string() + "'");
}

std::size_t LogFileReader::piece_of_partial(char* buf, std::size_t piece) {
  std::memcpy(buf, m_partial.data(), piece);
  buf[piece] = '\n';
  m_partial.erase(0, piece);
  return piece + 1;
}

std::size_t LogFileReader::read(char* buf, std::size_t cap) {
  // At most max_line + 1 bytes a call: then every whole line in buf is at most `piece` long, and
  // only the unfinished one at its end needs measuring.
  cap = std::min(cap, m_max_line + 1);
  if (cap < 2) return 0;
  const std::size_t piece = cap - 1;
  if (m_partial.size() > piece) return piece_of_partial(buf, piece);
  if (!open()) return 0;
  // buf[0, len) holds what was read; buf[line_start, len) is a line without its break yet.
  std::size_t len = m_partial.size();
  std::memcpy(buf, m_partial.data(), len);
  m_partial.clear();
  std::size_t line_start = 0;
  while (len < cap) {
    const ssize_t n = ::read(m_fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      m_partial.assign(buf + line_start, len - line_start);  // nothing read is lost
      if (line_start > 0) return line_start;
      throw std::system_error(e, std::generic_category(), "cannot read log file '" + m_path.string() + "'");
    }
    if (n == 0) break;  // the end of what is written so far
    const auto* nl = static_cast<const char*>(::memrchr(buf + len, '\n', static_cast<std::size_t>(n)));
    len += static_cast<std::size_t>(n);
    if (nl != nullptr) line_start = static_cast<std::size_t>(nl - buf) + 1;
    if (len - line_start > piece) break;  // a line longer than a piece: no need to read further
  }
  if (line_start == 0 && len > piece) {  // buf is full with one line longer than a piece: cut it
    m_partial.assign(buf + piece, len - piece);
    buf[piece] = '\n';
    return piece + 1;
  }
  // Lines in buf[0, line_start) are whole; an unfinished one waits (a piece, next call, if long).
  m_partial.assign(buf + line_start, len - line_start);
  return line_start;
}

std::size_t LogFileReader::finish(char* buf, std::size_t cap) {
  cap = std::min(cap, m_max_line + 1);
  if (m_partial.empty() || cap < 2) return 0;
  const std::size_t piece = cap - 1;
  if (m_partial.size() > piece) return piece_of_partial(buf, piece);
  const std::size_t n = m_partial.size();
  std::memcpy(buf, m_partial.data(), n);
  buf[n] = '\n';
  m_partial.clear();
  return n + 1;
}

}  // namespace torchx::util
