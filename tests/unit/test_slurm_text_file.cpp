// SPDX-License-Identifier: BSD-3-Clause
// The Slurm plugin without iostreams on a submit's path (text_file.hpp, find_partition): the
// same words and the same partitions the streams gave.
#include "sinfo_cache.hpp"
#include "text_file.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// find_partition as it was, with streams: the reference.
std::optional<torchx::slurm::PartitionInfo> reference_find_partition(const std::string& sinfo_output,
                                                                     const std::string& partition) {
  std::istringstream lines(sinfo_output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    torchx::slurm::PartitionInfo info;
    std::string memory;
    f >> info.nodes >> info.name >> memory;
    const bool is_default = !info.name.empty() && info.name.back() == '*';
    if (is_default) info.name.pop_back();
    if ((partition.empty() && is_default) || (!partition.empty() && info.name == partition)) {
      memory.erase(std::remove(memory.begin(), memory.end(), '+'), memory.end());
      info.memory_mb = memory.empty() ? INT_MAX : std::atoi(memory.c_str());
      return info;
    }
  }
  return std::nullopt;
}

std::vector<std::string> reference_words(const std::string& text) {
  std::istringstream split(text);
  std::vector<std::string> words;
  for (std::string w; split >> w;) words.push_back(w);
  return words;
}

}  // namespace

TEST_CASE("slurm::split_words splits as std::istream >> std::string did") {
  for (const std::string text : {"", " ", "a", "python train.py", "  -m   x\t--y\n\nz ", "bash -c 'python a.py --x 1'",
                                 "\v\f\ra\rb\v", "é ü", "trailing "}) {
    CAPTURE(text);
    CHECK(torchx::slurm::split_words(text) == reference_words(text));
  }
}

TEST_CASE("slurm::find_partition finds what the stream-based reading found") {
  const std::vector<std::string> outputs{
      "4 debug* 24151\n",
      "4 debug* 24151\n2 gpu 64000+\n",
      "2 gpu 64000+\n4 debug* 24151",
      "  3   batch*   1000  \n",
      "1 tiny* \n",
      "1 tiny*\n",
      "x debug* 1000\n4 debug 2000\n",
      "4x debug* 1000\n",
      "+4 plus* 1000\n",
      "-4 minus* 1000\n",
      "99999999999 big* 1\n3 big 2\n",
      "\n\n5 later* 10\n",
      "4\tdebug*\t24151\r\n",
      "",
  };
  for (const auto& out : outputs) {
    for (const std::string partition : {"", "debug", "gpu", "batch", "tiny", "plus", "minus", "big", "later", "none"}) {
      CAPTURE(out);
      CAPTURE(partition);
      const auto found = torchx::slurm::find_partition(out, partition);
      const auto expected = reference_find_partition(out, partition);
      REQUIRE(found.has_value() == expected.has_value());
      if (found) {
        CHECK(found->name == expected->name);
        CHECK(found->nodes == expected->nodes);
        CHECK(found->memory_mb == expected->memory_mb);
      }
    }
  }
}

TEST_CASE("slurm::write_text_file and read_text_file: whole content, truncation, failures") {
  const auto dir = std::filesystem::temp_directory_path() / ("torchx-slurm-text-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "f.txt";
  std::string big(100000, 'x');
  big[5] = '\0';
  REQUIRE(torchx::slurm::write_text_file(file, big));
  CHECK(torchx::slurm::read_text_file(file) == big);
  REQUIRE(torchx::slurm::write_text_file(file, "short"));  // truncates
  CHECK(torchx::slurm::read_text_file(file) == std::string("short"));
  CHECK_FALSE(torchx::slurm::write_text_file(dir / "missing" / "f.txt", "x"));
  CHECK_FALSE(torchx::slurm::read_text_file(dir / "missing.txt").has_value());
  std::filesystem::remove_all(dir);
}

TEST_CASE("slurm::replace_text_file: whole content or none, and no temporary left behind") {
  const auto dir = std::filesystem::temp_directory_path() / ("torchx-slurm-replace-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "record.json";
  REQUIRE(torchx::slurm::replace_text_file(file, "first"));
  REQUIRE(torchx::slurm::replace_text_file(file, std::string(100000, 'y')));
  CHECK(torchx::slurm::read_text_file(file) == std::string(100000, 'y'));
  // A target that cannot be replaced (a non-empty directory): false with errno, nothing changed.
  const auto occupied = dir / "occupied.json";
  std::filesystem::create_directories(occupied / "x");
  errno = 0;
  CHECK_FALSE(torchx::slurm::replace_text_file(occupied, "z"));
  CHECK(errno != 0);
  CHECK(std::filesystem::is_directory(occupied / "x"));
  CHECK_FALSE(torchx::slurm::replace_text_file(dir / "missing" / "f.json", "z"));
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++entries;
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
  CHECK(entries == 2);  // record.json and occupied.json
  std::filesystem::remove_all(dir);
}
