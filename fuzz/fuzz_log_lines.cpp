// SPDX-License-Identifier: BSD-3-Clause
// The log line path of `torchx log`: a replica's file, whatever bytes it holds, read by
// util::LogFileReader (the first two bytes pick the buffer size and the longest line), then
// prefixed by cli::PrefixedLines. Every batch is whole lines within its buffer; all of them
// together are the file's lines cut into pieces of min(cap - 1, max_line), the last one given its
// '\n'; the prefixed batch equals the batch prefixed line by line.
#include "fuzz_check.hpp"

#include "prefixed_lines.hpp"

#include <torchx/util/log_file.hpp>

#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace {

std::string as_pieces(std::string_view text, std::size_t piece) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::size_t n = nl - pos;
    do {
      const std::size_t take = std::min(n, piece);
      out.append(text.substr(pos, take)).push_back('\n');
      pos += take;
      n -= take;
    } while (n > 0);
    pos = nl + 1;
  }
  return out;
}

std::string prefixed_by_line(std::string_view prefix, std::string_view lines) {
  std::string out;
  for (std::size_t pos = 0; pos < lines.size();) {
    const std::size_t nl = lines.find('\n', pos);
    out.append(prefix).append(lines.substr(pos, nl + 1 - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t cap = 2 + data[0] % 64;
  const std::size_t max_line = 1 + data[1] % 80;
  const auto content = torchx::fuzz::text(data + 2, size - 2);
  const int fd = ::memfd_create("log", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  torchx::util::LogFileReader reader("/proc/self/fd/" + std::to_string(fd), max_line);
  torchx::cli::PrefixedLines prefixed("w/0 ");
  std::string got;
  std::string buf(cap, '\0');
  for (bool finishing = false;;) {
    const std::size_t n = finishing ? reader.finish(buf.data(), cap) : reader.read(buf.data(), cap);
    if (n == 0) {
      if (finishing) break;
      finishing = true;
      continue;
    }
    FUZZ_CHECK(n <= cap);
    FUZZ_CHECK(buf[n - 1] == '\n');
    const std::string_view batch(buf.data(), n);
    FUZZ_CHECK(prefixed.format(batch) == prefixed_by_line("w/0 ", batch));
    got.append(batch);
  }
  ::close(fd);
  FUZZ_CHECK(!reader.has_partial());
  FUZZ_CHECK(got == as_pieces(content, std::min(cap - 1, max_line)));
  return 0;
}
