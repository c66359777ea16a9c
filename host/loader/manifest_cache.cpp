// SPDX-License-Identifier: BSD-3-Clause
#include "manifest_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <type_traits>

namespace torchx::loader {
namespace {

constexpr std::string_view k_magic = "torchx-plugin-cache";
constexpr std::string_view k_format = "3";  ///< the file's layout; a file of another is ignored (3: flat tokens)
/// The torchx that wrote the file: its entries (a parse error included) are what that version's
/// parser said, so a file from another version is ignored whole, even with the same layout.
constexpr std::string_view k_host = TORCHX_VERSION;

std::int64_t ns(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

/// Appends the token `<size>:<v>` and `sep`.
void put_token(std::string& out, std::string_view v, char sep = ' ') {
  char size[24];
  const auto end = std::to_chars(size, size + sizeof size, v.size()).ptr;
  out.append(size, end);
  out += ':';
  out += v;
  out += sep;
}

template <typename T>
void put_number(std::string& out, T v) {
  char text[24];
  put_token(out, std::string_view(text, static_cast<std::size_t>(std::to_chars(text, text + sizeof text, v).ptr - text)));
}

void put_strings(std::string& out, const std::vector<std::string>& v) {
  put_number(out, v.size());
  for (const auto& s : v) put_token(out, s);
}

/// Reads tokens; any malformation makes `ok` false and every later token empty.
struct Tokens {
  std::string_view text;
  std::size_t at = 0;
  bool ok = true;

  /// The next token and the separator after it (' ' or '\n', or none at the very end).
  std::string_view next(char* sep = nullptr) {
    std::size_t size = 0;
    const char* p = text.data() + at;
    const char* end = text.data() + text.size();
    const auto [colon, ec] = std::from_chars(p, end, size);
    if (!ok || ec != std::errc() || colon == end || *colon != ':' || colon == p ||
        size > static_cast<std::size_t>(end - colon - 1)) {
      ok = false;
      return {};
    }
    const std::string_view v(colon + 1, size);
    at = static_cast<std::size_t>(colon + 1 + size - text.data());
    const char c = at < text.size() ? text[at] : '\0';
    if (c != ' ' && c != '\n') {
      ok = false;
      return {};
    }
    ++at;
    if (sep != nullptr) *sep = c;
    return v;
  }
  template <typename T>
  T number() {
    const std::string_view v = next();
    T out{};
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (!ok || v.empty() || ec != std::errc() || end != v.data() + v.size()) ok = false;
    return out;
  }
};

/// The body of an entry: the stamp, then the manifest or the error.
std::string entry_body(const FileStamp& s, const ManifestReading& r) {
  std::string out;
  put_number(out, s.dev);
  put_number(out, s.ino);
  put_number(out, s.size);
  put_number(out, s.mtime_ns);
  put_number(out, s.ctime_ns);
  put_number(out, s.mode);
  put_number(out, s.uid);
  if (!r.manifest) {
    put_token(out, "e");
    put_token(out, r.error);
    put_token(out, r.claimed);
    return out;
  }
  const Manifest& m = *r.manifest;
  put_token(out, "m");
  put_token(out, m.path.native());
  put_token(out, m.name);
  put_token(out, m.version);
  put_token(out, m.description);
  put_token(out, m.library_path.native());
  put_number(out, m.abi_versions.size());
  for (const auto v : m.abi_versions) put_number(out, v);
  put_strings(out, m.provides.schedulers);
  put_strings(out, m.provides.components);
  put_strings(out, m.provides.trackers);
  put_strings(out, m.provides.named_resources);
  put_number(out, m.python_components.size());
  for (const auto& c : m.python_components) {
    put_token(out, c.name);
    put_token(out, c.module);
    put_token(out, c.function);
  }
  put_number(out, m.commands.size());
  for (const auto& c : m.commands) {
    put_token(out, c.name);
    put_token(out, c.description);
  }
  return out;
}

/// The stamp at the start of `t`.
FileStamp stamp_from(Tokens& t) {
  FileStamp s;
  s.dev = t.number<std::uint64_t>();
  s.ino = t.number<std::uint64_t>();
  s.size = t.number<std::uint64_t>();
  s.mtime_ns = t.number<std::int64_t>();
  s.ctime_ns = t.number<std::int64_t>();
  s.mode = t.number<std::uint32_t>();
  s.uid = t.number<std::uint32_t>();
  return s;
}

/// `count` items of `per` tokens each, validated, as a view into an entry (walked again by `each`).
struct TokenList {
  std::size_t count = 0;
  std::size_t per = 1;
  std::string_view text;  ///< the items' tokens

  /// Calls `fn(tokens...)` (`per` string_views: `fn` takes as many) for each item. The tokens
  /// were checked when the list was made: walking them again cannot fail.
  template <typename Fn>
  void each(Fn&& fn) const {
    Tokens t{text};
    for (std::size_t i = 0; i < count; ++i) {
      if constexpr (std::is_invocable_v<Fn, std::string_view>) {
        fn(t.next());
      } else if constexpr (std::is_invocable_v<Fn, std::string_view, std::string_view>) {
        const auto a = t.next();
        fn(a, t.next());
      } else if constexpr (std::is_invocable_v<Fn, std::string_view, std::string_view, std::string_view>) {
        const auto a = t.next();
        const auto b = t.next();
        fn(a, b, t.next());
      }
    }
  }
};

/// Reads a counted list of `per`-token items from `t` (each token at least 3 bytes: more items
/// than that allows is corrupt).
TokenList list_from(Tokens& t, std::size_t per) {
  TokenList l;
  l.per = per;
  const auto count = t.number<std::size_t>();
  // A refused list has no items: `each` walks `count` items, and a count the body cannot hold
  // (up to 2^64) walked anyway was a hang on a corrupt cache (found by fuzz_manifest_cache).
  if (!t.ok || count > (t.text.size() - t.at) / (3 * per)) {
    t.ok = false;
    return l;
  }
  const std::size_t start = t.at;
  for (std::size_t i = 0; i < count * per && t.ok; ++i) t.next();
  if (!t.ok) return l;
  l.count = count;
  l.text = t.text.substr(start, t.at - start);
  return l;
}

/// One entry's reading as views into the cache's text: decoded and validated in one pass, with no
/// allocation; `reading_from` builds a ManifestReading from it, `ManifestCache::find_summary`
/// hands out the fields `torchx --help` needs.
struct EntryView {
  bool is_manifest = false;
  std::string_view error, claimed;  ///< kind `e`
  std::string_view path, name, version, description, library_path;
  TokenList abi_versions, schedulers, components, trackers, named_resources;
  TokenList python_components;  ///< name, module, function
  TokenList commands;           ///< name, description
};

/// The entry after the stamp, or nullopt when the body is malformed (a bad length, count or
/// number, an unknown kind, or bytes left over).
std::optional<EntryView> view_from(Tokens& t) {
  EntryView v;
  const std::string_view kind = t.next();
  if (kind == "e") {
    v.error = t.next();
    v.claimed = t.next();
  } else if (kind == "m") {
    v.is_manifest = true;
    v.path = t.next();
    v.name = t.next();
    v.version = t.next();
    v.description = t.next();
    v.library_path = t.next();
    v.abi_versions = list_from(t, 1);
    v.abi_versions.each([&t](std::string_view a) {
      std::uint32_t n = 0;
      const auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), n);
      if (a.empty() || ec != std::errc() || end != a.data() + a.size() || n == 0 || n > 1000000) t.ok = false;
    });
    v.schedulers = list_from(t, 1);
    v.components = list_from(t, 1);
    v.trackers = list_from(t, 1);
    v.named_resources = list_from(t, 1);
    v.python_components = list_from(t, 3);
    v.commands = list_from(t, 2);
  } else {
    t.ok = false;
  }
  if (!t.ok || t.at != t.text.size()) return std::nullopt;  // malformed, or more than one reading
  return v;
}

std::vector<std::string> strings_of(const TokenList& l) {
  std::vector<std::string> out;
  out.reserve(l.count);
  l.each([&out](std::string_view s) { out.emplace_back(s); });
  return out;
}

/// The reading an entry's view holds.
ManifestReading reading_of(const EntryView& view) {
  const EntryView* v = &view;
  ManifestReading r;
  if (!v->is_manifest) {
    r.error = v->error;
    r.claimed = v->claimed;
    return r;
  }
  Manifest& m = r.manifest.emplace();
  m.path = v->path;
  m.name = v->name;
  m.version = v->version;
  m.description = v->description;
  m.library_path = v->library_path;
  m.abi_versions.reserve(v->abi_versions.count);
  v->abi_versions.each([&m](std::string_view a) {
    std::uint32_t n = 0;
    std::from_chars(a.data(), a.data() + a.size(), n);
    m.abi_versions.push_back(n);
  });
  m.provides.schedulers = strings_of(v->schedulers);
  m.provides.components = strings_of(v->components);
  m.provides.trackers = strings_of(v->trackers);
  m.provides.named_resources = strings_of(v->named_resources);
  m.python_components.reserve(v->python_components.count);
  v->python_components.each([&m](std::string_view name, std::string_view module, std::string_view function) {
    m.python_components.push_back({std::string(name), std::string(module), std::string(function)});
  });
  m.commands.reserve(v->commands.count);
  v->commands.each([&m](std::string_view name, std::string_view description) {
    m.commands.push_back({std::string(name), std::string(description)});
  });
  return r;
}

/// The reading after the stamp, or nullopt when the body is malformed.
std::optional<ManifestReading> reading_from(Tokens& t) {
  const auto v = view_from(t);
  if (!v) return std::nullopt;
  return reading_of(*v);
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
  return file_text(root.native(), dir.native());
}

std::string ManifestCache::file_text(const std::string& root, std::string_view dir) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : dir) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::string out = root;
  if (out.empty() || out.back() != '/') out += '/';
  constexpr char k_hex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += k_hex[(h >> shift) & 0xf];
  out += ".cache";
  return out;
}

