// SPDX-License-Identifier: BSD-3-Clause
#include "app_dir.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <random>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

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
  // Absolute: the paths under it reach replicas that run elsewhere (TORCHELASTIC_ERROR_FILE,
  // PET_LOG_DIR, in the workspace) and a supervisor; a relative one is the caller's directory.
  std::error_code abs_ec;
  if (auto abs = std::filesystem::absolute(root, abs_ec); !abs_ec) root = abs.lexically_normal();
  if (create) {
    // The parents as any mkdir -p would; the root itself private. An existing directory is taken
    // as it is (never chmod-ed: it may not be ours to change), unless others could write to it.
    std::error_code ec;
    if (root.has_parent_path()) std::filesystem::create_directories(root.parent_path(), ec);
    if (ec || (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST)) {
      const std::string why = ec ? ec.message() : std::strerror(errno);
      throw std::runtime_error("cannot create the local state root '" + root.string() + "': " + why);
    }
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      throw std::runtime_error("the local state root '" + root.string() + "' is not a directory");
    }
    if (st.st_uid != ::geteuid()) {
      throw std::runtime_error("the local state root '" + root.string() + "' belongs to another user (uid " +
                               std::to_string(st.st_uid) + "): set TORCHX_LOCAL_DIR to a directory of your own");
    }
    if ((st.st_mode & S_IWOTH) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      throw std::runtime_error("the local state root '" + root.string() + "' is writable by every user (mode " + mode +
                               "): set TORCHX_LOCAL_DIR to a private directory (torchx creates a missing one "
                               "with mode 0700)");
    }
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
  // open/read, not std::ifstream: a stream's first construction builds the classic locale in the
  // plugin's own copy of libstdc++ (~80 K instructions and its pages touched in every `status`).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the end, or an error (a directory): what was read, as the stream gave
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

bool supervisor_alive(const std::filesystem::path& app_dir) {
  const int fd = ::open((app_dir / k_lock_file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool alive = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases our shared lock if we got one
  return alive;
}

int try_lock_supervisor(const std::filesystem::path& app_dir) {
  // Read-only is enough for flock (and works on a read-only state root). A missing file is
  // created: an app directory from before the launcher created the lock has none; nobody runs it.
  const std::filesystem::path path = app_dir / k_lock_file;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string boot_id() {
  std::string id = read_file("/proc/sys/kernel/random/boot_id").value_or("");
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

namespace {

// No std::istringstream in this file: a stream drags the whole locale machinery of libstdc++ into
// the plugin (which carries its own copy): ~80 more symbols for the dynamic loader to bind at every
// dlopen, and the classic locale built on first use.

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/// The whitespace-separated words of `text`, as `>>` into a std::string reads them.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) return out;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    out.emplace_back(text.substr(start, i - start));
  }
}

/// Calls `fn` with each line of `text` (without its '\n'), as std::getline reads them.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

/// The fields of /proc/PID/stat after the command name: [0] is field 3 (state).
std::vector<std::string> stat_fields(pid_t pid) {
  if (pid <= 0) return {};
  const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return {};
  const auto paren = stat->rfind(')');
  if (paren == std::string::npos) return {};
  return words(std::string_view(*stat).substr(paren + 1));
}

}  // namespace

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  const auto fields = stat_fields(pid);
  if (fields.size() < 20) return std::nullopt;
  return std::strtoull(fields[19].c_str(), nullptr, 10);  // field 22
}

pid_t process_group(pid_t pid) {
  const auto fields = stat_fields(pid);
  return fields.size() < 3 ? -1 : static_cast<pid_t>(std::atoi(fields[2].c_str()));  // field 5
}

bool same_process(pid_t pid, std::uint64_t start_time, const std::string& recorded_boot_id) {
  if (pid <= 0 || start_time == 0 || recorded_boot_id.empty() || recorded_boot_id != boot_id()) return false;
  return process_start_time(pid) == start_time;
}

CgroupPlace cgroup_place() {
  // Our own cgroup v2 path ("0::/a/b"), and where the v2 hierarchy is mounted (mountinfo: field 4 is
  // the mount's root in the hierarchy, field 5 the mount point, the type follows " - ").
  std::string own;
  for_each_line(read_file("/proc/self/cgroup").value_or(""), [&](std::string_view line) {
    if (line.starts_with("0::")) own = line.substr(3);
  });
  if (own.empty()) return {{}, "this process is in no cgroup v2"};
  const std::string mountinfo = read_file("/proc/self/mountinfo").value_or("");
  std::vector<std::string_view> lines;
  for_each_line(mountinfo, [&](std::string_view line) { lines.push_back(line); });
  for (const std::string_view line : lines) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.substr(dash + 3, 8) != "cgroup2 ") continue;
    auto f = words(line.substr(0, dash));
    f.resize(std::max<std::size_t>(f.size(), 5));
    const std::string& mount_root = f[3];
    const std::string& mount_point = f[4];
    if (own.rfind(mount_root, 0) != 0) continue;  // a mount of another part of the hierarchy
    std::string rel = own.substr(mount_root == "/" ? 0 : mount_root.size());
    while (rel.starts_with("/")) rel.erase(0, 1);
    const std::filesystem::path dir = rel.empty() ? std::filesystem::path(mount_point) : std::filesystem::path(mount_point) / rel;
    if (::access((dir / "cgroup.procs").c_str(), W_OK) != 0 || ::access(dir.c_str(), W_OK) != 0) {
      return {{}, "the cgroup v2 directory " + dir.string() + " is not writable by this user"};
    }
    return {dir, ""};
  }
  return {{}, "no cgroup v2 file system is mounted"};
}

