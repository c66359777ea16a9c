// SPDX-License-Identifier: BSD-3-Clause
// What a submit needs of the cluster's partitions (node count, memory), asked of `sinfo` once and
// remembered for the next submits (docs/slurm.md, "What a submit asks").
#pragma once

#include <climits>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace torchx::slurm {

/// One partition as `sinfo --noconvert -h -o "%D %P %m"` describes it.
struct PartitionInfo {
  std::string name;
  int nodes = 0;
  int memory_mb = INT_MAX;  ///< INT_MAX when sinfo gives none
};

/// The partition `partition` (empty: the default one, marked `*`) in the output of
/// `sinfo --noconvert -h -o "%D %P %m"`, or nullopt when it is not there.
std::optional<PartitionInfo> find_partition(const std::string& sinfo_output, const std::string& partition);

/// The file `sinfo` answers are kept in, and the rule that invalidates them. The answer is used
/// only while all of these hold, else sinfo is asked again:
/// - the Slurm configuration file the commands read (`$SLURM_CONF`, else /etc/slurm/slurm.conf)
///   has the device, inode, size, mtime and ctime it had when the answer was kept (partitions and
///   node memory are defined there; a missing file is a fingerprint too);
/// - the answer is younger than `max_age_s` (a partition changed at run time with
///   `scontrol update` is seen within that time);
/// - the file is whole: JSON of this version with every field (a corrupt, truncated or foreign
///   file is ignored and rewritten);
/// - the partition asked for is in it (a new partition is looked up at once).
/// A submit that `sbatch` refuses drops the file (drop()), so a retry asks sinfo again.
/// Written atomically (a temporary file, then rename): concurrent submits each read a whole
/// file. Not thread-safe within one process (one submit at a time per plugin object suffices).
struct SinfoCache {
  std::filesystem::path file;  ///< e.g. $TORCHX_SLURM_DIR/sinfo-cache.json
  std::int64_t max_age_s = 60;

  /// The kept sinfo output when the rules above hold at `now_s` (seconds since the epoch).
  [[nodiscard]] std::optional<std::string> load(std::int64_t now_s) const;
  /// Keeps `sinfo_output` as asked at `now_s`, when the configuration's fingerprint was `conf`
  /// (slurm_conf_fingerprint() taken before asking, so that a change while sinfo ran is seen).
  /// A failure to write only costs the next submit a sinfo.
  void store(const std::string& sinfo_output, std::int64_t now_s, const std::string& conf) const;
  /// Forgets the kept answer (no error when there is none).
  void drop() const;
};

/// The fingerprint of the Slurm configuration file the commands read: "dev:ino:size:mtime_ns:ctime_ns",
/// or "absent" (a configless client).
std::string slurm_conf_fingerprint();

}  // namespace torchx::slurm
