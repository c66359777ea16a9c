// SPDX-License-Identifier: BSD-3-Clause
#include "file_store.hpp"

#include "base32.hpp"
#include <torchx/util/python_json.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace torchx::trackers {
namespace {

std::string errno_text() { return std::strerror(errno); }

/// Closes a file descriptor (releasing its flock) at scope exit.
class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

private:
  int m_fd;
};

void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StoreError("tracker store: cannot create " + dir.string() + ": " + ec.message());
}

/// Writes `content` to a new temporary file in `dir` (hidden, so no reader lists it) and returns
/// its path; the data is on disk (fsync) before it is renamed into place.
fs::path write_temporary(const fs::path& dir, const std::string& content) {
  std::string pattern = (dir / ".tmp-XXXXXX").string();
  Fd fd(::mkostemp(pattern.data(), O_CLOEXEC));
  if (fd.get() < 0) throw StoreError("tracker store: cannot create a file in " + dir.string() + ": " + errno_text());
  ::fchmod(fd.get(), 0644);  // mkstemp makes 0600; Python's open() gives 0666 & ~umask
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::unlink(pattern.c_str());
      throw StoreError("tracker store: cannot write " + pattern + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    const std::string why = errno_text();
    ::unlink(pattern.c_str());
    throw StoreError("tracker store: cannot write " + pattern + ": " + why);
  }
  return pattern;
}