ManifestCache::ManifestCache(const std::filesystem::path& root, const std::filesystem::path& dir, TrustMemo& trust,
                             std::function<void(const std::string&)> notes, std::int64_t racy_ns)
    : m_root(root),
      m_dir(dir.native()),
      m_file(file_text(m_root.native(), m_dir)),
      m_notes(std::move(notes)),
      m_racy_ns(racy_ns) {
  // The lines are made only when someone reads them.
  const auto note = [this](std::string_view what) {
    if (m_notes) m_notes("cache " + m_file + " of " + m_dir + std::string(what));
  };
  int error = 0;
  if (!trust.stat(m_root, error)) {  // one stat when it exists, shared with the trust check
    make_private_dirs(m_root);
    trust.forget();  // it read the root (or a parent) as missing
  }
  if (const auto why = trust.directory_reason(m_root)) {
    note(": not used: the cache directory " + *why);
    return;
  }
  const int fd = ::open(m_file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    m_usable = errno == ENOENT;
    note(m_usable ? ": absent" : ": not used: " + std::string(std::strerror(errno)));
    m_dirty = true;
    return;
  }
  struct stat st {};
  std::string text;
  bool trusted = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid == 0 || st.st_uid == trust.inputs().uid) &&
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
    note(": not used: not a regular file owned by root or the invoking user and writable by nobody else");
    return;
  }
  m_usable = true;
  m_dirty = true;  // until the file proves whole
  m_text = std::move(text);
  Tokens t{m_text};
  const std::string_view magic = t.next();
  const std::string_view format = t.next();
  if (!t.ok || magic != k_magic) {
    note(": ignored (not a cache file: truncated or corrupt), rebuilt");
    return;
  }
  if (format != k_format) {
    note(": ignored (another format), rebuilt");
    return;
  }
  const std::string_view host = t.next();
  char sep = 0;
  const std::string_view for_dir = t.next(&sep);
  if (!t.ok || host != k_host) {
    note(": ignored (written by another torchx version), rebuilt");
    return;
  }
  if (for_dir != m_dir || sep != '\n') {
    note(": ignored (not this directory's), rebuilt");
    return;
  }
  // Only the lines are found here (two tokens each); an entry is decoded when find asks for it.
  // save() writes them in name order: out of order (or twice) is corrupt.
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  while (t.ok && t.at < m_text.size()) {
    const std::string_view name = t.next();
    const std::string_view body = t.next(&sep);
    if (t.ok && sep == '\n' && (entries.empty() || entries.back().first < name))
      entries.emplace_back(name, body);
    else t.ok = false;
  }
  if (!t.ok) {
    note(": ignored (truncated or corrupt), rebuilt");
    return;
  }
  m_old = std::move(entries);
  m_dirty = false;
}

