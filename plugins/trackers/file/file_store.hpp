// SPDX-License-Identifier: BSD-3-Clause
// FileStore: the on-disk layout of Python TorchX's fsspec tracker with protocol=file
// (torchx/tracker/backend/fsspec.py), read and written byte-compatibly. docs/tracker.md has the
// layout; in short, under the root, one directory per run named b32encode(run_id):
//
//   metadata/<time_ns>      {"metadata": {...}}                 merged in file order on read
//   artifacts/<time_ns>     {"name", "path", "metadata"}        the last one wins per name
//   sources/<b32(source)>   artifact names, one a line ("" = the whole run)
//   descendants/<b32(child)> the same, written in the source's directory if it exists
//
// Safe under concurrent writers (processes and threads): metadata and artifact entries are new
// files made atomically (written to a temporary file in the run directory, then renamed to a
// free name, never overwriting); sources and descendants files are read-modify-written under an
// flock of `<run dir>/.lock` and replaced by rename. Readers never see a partial file we wrote.
#pragma once

#include <torchx/specs/tracker_types.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchx::trackers {

/// A problem with the caller's input (an empty run id, metadata that is not a JSON object).
class StoreInputError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

/// A problem with the store itself: unreadable or malformed files, I/O errors. `what()` is one
/// line naming the file.
class StoreError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One store root. Methods may be called from several threads and processes at once; the object
/// holds no state beyond its root. Every method throws StoreInputError or StoreError.
class FileStore {
public:
  /// `root` must be an existing directory (throws StoreError otherwise). `warn` receives
  /// one-line warnings (entries skipped while listing); may be empty.
  explicit FileStore(std::filesystem::path root, std::function<void(const std::string&)> warn = {});

  /// The longest run id, in bytes: its base32 name (8 characters per 5 bytes, rounded up) must
  /// fit a file name (255 bytes). 155 bytes encode to 248 characters, 156 to 256.
  static constexpr std::size_t k_max_run_id_bytes = 155;

  [[nodiscard]] const std::filesystem::path& root() const { return m_root; }
  /// The run's directory: root / b32encode(run_id). Throws StoreInputError for an empty run id
  /// or one longer than k_max_run_id_bytes.
  [[nodiscard]] std::filesystem::path run_dir(const std::string& run_id) const;

  /// Adds `metadata_json` (a JSON object) as one new metadata entry of the run.
  void add_metadata(const std::string& run_id, const std::string& metadata_json) const;
  /// The run's metadata entries merged in time order (later keys win), as a JSON object.
  [[nodiscard]] std::string metadata(const std::string& run_id) const;
  void add_artifact(const std::string& run_id, const specs::TrackerArtifact& artifact) const;
  /// One artifact per name, in the order names first appeared, with the latest values.
  [[nodiscard]] std::vector<specs::TrackerArtifact> artifacts(const std::string& run_id) const;
  /// Records the source (idempotent), and the descendant link in the source's directory when
  /// that run is in the store.
  void add_source(const std::string& run_id, const specs::TrackerSource& source) const;
  /// The run's sources sorted by source run id; through `artifact_name` only unless nullopt.
  [[nodiscard]] std::vector<specs::TrackerSource> sources(const std::string& run_id,
                                                          const std::optional<std::string>& artifact_name) const;
  /// Every run in the store (sorted), or those with `parent_run_id` among their sources.
  [[nodiscard]] std::vector<std::string> run_ids(const std::optional<std::string>& parent_run_id) const;
  /// Ancestors (following sources) and descendants (runs naming it, directly or not, as a source)
  /// of the run, nearest first; each run is expanded once, so cycles end.
  [[nodiscard]] specs::Lineage lineage(const std::string& run_id) const;

private:
  std::filesystem::path m_root;
  std::function<void(const std::string&)> m_warn;

  /// run_dir(), naming the id `what` ("source run id") in its errors.
  [[nodiscard]] std::filesystem::path checked_run_dir(const std::string& run_id, const char* what) const;
  [[nodiscard]] std::optional<std::filesystem::directory_iterator> open_listing(const std::filesystem::path& dir) const;
  /// Warns that `entry` is skipped, and why.
  void skip(const std::filesystem::path& entry, const std::string& why) const;
  void persist(const std::string& run_id, const char* category, const std::string& content) const;
  [[nodiscard]] std::vector<std::filesystem::path> entries(const std::filesystem::path& dir) const;
  void add_link_line(const std::filesystem::path& run_directory, const char* category, const std::string& other_run,
                     const std::optional<std::string>& artifact_name) const;
  [[nodiscard]] std::vector<specs::TrackerSource> read_links(const std::filesystem::path& dir) const;
};

/// Where a file tracker's store is, from its config string: a directory (ours only), or the path
/// (optionally `file://`) of a config file in the fsspec tracker's format (`key=value` lines:
/// `protocol=file` or `local`, `root_path=DIR`, `#` comments; other keys are ignored).
/// `tracker` is the tracker's name, for the env variable its message suggests. Throws
/// StoreInputError with a one-line reason (not naming the tracker: the host prefixes
/// "tracker 'NAME': "): no config, an unreadable file, a missing key, an unsupported protocol, a
/// root that does not exist.
std::filesystem::path store_root_from_config(const std::string& tracker, const std::string& config);

}  // namespace torchx::trackers
