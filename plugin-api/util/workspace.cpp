// SPDX-License-Identifier: BSD-3-Clause
#include "torchx/util/workspace.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace torchx::util {
namespace {

/// Matches the set starting at pattern[p] == '[' against `c`, as Python's fnmatch.translate reads
/// it. Returns the set's length in the pattern (0: no closing ']', so '[' is a literal).
std::size_t match_set(std::string_view pattern, std::size_t p, char c, bool& matched) {
  std::size_t j = p + 1;
  if (j < pattern.size() && pattern[j] == '!') ++j;
  if (j < pattern.size() && pattern[j] == ']') ++j;
  while (j < pattern.size() && pattern[j] != ']') ++j;
  if (j >= pattern.size()) return 0;
  std::string_view set = pattern.substr(p + 1, j - p - 1);
  const bool negate = !set.empty() && set[0] == '!';
  if (negate) set.remove_prefix(1);
  bool in = false;
  for (std::size_t k = 0; k < set.size(); ++k) {
    if (k + 2 < set.size() && set[k + 1] == '-') {
      in = in || (set[k] <= c && c <= set[k + 2]);
      k += 2;
    } else {
      in = in || set[k] == c;
    }
  }
  matched = in != negate;
  return j - p + 1;
}

void walk(const std::filesystem::path& root, const std::string& rel_dir, std::span<const std::string> patterns,
          std::size_t first, std::vector<std::string>& out) {
  const auto active = patterns.subspan(first);
  const std::filesystem::path dir = rel_dir.empty() ? root : root / rel_dir;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
    const IgnoreMatch m = match_ignore(rel, active);
    if (m.ignored) continue;
    // A link that cannot be followed (dangling, a loop, a target we may not stat) has nothing
    // to copy: skipped, as a FIFO or a socket is, rather than failing the whole job.
    std::error_code ec;
    const bool link = entry.is_symlink(ec);
    const std::filesystem::file_status st = entry.status(ec);
    if (ec) continue;
    if (std::filesystem::is_directory(st) && !link) {
      walk(root, rel, patterns, first + static_cast<std::size_t>(m.last_pattern + 1), out);
    } else if (std::filesystem::is_regular_file(st)) {
      out.push_back(rel);
    }
  }
}

}  // namespace

std::vector<std::string> parse_ignore_patterns(std::string_view text) {
  std::vector<std::string> patterns;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    line = line.substr(0, line.find('#'));
    const auto begin = line.find_first_not_of(" \t\r\n\f\v");
    if (begin == std::string::npos) continue;
    line = line.substr(begin, line.find_last_not_of(" \t\r\n\f\v") - begin + 1);
    if (line != ".") patterns.push_back(std::move(line));
  }
  return patterns;
}

bool fnmatch(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;  // the last '*' seen, to backtrack to
  std::size_t star_text = 0;                  // where the text was when it was seen
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '*') {
        star = p++;
        star_text = t;
        continue;
      }
      if (c == '?') {
        ++p;
        ++t;
        continue;
      }
      bool matched = false;
      const std::size_t set = c == '[' ? match_set(pattern, p, text[t], matched) : 0;
      if (set > 0 && matched) {
        p += set;
        ++t;
        continue;
      }
      if (set == 0 && c == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;  // let the last '*' take one more character
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

IgnoreMatch match_ignore(std::string_view rel_path, std::span<const std::string> patterns) {
  IgnoreMatch m;
  if (rel_path == "." || rel_path == "Dockerfile.torchx") return m;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string_view pattern = patterns[i];
    if (pattern.starts_with('!') && fnmatch(pattern.substr(1), rel_path)) {
      m = {static_cast<int>(i), false};
    } else if (fnmatch(pattern, rel_path)) {
      m = {static_cast<int>(i), true};
    }
  }
  return m;
}

std::vector<std::string> workspace_files(const std::filesystem::path& root, std::string_view ignore_name) {
  std::error_code ec;
  if (const auto real = std::filesystem::canonical(root, ec); !ec && real == real.root_path()) {
    throw std::invalid_argument("the workspace '" + root.string() + "' is the root directory: expected a project's directory");
  }
  std::vector<std::string> patterns;
  if (std::ifstream in{root / ignore_name, std::ios::binary}) {
    std::stringstream text;
    text << in.rdbuf();
    patterns = parse_ignore_patterns(text.str());
  }
  std::vector<std::string> files;
  walk(root, "", patterns, 0, files);
  std::sort(files.begin(), files.end());
  return files;
}

void copy_workspace(const std::filesystem::path& from, const std::filesystem::path& to, std::string_view ignore_name) {
  for (const auto& rel : workspace_files(from, ignore_name)) {
    const std::filesystem::path target = to / rel;
    std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(from / rel, target, std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace torchx::util
