// SPDX-License-Identifier: BSD-3-Clause
// LogFileReader: whole lines of a growing file straight into a caller's buffer, long lines in
// pieces, the last unfinished line only at the end.
#include "../support/temp_dir.hpp"

#include <torchx/util/log_file.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

using torchx::util::LogFileReader;

namespace {

void append(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

/// One read() (or finish()) as a string.
std::string read(LogFileReader& r, std::size_t cap, bool finish = false) {
  std::string buf(cap, '\0');
  buf.resize(finish ? r.finish(buf.data(), cap) : r.read(buf.data(), cap));
  return buf;
}

/// Everything, read to the end and finished, with a buffer of `cap`.
std::string drain(LogFileReader& r, std::size_t cap) {
  std::string all;
  for (std::string got; !(got = read(r, cap)).empty();) all += got;
  for (std::string got; !(got = read(r, cap, true)).empty();) all += got;
  return all;
}

/// `text` as lines cut into pieces of at most `piece` bytes, each followed by '\n'; a last line
/// without a line break gets one.
std::string as_pieces(const std::string& text, std::size_t piece) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::size_t n = nl - pos;
    do {
      const std::size_t take = std::min(n, piece);
      out.append(text, pos, take).push_back('\n');
      pos += take;
      n -= take;
    } while (n > 0);
    pos = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("LogFileReader::read hands out whole lines, and the unfinished one only when it ends") {
  torchx::test::TempDir tmp;
  const auto path = tmp.path() / "out.log";
  LogFileReader r(path);
  CHECK(read(r, 4096).empty());  // not written yet: empty, no error
  append(path, "one\ntwo\nthr");
  CHECK(read(r, 4096) == "one\ntwo\n");
  CHECK(read(r, 4096).empty());  // "thr" waits for its line break
  CHECK(r.has_partial());
  append(path, "ee\n\nfou");
  CHECK(read(r, 4096) == "three\n\n");
  CHECK(read(r, 4096, true) == "fou\n");  // the writer is done: the last line gets its '\n'
  CHECK_FALSE(r.has_partial());
  CHECK(read(r, 4096, true).empty());
}

TEST_CASE("LogFileReader::read fills small buffers with as many whole lines as fit") {
  torchx::test::TempDir tmp;
  const auto path = tmp.path() / "out.log";
  append(path, "aa\nbb\ncc\ndd\n");
  LogFileReader r(path);
  CHECK(read(r, 7) == "aa\nbb\n");  // "cc" would not fit with its '\n'
  CHECK(read(r, 7) == "cc\ndd\n");
  CHECK(read(r, 7).empty());
}

TEST_CASE("LogFileReader::read cuts a line longer than the buffer or max_line into pieces") {
  torchx::test::TempDir tmp;
  const auto path = tmp.path() / "out.log";
  append(path, std::string(10, 'a') + "\n" + std::string(11, 'b') + "\n" + std::string(25, 'c') + "\nend");
  LogFileReader by_cap(path);
  CHECK(drain(by_cap, 11) == std::string(10, 'a') + "\n" + std::string(10, 'b') + "\nb\n" + std::string(10, 'c') +
                                 "\n" + std::string(10, 'c') + "\n" + std::string(5, 'c') + "\nend\n");
  LogFileReader by_max_line(path, 10);  // the same pieces with a large buffer: at most max_line + 1 used
  LogFileReader again(path);
  CHECK(drain(by_max_line, 1 << 20) == drain(again, 11));
}

TEST_CASE("LogFileReader::read gives the same lines whatever the buffer and however the file grows") {
  std::mt19937 rng(20261202);
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    torchx::test::TempDir tmp;
    const auto path = tmp.path() / "out.log";
    std::string text;
    const int lines = static_cast<int>(rng() % 40);
    for (int i = 0; i < lines; ++i) text += std::string(rng() % 3 == 0 ? rng() % 300 : rng() % 20, 'x') + "\n";
    if (rng() % 2 == 0) text += "tail without a line break";
    const std::size_t cap = 2 + rng() % 100;
    const std::size_t max_line = 1 + rng() % 200;
    LogFileReader r(path, max_line);
    std::string got;
    for (std::size_t pos = 0; pos < text.size();) {  // written in random chunks, read in between
      const std::size_t n = std::min<std::size_t>(text.size() - pos, 1 + rng() % 150);
      append(path, text.substr(pos, n));
      pos += n;
      for (std::string b; !(b = read(r, cap)).empty();) {
        CHECK(b.back() == '\n');
        CHECK(b.size() <= std::min(cap, max_line + 1));
        got += b;
      }
    }
    got += drain(r, cap);
    CHECK(got == as_pieces(text, std::min(cap - 1, max_line)));
  }
}
