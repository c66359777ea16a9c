// SPDX-License-Identifier: BSD-3-Clause
#include "manifest_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace json = boost::json;

namespace torchx::loader {
namespace {

constexpr std::int64_t k_format = 2;  ///< the file's layout; a file of another is ignored (2: commands)
/// The torchx that wrote the file: its entries (a parse error included) are what that version's
/// parser said, so a file from another version is ignored whole, even with the same layout.
constexpr const char* k_host = TORCHX_VERSION;

std::int64_t ns(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

json::array stamp_json(const FileStamp& s) {
  return json::array{s.dev, s.ino, s.size, s.mtime_ns, s.ctime_ns, s.mode, s.uid};
}

std::optional<FileStamp> stamp_from(const json::value* v) {
  if (v == nullptr || !v->is_array() || v->get_array().size() != 7) return std::nullopt;
  const auto& a = v->get_array();
  for (const auto& x : a) {
    if (!x.is_int64() && !x.is_uint64()) return std::nullopt;
  }
  auto u = [&](std::size_t i) { return a[i].is_uint64() ? a[i].get_uint64() : static_cast<std::uint64_t>(a[i].get_int64()); };
  FileStamp s;
  s.dev = u(0);
  s.ino = u(1);
  s.size = u(2);
  s.mtime_ns = static_cast<std::int64_t>(u(3));
  s.ctime_ns = static_cast<std::int64_t>(u(4));
  s.mode = static_cast<std::uint32_t>(u(5));
  s.uid = static_cast<std::uint32_t>(u(6));
  return s;
}

/// Creates the missing directories of `root`, each mode 0700 (XDG's rule for the cache home).
void make_private_dirs(const std::filesystem::path& root) {
  std::filesystem::path p;
  for (const auto& part : root) {
    p /= part;
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) return;
  }
}

}  // namespace

FileStamp FileStamp::of(const struct stat& st) {
  FileStamp s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.mtime_ns = ns(st.st_mtim);
  s.ctime_ns = ns(st.st_ctim);
  s.mode = st.st_mode;
  s.uid = st.st_uid;
  return s;
}

std::filesystem::path ManifestCache::file_for(const std::filesystem::path& root, const std::filesystem::path& dir) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : dir.string()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.json", static_cast<unsigned long long>(h));
  return root / name;
}

ManifestCache::ManifestCache(std::filesystem::path root, std::filesystem::path dir, const TrustInputs& trust,
                             std::function<void(const std::string&)> notes, std::int64_t racy_ns)
    : m_root(std::move(root)), m_dir(std::move(dir)), m_file(file_for(m_root, m_dir)), m_notes(std::move(notes)),
      m_racy_ns(racy_ns) {
  const std::string where = "cache " + m_file.string() + " of " + m_dir.string();
  if (struct stat root_st {}; ::stat(m_root.c_str(), &root_st) != 0) make_private_dirs(m_root);  // one stat when it exists
  if (const auto why = untrusted_reason(m_root, trust)) {
    m_notes(where + ": not used: the cache directory " + *why);
    return;
  }
  const int fd = ::open(m_file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    m_usable = errno == ENOENT;
    m_notes(where + (m_usable ? ": absent" : ": not used: " + std::string(std::strerror(errno))));
    m_dirty = true;
    return;
  }
  struct stat st {};
  std::string text;
  bool trusted = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid == 0 || st.st_uid == trust.uid) &&
                 (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
  if (trusted) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
  }
  ::close(fd);
  if (!trusted) {
    // Someone else's (or a shared) file is never read, and not replaced either: say so.
    m_notes(where + ": not used: not a regular file owned by root or the invoking user and writable by nobody else");
    return;
  }
  m_usable = true;
  m_dirty = true;  // until the file proves whole
  boost::system::error_code ec;
  // One arena for the whole file: 1,000 entries are 20,000 small values, allocated and freed at
  // once. Its first block is sized for the whole DOM (about twice the text), so the parse does not
  // grow it block by block; a storage_ptr to a monotonic_resource it does not own makes the values'
  // destruction trivial (nothing walks them at exit).
  m_arena = std::make_unique<json::monotonic_resource>(text.size() * 2 + 4096);
  json::value v = json::parse(text, ec, json::storage_ptr(m_arena.get()));
  if (ec || !v.is_object()) {
    m_notes(where + ": ignored (not JSON: truncated or corrupt), rebuilt");
    return;
  }
  auto& o = v.get_object();
  const auto* format = o.if_contains("format");
  const auto* for_dir = o.if_contains("dir");
  auto* entries = o.if_contains("entries");
  if (format == nullptr || !format->is_int64() || format->get_int64() != k_format) {
    m_notes(where + ": ignored (another format), rebuilt");
    return;
  }
  if (const auto* host = o.if_contains("host"); host == nullptr || !host->is_string() || host->get_string() != k_host) {
    m_notes(where + ": ignored (written by another torchx version), rebuilt");
    return;
  }
  if (for_dir == nullptr || !for_dir->is_string() || for_dir->get_string() != m_dir.string() || entries == nullptr ||
      !entries->is_object()) {
    m_notes(where + ": ignored (not this directory's, or no entries), rebuilt");
    return;
  }
  m_old.emplace(std::move(entries->get_object()));  // moved with its arena, not copied out of it
  m_dirty = false;
}