std::string ManifestCache::encode_entry(const FileStamp& stamp, const ManifestReading& reading) {
  return entry_body(stamp, reading);
}

std::optional<std::pair<FileStamp, ManifestReading>> ManifestCache::decode_entry(std::string_view body) {
  Tokens t{body};
  const FileStamp stamp = stamp_from(t);
  if (!t.ok) return std::nullopt;
  auto r = reading_from(t);
  if (!r) return std::nullopt;
  return std::pair{stamp, std::move(*r)};
}

std::optional<ManifestReading> ManifestCache::find(std::string_view name, const FileStamp& stamp,
                                                   std::string_view file) {
  if (!m_usable) return std::nullopt;
  const auto* it = entry(name);
  if (it == nullptr) return std::nullopt;
  Tokens t{it->second};
  if (!(stamp_from(t) == stamp) || !t.ok) return std::nullopt;
  const auto v = view_from(t);  // nullopt for a corrupt entry: read the file (and rewrite the cache)
  if (!v) return std::nullopt;
  if (v->is_manifest && v->path != file) return std::nullopt;  // kept for another path: not ours
  m_kept.push_back(it->first);
  ++m_hits;
  return reading_of(*v);
}

const std::pair<std::string_view, std::string_view>* ManifestCache::entry(std::string_view name) const {
  // Asked in name order (discovery lists sorted), the next entry is usually the one.
  if (m_next < m_old.size() && m_old[m_next].first == name) return &m_old[m_next++];
  const auto it =
      std::lower_bound(m_old.begin(), m_old.end(), name, [](const auto& e, std::string_view n) { return e.first < n; });
  if (it == m_old.end() || it->first != name) return nullptr;
  m_next = static_cast<std::size_t>(it - m_old.begin()) + 1;
  return &*it;
}

