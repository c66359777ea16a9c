// SPDX-License-Identifier: BSD-3-Clause
#include "app_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace torchx::local {

std::filesystem::path state_root(bool create) {
  std::filesystem::path root;
  if (const char* d = std::getenv("TORCHX_LOCAL_DIR"); d != nullptr && *d != '\0') {
    root = d;
  } else if (const char* s = std::getenv("XDG_STATE_HOME"); s != nullptr && *s != '\0') {
    root = std::filesystem::path(s) / "torchx/local";
  } else {
    const char* home = std::getenv("HOME");
    root = std::filesystem::path(home != nullptr ? home : "/tmp") / ".local/state/torchx/local";
  }
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) throw std::runtime_error("cannot create the local state root '" + root.string() + "': " + ec.message());
    ::chmod(root.c_str(), 0700);
  }
  return root;
}

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  std::random_device rd;
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot write " + tmp.string());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::system_error(e, std::generic_category(), "cannot write " + tmp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  // No fsync: the rename makes the replacement atomic for readers and against a crash of the
  // writer; the state is rewritten on every change, and a flush each time costs milliseconds.
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw std::system_error(e, std::generic_category(), "cannot replace " + path.string());
  }
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool supervisor_alive(const std::filesystem::path& app_dir) {
  const int fd = ::open((app_dir / k_lock_file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool alive = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases our shared lock if we got one
  return alive;
}

}  // namespace torchx::local