std::optional<ManifestReading> ManifestCache::find(const std::string& name, const FileStamp& stamp,
                                                   const std::filesystem::path& file) {
  if (!m_usable) return std::nullopt;
  const auto* e = m_old ? m_old->if_contains(name) : nullptr;
  if (e == nullptr || !e->is_object()) return std::nullopt;
  const auto& o = e->get_object();
  const auto kept = stamp_from(o.if_contains("stamp"));
  if (!kept || !(*kept == stamp)) return std::nullopt;
  ManifestReading r;
  try {
    if (const auto* m = o.if_contains("manifest")) {
      r.manifest = manifests::manifest_from_json(*m);
      if (r.manifest->path.native() != file.native()) return std::nullopt;  // kept for another path: not ours
    } else {
      const auto* error = o.if_contains("error");
      const auto* claimed = o.if_contains("claimed");
      if (error == nullptr || !error->is_string() || claimed == nullptr || !claimed->is_string()) return std::nullopt;
      r.error = std::string(error->get_string());
      r.claimed = std::string(claimed->get_string());
    }
  } catch (const ManifestError&) {
    return std::nullopt;  // a corrupt entry: read the file (and rewrite the cache)
  }
  m_kept.push_back(name);
  ++m_hits;
  return r;
}

void ManifestCache::put(const std::string& name, const FileStamp& stamp, const ManifestReading& reading,
                        std::int64_t read_at_ns) {
  if (!m_usable) return;
  m_dirty = true;
  if (read_at_ns - stamp.mtime_ns < m_racy_ns || read_at_ns - stamp.ctime_ns < m_racy_ns) return;  // too fresh to trust
  json::object e{{"stamp", stamp_json(stamp)}};
  if (reading.manifest) {
    e.emplace("manifest", manifests::manifest_to_json(*reading.manifest));
  } else {
    e.emplace("error", reading.error);
    e.emplace("claimed", reading.claimed);
  }
  m_new.emplace(name, std::move(e));
}

std::size_t ManifestCache::save() {
  if (!m_usable) return m_hits;
  if (!m_dirty && m_old && m_kept.size() == m_old->size()) return m_hits;  // every entry used as it was: nothing to write
  for (const auto& name : m_kept) m_new.emplace(name, json::value(m_old->at(name), m_new.storage()));
  const std::string text = json::serialize(json::object{{"format", k_format}, {"host", k_host}, {"dir", m_dir.string()}, {"entries", std::move(m_new)}});
  std::random_device rd;
  const auto tmp = m_root / (m_file.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    m_notes("cache " + m_file.string() + ": not written: " + std::strerror(errno));
    return m_hits;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = ::close(fd) == 0 && done == text.size();
  if (!ok || ::rename(tmp.c_str(), m_file.c_str()) != 0) {
    m_notes("cache " + m_file.string() + ": not written: " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return m_hits;
  }
  m_notes("cache " + m_file.string() + ": written (" + std::to_string(text.size()) + " bytes)");
  return m_hits;
}

std::optional<std::filesystem::path> default_plugin_cache_root(const SearchPathInputs& inputs) {
  if (inputs.secure) return std::nullopt;
  if (const auto off = inputs.getenv("TORCHX_PLUGIN_CACHE"); off && *off == "0") return std::nullopt;
  if (const auto xdg = inputs.getenv("XDG_CACHE_HOME"); xdg && !xdg->empty() && std::filesystem::path(*xdg).is_absolute()) {
    return std::filesystem::path(*xdg) / "torchx/plugins";
  }
  if (const auto home = inputs.getenv("HOME"); home && !home->empty() && std::filesystem::path(*home).is_absolute()) {
    return std::filesystem::path(*home) / ".cache/torchx/plugins";
  }
  return std::nullopt;
}

}  // namespace torchx::loader
