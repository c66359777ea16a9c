// SPDX-License-Identifier: BSD-3-Clause
#include "text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <string>

namespace torchx::slurm {

std::optional<std::string> read_text_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ::close(fd);
      return std::nullopt;
    }
  }
  ::close(fd);
  return text;
}

namespace {

/// Opens `path` with `flags` (and O_WRONLY, O_CREAT, O_CLOEXEC, mode 0666 less the umask) and
/// writes `text`; false with errno set when it cannot be opened or written in full. `opened` says
/// whether the file was opened (so created or truncated).
bool write_with_flags(const std::filesystem::path& path, std::string_view text, int flags, bool& opened) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0666);
  opened = fd >= 0;
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = n == 0 ? EIO : errno;  // no progress and no error: do not loop
      ::close(fd);
      errno = saved;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0;
}

}  // namespace

bool write_text_file(const std::filesystem::path& path, std::string_view text) {
  bool opened = false;
  return write_with_flags(path, text, O_TRUNC, opened);
}

bool replace_text_file(const std::filesystem::path& path, std::string_view text) {
  std::random_device rd;
  const auto tmp = path.parent_path() / (path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  // O_EXCL: a temporary of another writer that happened to get the same name is never
  // overwritten, nor removed on failure (only the file this call created is).
  bool created = false;
  if (write_with_flags(tmp, text, O_EXCL, created) && ::rename(tmp.c_str(), path.c_str()) == 0) return true;
  const int saved = errno;
  if (created) ::unlink(tmp.c_str());
  errno = saved;
  return false;
}

std::vector<std::string> split_words(std::string_view text) {
  constexpr std::string_view k_space = " \t\n\v\f\r";
  std::vector<std::string> words;
  std::size_t i = 0;
  while (true) {
    i = text.find_first_not_of(k_space, i);
    if (i == std::string_view::npos) break;
    const std::size_t end = std::min(text.find_first_of(k_space, i), text.size());
    words.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return words;
}

}  // namespace torchx::slurm
