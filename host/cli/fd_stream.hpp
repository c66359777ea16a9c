// SPDX-License-Identifier: BSD-3-Clause
// The CLI's stdout and stderr as output streams onto their file descriptors.
#pragma once

#include <cstddef>
#include <streambuf>

namespace torchx::cli {

/// A stream buffer that writes to a file descriptor through a buffer the caller owns: what
/// std::cout gave after std::ios::sync_with_stdio(false) (a buffer of its own, not stdio's),
/// without the six stream buffers (~120 KiB of heap, a dozen page faults on every command)
/// libstdc++ allocates on that call for cin, cout, cerr and their wide twins.
///
/// Writes loop over partial writes and EINTR; a failed write (EPIPE for `torchx list | head`,
/// ENOSPC) makes the stream bad, and later output is dropped, as with a std::filebuf. The buffer is
/// flushed by sync() (std::flush, std::endl, unitbuf) and by the destructor. Not thread-safe; the
/// file descriptor is not closed.
class FdStreamBuf final : public std::streambuf {
public:
  /// `buffer` of `size` bytes (size 0: every write goes straight to `fd`) must outlive this object.
  FdStreamBuf(int fd, char* buffer, std::size_t size);
  ~FdStreamBuf() override;
  /// The errno of the first failed write, 0 while none failed.
  [[nodiscard]] int error() const { return m_error; }
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;

protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

private:
  bool write_all(const char* data, std::size_t size);
  bool flush_buffer();

  int m_fd;
  bool m_failed = false;
  int m_error = 0;
};

}  // namespace torchx::cli
