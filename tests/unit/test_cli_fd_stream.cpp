// SPDX-License-Identifier: BSD-3-Clause
// FdStreamBuf: the CLI's stdout and stderr streams write every byte, in order, through their
// buffer; a reader that goes away makes the stream bad instead of killing the program.
#include "fd_stream.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using torchx::cli::FdStreamBuf;

namespace {

/// A pipe whose read end is drained by a thread into a string.
struct DrainedPipe {
  int read_fd = -1;
  int write_fd = -1;
  std::string got;
  std::thread reader;

  DrainedPipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_fd = fds[0];
    write_fd = fds[1];
    reader = std::thread([this] {
      char chunk[4096];
      ssize_t n = 0;
      while ((n = ::read(read_fd, chunk, sizeof chunk)) > 0) got.append(chunk, static_cast<std::size_t>(n));
    });
  }
  /// Closes the write end and waits for the reader: `got` is then whole.
  std::string finish() {
    ::close(write_fd);
    reader.join();
    ::close(read_fd);
    return got;
  }
};

/// What every piece of `pieces` written to a stream on a buffer of `size` bytes reads back as.
std::string round_trip(const std::vector<std::string>& pieces, std::size_t size, bool unitbuf) {
  DrainedPipe pipe;
  std::vector<char> buffer(size);
  {
    FdStreamBuf buf(pipe.write_fd, buffer.data(), buffer.size());
    std::ostream out(&buf);
    if (unitbuf) out.setf(std::ios::unitbuf);
    for (const auto& piece : pieces) {
      if (piece == "\n") {
        out << '\n';
      } else {
        out << piece;
      }
    }
    CHECK(out.good());
  }  // the destructor flushes
  return pipe.finish();
}

}  // namespace

TEST_CASE("FdStreamBuf writes every piece in order, whatever its size against the buffer") {
  std::vector<std::string> pieces;
  std::string expected;
  for (int i = 0; i < 400; ++i) {
    // Small pieces, single characters, pieces just under, at and over the buffer's size.
    const std::size_t sizes[] = {1, 7, 63, 64, 65, 200, 1000};
    std::string piece(sizes[i % 7], static_cast<char>('a' + i % 26));
    pieces.push_back(piece);
    expected += piece;
    if (i % 5 == 0) {
      pieces.emplace_back("\n");
      expected += '\n';
    }
  }
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{64}, std::size_t{65536}}) {
    CAPTURE(size);
    CHECK(round_trip(pieces, size, false) == expected);
    CHECK(round_trip(pieces, size, true) == expected);
  }
}

TEST_CASE("FdStreamBuf holds output until flushed, then writes it") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
  char buffer[256];
  char got[16] = {};
  {
    FdStreamBuf buf(fds[1], buffer, sizeof buffer);
    std::ostream out(&buf);
    out << "held";
    CHECK(::read(fds[0], got, sizeof got) == -1);  // EAGAIN: nothing written yet
    out << std::flush;
    CHECK(out.good());
    CHECK(::read(fds[0], got, sizeof got) == 4);
    CHECK(std::string(got, 4) == "held");
    out << "end";
  }  // the destructor flushes
  CHECK(::read(fds[0], got, sizeof got) == 3);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("FdStreamBuf: a closed reader makes the stream bad, not the program dead") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  ::close(fds[0]);
  // As bin/torchx runs under `| head`: SIGPIPE ignored, so the write fails with EPIPE.
  struct sigaction ignore {};
  struct sigaction old {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGPIPE, &ignore, &old) == 0);
  char buffer[16];
  {
    FdStreamBuf buf(fds[1], buffer, sizeof buffer);
    std::ostream out(&buf);
    out << std::string(100, 'x');
    CHECK(out.bad());
    out << "more" << std::flush;  // dropped, without another error or a crash
    CHECK(out.bad());
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  ::close(fds[1]);
}
