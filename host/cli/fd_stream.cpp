// SPDX-License-Identifier: BSD-3-Clause
#include "fd_stream.hpp"

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace torchx::cli {

FdStreamBuf::FdStreamBuf(int fd, char* buffer, std::size_t size) : m_fd(fd) {
  if (size > 0) setp(buffer, buffer + size);
}

FdStreamBuf::~FdStreamBuf() { flush_buffer(); }

bool FdStreamBuf::write_all(const char* data, std::size_t size) {
  while (size > 0 && !m_failed) {
    const ssize_t n = ::write(m_fd, data, size);
    if (n == 0) {  // no progress and no error: give up rather than loop
      m_failed = true;
      m_error = EIO;
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      m_failed = true;
      m_error = errno;
      break;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return !m_failed;
}

bool FdStreamBuf::flush_buffer() {
  const auto pending = static_cast<std::size_t>(pptr() - pbase());
  const bool ok = write_all(pbase(), pending);
  pbump(-static_cast<int>(pending));
  return ok;
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type ch) {
  if (!flush_buffer()) return traits_type::eof();
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  if (pptr() != epptr()) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
    return ch;
  }
  const char c = traits_type::to_char_type(ch);
  return write_all(&c, 1) ? ch : traits_type::eof();
}

std::streamsize FdStreamBuf::xsputn(const char* s, std::streamsize n) {
  if (n <= 0) return 0;
  const auto size = static_cast<std::size_t>(n);
  if (size <= static_cast<std::size_t>(epptr() - pptr())) {
    std::memcpy(pptr(), s, size);
    pbump(static_cast<int>(size));
    return n;
  }
  // Bigger than the room left: flush what is buffered, then buffer this piece, or write it at
  // once when it would fill the buffer.
  if (!flush_buffer()) return 0;
  if (size < static_cast<std::size_t>(epptr() - pbase())) {
    std::memcpy(pptr(), s, size);
    pbump(static_cast<int>(size));
    return n;
  }
  return write_all(s, size) ? n : 0;
}

int FdStreamBuf::sync() { return flush_buffer() ? 0 : -1; }

}  // namespace torchx::cli