/// Moves `from` to `to` unless `to` exists: true if moved, false if `to` exists.
bool move_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    throw StoreError("tracker store: cannot create " + to.string() + ": " + errno_text());
  }
  // A filesystem without RENAME_NOREPLACE: link() also refuses to replace.
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return true;
  }
  if (errno == EEXIST) return false;
  throw StoreError("tracker store: cannot create " + to.string() + ": " + errno_text());
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw StoreError("tracker store: cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `text` with the bare `NaN`, `Infinity` and `-Infinity` that Python's json.dump writes for
/// non-finite floats (outside string literals) quoted into the strings "NaN", "Infinity" and
/// "-Infinity": Boost.JSON rejects those tokens, and strict JSON (the ABI, `--json`, jq) has no
/// way to carry them, so they are read back as strings.
std::string quote_non_finite(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const std::string_view token : {"NaN", "Infinity", "-Infinity"}) {
      if (std::string_view(text).substr(i, token.size()) == token) {
        out.append("\"").append(token).append("\"");
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

/// The JSON of store entry `p`, as Python's json.load reads it (non-finite floats as the strings
/// "NaN", "Infinity", "-Infinity": see quote_non_finite).
json::value read_json(const fs::path& p) {
  const std::string text = quote_non_finite(read_file(p));
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw StoreError("tracker store: " + p.string() + ": malformed JSON (" + ec.message() + ")");
  return v;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// Entry files in time order: numeric names (time_ns) by value, then any others by name.
bool entry_less(const fs::path& a, const fs::path& b) {
  const std::string x = a.filename().string();
  const std::string y = b.filename().string();
  const bool dx = all_digits(x);
  const bool dy = all_digits(y);
  if (dx != dy) return dx;
  if (dx && x.size() != y.size()) return x.size() < y.size();
  return x < y;
}

std::string strip(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n\v\f") - b + 1);
}

/// The stripped, non-empty lines of `text` (Python's `[l.strip() for l in f.readlines()]`, minus
/// the empty ones).
std::vector<std::string> named_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = strip(line);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

void check_run_id(const std::string& run_id, const char* what = "run id") {
  if (run_id.empty()) throw StoreInputError(std::string(what) + " is empty");
}

}  // namespace

FileStore::FileStore(fs::path root, std::function<void(const std::string&)> warn)
    : m_root(std::move(root)), m_warn(std::move(warn)) {
  std::error_code ec;
  if (!fs::is_directory(m_root, ec)) {
    throw StoreError("tracker store: root '" + m_root.string() + "' does not exist or is not a directory");
  }
}

fs::path FileStore::run_dir(const std::string& run_id) const { return checked_run_dir(run_id, "run id"); }

fs::path FileStore::checked_run_dir(const std::string& run_id, const char* what) const {
  check_run_id(run_id, what);
  const std::string name = b32encode(run_id);
  if (name.size() > 255) {  // NAME_MAX; 155 bytes encode to 248 characters, 156 to 256
    throw StoreInputError(std::string(what) + " '" + run_id + "' is too long for a file name once base32-encoded (" +
                          std::to_string(run_id.size()) + " bytes, at most " + std::to_string(k_max_run_id_bytes) + ")");
  }
  return m_root / name;
}

void FileStore::persist(const std::string& run_id, const char* category, const std::string& content) const {
  const fs::path run = run_dir(run_id);
  const fs::path dir = run / category;
  make_dirs(dir);
  const fs::path tmp = write_temporary(run, content);
  // Python names entries time.time_ns(); a taken name (another writer, same ns) moves on by one.
  auto name = static_cast<unsigned long long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  try {
    while (!move_no_replace(tmp, dir / std::to_string(name))) ++name;
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

/// Opens `dir` for listing: nullopt when it does not exist (or vanished); throws StoreError when
/// it cannot be listed.
std::optional<fs::directory_iterator> FileStore::open_listing(const fs::path& dir) const {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return std::nullopt;
  if (ec) throw StoreError("tracker store: cannot list " + dir.string() + ": " + ec.message());
  return it;
}

void FileStore::skip(const fs::path& entry, const std::string& why) const {
  if (m_warn) m_warn("tracker store: skipping " + entry.string() + ": " + why);
}

std::vector<fs::path> FileStore::entries(const fs::path& dir) const {
  std::vector<fs::path> out;
  auto it = open_listing(dir);
  if (!it) return out;
  // One error code for the listing, another per entry: an entry that vanished or cannot be
  // stat'ed (a dangling symlink) is skipped, not taken for a failure to list `dir`.
  std::error_code list_ec;
  for (; *it != fs::directory_iterator() && !list_ec; it->increment(list_ec)) {
    const fs::directory_entry& e = **it;
    if (e.path().filename().string().starts_with('.')) continue;
    std::error_code entry_ec;
    const bool regular = e.is_regular_file(entry_ec);
    if (entry_ec) {
      skip(e.path(), "cannot stat it (" + entry_ec.message() + ")");
      continue;
    }
    if (regular) out.push_back(e.path());
  }
  if (list_ec) throw StoreError("tracker store: cannot list " + dir.string() + ": " + list_ec.message());
  std::sort(out.begin(), out.end(), entry_less);
  return out;
}

void FileStore::add_metadata(const std::string& run_id, const std::string& metadata_json) const {
  check_run_id(run_id);
  boost::system::error_code ec;
  json::value v = json::parse(metadata_json, ec);
  if (ec || !v.is_object()) throw StoreInputError("metadata must be a JSON object");
  persist(run_id, "metadata", util::python_json_dumps(json::object{{"metadata", std::move(v)}}));
}

std::string FileStore::metadata(const std::string& run_id) const {
  json::object merged;
  for (const auto& file : entries(run_dir(run_id) / "metadata")) {
    const json::value entry = read_json(file);
    const auto* o = entry.if_object();
    const auto* m = o != nullptr ? o->if_contains("metadata") : nullptr;
    if (m == nullptr || !m->is_object()) {
      throw StoreError("tracker store: " + file.string() + ": expected {\"metadata\": {...}}");
    }
    for (const auto& kv : m->get_object()) merged[kv.key()] = kv.value();
  }
  return json::serialize(merged);
}

void FileStore::add_artifact(const std::string& run_id, const specs::TrackerArtifact& artifact) const {
  check_run_id(run_id);
  if (artifact.name.empty()) throw StoreInputError("artifact name is empty");
  boost::system::error_code ec;
  json::value meta = json::parse(artifact.metadata_json.empty() ? "null" : artifact.metadata_json, ec);
  if (ec || !(meta.is_object() || meta.is_null())) throw StoreInputError("artifact metadata must be a JSON object or null");
  // Key order as Python's dict literal {"name", "path", "metadata"}.
  persist(run_id, "artifacts",
          util::python_json_dumps(json::object{{"name", artifact.name}, {"path", artifact.path}, {"metadata", std::move(meta)}}));
}

std::vector<specs::TrackerArtifact> FileStore::artifacts(const std::string& run_id) const {
  std::vector<specs::TrackerArtifact> out;
  std::map<std::string, std::size_t> index;
  for (const auto& file : entries(run_dir(run_id) / "artifacts")) {
    const json::value entry = read_json(file);
    const auto* o = entry.if_object();
    const auto* name = o != nullptr ? o->if_contains("name") : nullptr;
    const auto* path = o != nullptr ? o->if_contains("path") : nullptr;
    const auto* meta = o != nullptr ? o->if_contains("metadata") : nullptr;
    if (name == nullptr || !name->is_string() || path == nullptr || !path->is_string() ||
        (meta != nullptr && !meta->is_object() && !meta->is_null())) {
      throw StoreError("tracker store: " + file.string() +
                       ": expected {\"name\": \"...\", \"path\": \"...\", \"metadata\": {...} or null}");
    }
    specs::TrackerArtifact a{std::string(name->get_string()), std::string(path->get_string()),
                             meta == nullptr ? std::string("null") : json::serialize(*meta)};
    if (auto it = index.find(a.name); it != index.end()) out[it->second] = std::move(a);
    else {
      index.emplace(a.name, out.size());
      out.push_back(std::move(a));
    }
  }
  return out;
}

void FileStore::add_link_line(const fs::path& run_directory, const char* category, const std::string& other_run,
                              const std::optional<std::string>& artifact_name) const {
  const fs::path dir = run_directory / category;
  make_dirs(dir);
  // One lock per run directory guards its read-modify-writes (never two held at once).
  Fd lock(::open((run_directory / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) throw StoreError("tracker store: cannot open " + (run_directory / ".lock").string() + ": " + errno_text());
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw StoreError("tracker store: cannot lock " + (run_directory / ".lock").string() + ": " + errno_text());
  }
  const fs::path file = dir / b32encode(other_run);
  std::error_code ec;
  const bool exists = fs::exists(file, ec);
  std::vector<std::string> lines = exists ? named_lines(read_file(file)) : std::vector<std::string>{};
  if (artifact_name) {
    if (std::find(lines.begin(), lines.end(), *artifact_name) != lines.end()) return;
    lines.push_back(*artifact_name);
  } else {
    if (exists) return;  // already a source, with or without artifacts
    lines.emplace_back();  // "\n": the whole run, as Python writes it
  }
  std::string content;
  for (const auto& l : lines) content += l + "\n";
  const fs::path tmp = write_temporary(run_directory, content);
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw StoreError("tracker store: cannot write " + file.string() + ": " + why);
  }
}

void FileStore::add_source(const std::string& run_id, const specs::TrackerSource& source) const {
  check_run_id(run_id);
  check_run_id(source.source_run_id, "source run id");
  std::optional<std::string> artifact = source.artifact_name;
  if (artifact && artifact->empty()) artifact.reset();
  if (artifact && (artifact->find('\n') != std::string::npos || strip(*artifact) != *artifact)) {
    throw StoreInputError("artifact name '" + *artifact + "' has a line break or surrounding spaces");
  }
  const fs::path source_dir = checked_run_dir(source.source_run_id, "source run id");
  add_link_line(run_dir(run_id), "sources", source.source_run_id, artifact);
  // The reverse link, where Python TorchX meant to write it: only into a run the store has.
  std::error_code ec;
  if (fs::is_directory(source_dir, ec)) add_link_line(source_dir, "descendants", run_id, artifact);
}

std::vector<specs::TrackerSource> FileStore::read_links(const fs::path& dir) const {
  std::vector<specs::TrackerSource> out;
  for (const auto& file : entries(dir)) {
    const auto other = b32decode(file.filename().string());
    if (!other) {
      skip(file, "its name is not a base32 run id");
      continue;
    }
    const auto lines = named_lines(read_file(file));
    if (lines.empty()) out.push_back({*other, std::nullopt});
    for (const auto& l : lines) out.push_back({*other, l});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.source_run_id < b.source_run_id; });
  return out;
}

std::vector<specs::TrackerSource> FileStore::sources(const std::string& run_id,
                                                     const std::optional<std::string>& artifact_name) const {
  auto all = read_links(run_dir(run_id) / "sources");
  if (!artifact_name) return all;
  std::vector<specs::TrackerSource> out;
  for (auto& s : all) {
    if (s.artifact_name == artifact_name) out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> FileStore::run_ids(const std::optional<std::string>& parent_run_id) const {
  const std::string parent_file = parent_run_id ? b32encode(*parent_run_id) : std::string{};
  std::vector<std::string> out;
  auto it = open_listing(m_root);
  if (!it) throw StoreError("tracker store: cannot list " + m_root.string() + ": " +
                            std::make_error_code(std::errc::no_such_file_or_directory).message());
  // As in entries(): the listing's error code is not the entries'.
  std::error_code list_ec;
  for (; *it != fs::directory_iterator() && !list_ec; it->increment(list_ec)) {
    const fs::directory_entry& e = **it;
    const std::string name = e.path().filename().string();
    if (name.starts_with('.')) continue;
    std::error_code entry_ec;
    const bool directory = e.is_directory(entry_ec);
    if (entry_ec) {
      skip(e.path(), "cannot stat it (" + entry_ec.message() + ")");
      continue;
    }
    if (!directory) continue;
    const auto id = b32decode(name);
    if (!id) {
      skip(e.path(), "its name is not a base32 run id");
      continue;
    }
    if (parent_run_id) {
      const fs::path link = e.path() / "sources" / parent_file;
      const bool linked = fs::exists(link, entry_ec);
      if (entry_ec) skip(e.path(), "cannot stat " + link.string() + " (" + entry_ec.message() + ")");
      if (!linked) continue;
    }
    out.push_back(*id);
  }
  if (list_ec) throw StoreError("tracker store: cannot list " + m_root.string() + ": " + list_ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

specs::Lineage FileStore::lineage(const std::string& run_id) const {
  check_run_id(run_id);
  // Every link of the store (source, child, artifact), from sources/ and descendants/ alike.
  std::set<std::tuple<std::string, std::string, std::optional<std::string>>> links;
  for (const auto& run : run_ids(std::nullopt)) {
    const fs::path dir = run_dir(run);
    for (const auto& s : read_links(dir / "sources")) links.emplace(s.source_run_id, run, s.artifact_name);
    for (const auto& d : read_links(dir / "descendants")) links.emplace(run, d.source_run_id, d.artifact_name);
  }
  auto walk = [&](bool up) {
    std::vector<specs::LineageLink> out;
    std::set<std::string> expanded{run_id};
    std::deque<std::pair<std::string, int>> queue{{run_id, 0}};
    while (!queue.empty()) {
      const auto [node, depth] = queue.front();
      queue.pop_front();
      for (const auto& [source, child, artifact] : links) {
        const std::string& near = up ? child : source;
        const std::string& far = up ? source : child;
        if (near != node || far == run_id) continue;
        out.push_back({far, node, artifact, depth + 1});
        if (expanded.insert(far).second) queue.emplace_back(far, depth + 1);
      }
    }
    return out;
  };
  return specs::Lineage{walk(true), walk(false)};
}

std::filesystem::path store_root_from_config(const std::string& tracker, const std::string& config) {
  std::string upper = tracker;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string where;  // the host names the tracker ("tracker 'file': ...")
  if (strip(config).empty()) {
    throw StoreInputError(where + "no config: set `[tracker:" + tracker + "] config = FILE` in .torchxconfig or TORCHX_TRACKER_" +
                          upper + "_CONFIG=FILE (FILE holds protocol=file and root_path=DIR)");
  }
  std::string path = strip(config);
  if (path.starts_with("file://")) path = path.substr(7);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fs::absolute(path, ec);
  if (!fs::is_regular_file(path, ec)) {
    throw StoreInputError(where + "config '" + config + "' is neither a config file nor a directory");
  }
  // Python's _read_config: `k=v` lines, both sides stripped, `#` lines skipped.
  std::map<std::string, std::string> values;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string key = strip(line.substr(0, eq));
    if (key.empty() || key.starts_with('#')) continue;
    values[key] = strip(line.substr(eq + 1));
  }
  if (!values.contains("protocol") || !values.contains("root_path")) {
    throw StoreInputError(where + "config '" + path + "' must set 'protocol' and 'root_path' (e.g. protocol=file and root_path=/tmp/torchx_jobs)");
  }
  const std::string& protocol = values["protocol"];
  if (protocol != "file" && protocol != "local") {
    throw StoreInputError(where + "protocol '" + protocol + "' (from '" + path +
                          "') is not supported: only 'file' and 'local' (other fsspec protocols need Python TorchX's fsspec tracker)");
  }
  std::string root = values["root_path"];
  if (root.starts_with("file://")) root = root.substr(7);
  else if (root.starts_with("local://")) root = root.substr(8);
  if (root.empty() || !fs::is_directory(root, ec)) {
    throw StoreInputError(where + "root_path '" + root + "' (from '" + path + "') does not exist or is not a directory: create it first");
  }
  return fs::absolute(root, ec);
}

}  // namespace torchx::trackers
