// SPDX-License-Identifier: BSD-3-Clause
// The SDK's log iterators: LogIterator::read (log_read, ABI 1.1) from a plugin's next(), and
// BatchLogIterator::next (log_next) from a plugin's read().
#include <torchx/plugin.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

/// A plugin's iterator that implements next() only.
class Lines : public torchx::plugin::LogIterator {
public:
  explicit Lines(std::vector<std::string> lines) : m_lines(std::move(lines)) {}
  std::optional<std::string> next() override {
    if (m_next == m_lines.size()) return std::nullopt;
    ++calls;
    return m_lines[m_next++];
  }
  int calls = 0;

private:
  std::vector<std::string> m_lines;
  std::size_t m_next = 0;
};

/// A plugin's iterator that implements read() only: fixed batches, then the end.
class Batches : public torchx::plugin::BatchLogIterator {
public:
  explicit Batches(std::vector<std::string> batches) : m_batches(std::move(batches)) {}
  std::size_t read(char* buf, std::size_t cap, bool& done) override {
    done = m_next + 1 >= m_batches.size();
    if (m_next == m_batches.size()) return 0;
    const std::string& b = m_batches[m_next++];
    REQUIRE(b.size() <= cap);
    b.copy(buf, b.size());
    return b.size();
  }

private:
  std::vector<std::string> m_batches;
  std::size_t m_next = 0;
};

std::string read(torchx::plugin::LogIterator& it, std::size_t cap, bool& done) {
  std::string buf(cap, '\0');
  buf.resize(it.read(buf.data(), cap, done));
  return buf;
}

}  // namespace

TEST_CASE("LogIterator::read packs lines from next() into whole-line batches") {
  Lines it({"one", "", "three", std::string(10, 'x'), "end"});
  bool done = false;
  CHECK(read(it, 12, done) == "one\n\nthree\n");  // the 10-byte line would not fit: it starts the next call
  CHECK_FALSE(done);
  CHECK(read(it, 12, done) == std::string(10, 'x') + "\n");
  CHECK_FALSE(done);
  CHECK(read(it, 12, done) == "end\n");
  CHECK(done);
}

TEST_CASE("LogIterator::read cuts a line longer than cap - 1 into pieces") {
  Lines it({std::string(25, 'x'), "b"});
  bool done = false;
  CHECK(read(it, 11, done) == std::string(10, 'x') + "\n");
  CHECK(read(it, 11, done) == std::string(10, 'x') + "\n");
  CHECK(read(it, 11, done) == "xxxxx\nb\n");
  CHECK(done);
}

TEST_CASE("LogIterator::read while following returns each line at once") {
  Lines it({"a", "b"});
  it.set_following(true);
  bool done = false;
  CHECK(read(it, 4096, done) == "a\n");  // next() may block: "a" must not wait for "b"
  CHECK(it.calls == 1);
  CHECK(read(it, 4096, done) == "b\n");
  CHECK_FALSE(done);
  CHECK(read(it, 4096, done).empty());
  CHECK(done);
}

TEST_CASE("BatchLogIterator::next splits a plugin's batches into lines") {
  Batches it({"a\nbb\n", "", "\nlast\n"});
  std::vector<std::string> lines;
  while (auto line = it.next()) lines.push_back(*line);
  CHECK(lines == std::vector<std::string>{"a", "bb", "", "last"});
  CHECK_FALSE(it.next().has_value());
}