std::optional<ManifestSummary> ManifestCache::find_summary(std::string_view name, const FileStamp& stamp,
                                                           std::string_view file) const {
  if (!m_usable) return std::nullopt;
  const auto* it = entry(name);
  if (it == nullptr) return std::nullopt;
  Tokens t{it->second};
  if (!(stamp_from(t) == stamp) || !t.ok) return std::nullopt;
  const auto v = view_from(t);
  if (!v) return std::nullopt;
  ManifestSummary s;
  if (!v->is_manifest) {
    s.invalid = true;
    return s;
  }
  if (v->path != file) return std::nullopt;  // kept for another path: not ours (as find)
  s.name = v->name;
  s.library_path = v->library_path;
  s.components.reserve(v->components.count);
  v->components.each([&s](std::string_view c) { s.components.push_back(c); });
  s.python_components.reserve(v->python_components.count);
  v->python_components.each(
      [&s](std::string_view c, std::string_view, std::string_view) { s.python_components.push_back(c); });
  s.commands.reserve(v->commands.count);
  v->commands.each([&s](std::string_view c, std::string_view d) { s.commands.emplace_back(c, d); });
  return s;
}

void ManifestCache::put(const std::string& name, const FileStamp& stamp, const ManifestReading& reading,
                        std::int64_t read_at_ns) {
  if (!m_usable) return;
  m_dirty = true;
  if (read_at_ns - stamp.mtime_ns < m_racy_ns || read_at_ns - stamp.ctime_ns < m_racy_ns) return;  // too fresh to trust
  m_new.insert_or_assign(name, entry_body(stamp, reading));
}

std::size_t ManifestCache::save() {
  if (!m_usable) return m_hits;
  if (!m_dirty && m_kept.size() == m_old.size()) return m_hits;  // every entry used as it was: nothing to write
  for (const auto name : m_kept) m_new.emplace(std::string(name), std::string(entry(name)->second));
  std::string text;
  put_token(text, k_magic);
  put_token(text, k_format);
  put_token(text, k_host);
  put_token(text, m_dir, '\n');
  for (const auto& [name, body] : m_new) {
    put_token(text, name);
    put_token(text, body, '\n');
  }
  std::random_device rd;
  const std::string tmp = m_file + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (m_notes) m_notes("cache " + m_file + ": not written: " + std::strerror(errno));
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
    if (m_notes) m_notes("cache " + m_file + ": not written: " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return m_hits;
  }
  if (m_notes) m_notes("cache " + m_file + ": written (" + std::to_string(text.size()) + " bytes)");
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