std::string cgroup_name(const std::string& app_id) { return "torchx-local-" + app_id; }

bool is_app_cgroup(const std::filesystem::path& dir, const std::string& app_id) {
  struct statfs fs {};
  return !app_id.empty() && dir.is_absolute() && dir.filename() == cgroup_name(app_id) &&
         ::statfs(dir.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

namespace {

/// Removes the (emptied) cgroups below `dir`, deepest first; a cgroup's files are not directories.
void remove_cgroups_below(const std::filesystem::path& dir, int depth) {
  if (depth > 32) return;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (!e.is_directory(ec) || e.is_symlink(ec)) continue;
    remove_cgroups_below(e.path(), depth + 1);
    ::rmdir(e.path().c_str());
  }
}

}  // namespace

bool kill_cgroup(const std::filesystem::path& dir, int wait_ms) {
  // cgroup.kill (Linux 5.14) kills atomically, forks included; before it, SIGKILL pid by pid,
  // again on each round. Every process in the cgroup is the app's: only its replicas entered it.
  // The common case first: every replica has ended and been reaped, nothing left the app behind,
  // so the cgroup is empty and has no cgroup below it. rmdir then succeeds at once (the kernel
  // refuses, EBUSY, a cgroup that holds a process or a child cgroup), and the kill and the scan
  // below are not needed: one system call on the path every app takes as it ends.
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  bool killed = false;
  while (true) {
    if (!killed) {
      const int fd = ::open((dir / "cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
      killed = fd >= 0 && ::write(fd, "1", 1) == 1;
      if (fd >= 0) ::close(fd);
    }
    if (!killed) {
      for (const auto& word : words(read_file(dir / "cgroup.procs").value_or(""))) {
        char* end = nullptr;
        const long pid = std::strtol(word.c_str(), &end, 10);
        if (end == word.c_str() || *end != '\0' || pid <= 0 || pid > INT_MAX) break;  // as `>>` stopped
        ::kill(static_cast<pid_t>(pid), SIGKILL);
      }
    }
    // cgroup.kill reaches the cgroups below too (a torchx run inside a replica makes its own):
    // those go first, or this one cannot be removed.
    remove_cgroups_below(dir, 0);
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

double parse_seconds(const std::string& name, const std::string& text, double max) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = text.empty() || std::isspace(static_cast<unsigned char>(text[0])) ? NAN : std::strtod(begin, &end);
  if (end != begin + text.size() || !std::isfinite(v) || v < 0 || v > max) {
    const std::string shown = text.size() > 40 ? text.substr(0, 40) + "..." : text;
    char shown_max[32];
    std::snprintf(shown_max, sizeof shown_max, "%g", max);  // as a stream shows a double
    throw std::invalid_argument(name + "='" + shown + "' is not a number of seconds from 0 to " + shown_max);
  }
  return v;
}

}  // namespace torchx::local
