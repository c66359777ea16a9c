// SPDX-License-Identifier: BSD-3-Clause
// Reading Slurm's answers: squeue --json (22.05 and newer shapes), sacct --parsable2, sinfo.
#pragma once

#include <torchx/specs/app_state.hpp>
#include <torchx/specs/role.hpp>

#include <optional>
#include <string>
#include <vector>

namespace torchx::slurm {

/// One het-job component (or a plain job) as Slurm reports it.
struct Component {
  long job_id = 0;
  long het_job_id = 0;  ///< 0 for a job that is not heterogeneous
  int het_offset = 0;
  std::string name;     ///< "<role>-<k>"
  std::string slurm_state;  ///< "RUNNING", "COMPLETED", ...
  std::string reason;   ///< Slurm's pending reason ("Resources"), "None" when there is none
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string nodes;
};

/// TorchX's SLURM_STATES; an unknown state is UNKNOWN (TorchX's list() raised on those).
specs::AppState app_state_of(const std::string& slurm_state);

/// Parses `squeue --json` (also `-t all`) and keeps the components of job `id` (a het leader or a
/// plain job); 22.05 ignores -j, so every job is in the answer. `exit_code` is either the raw wait
/// status (22.05: 768 = exit 3, 15 = SIGTERM) or newer Slurm's object; both are handled. Throws
/// std::runtime_error for malformed JSON.
std::vector<Component> parse_squeue(const std::string& json, long id);

/// Every job id (het leaders and plain jobs) in a `squeue --json` answer, with its state.
std::vector<std::pair<long, std::string>> squeue_jobs(const std::string& json);

/// Parses `sacct --parsable2 --format=JobID,JobName,State,ExitCode,NodeList` rows of job `id`
/// (`2+0|trainer-0|FAILED|3:0|node1`), skipping steps (`.batch`, `.0`).
std::vector<Component> parse_sacct(const std::string& text, long id);

/// The app's state from its components: any FAILED (or other failure) -> FAILED, any CANCELLED ->
/// CANCELLED, all SUCCEEDED -> SUCCEEDED, any RUNNING -> RUNNING, else PENDING.
specs::AppState app_state(const std::vector<Component>& components);

/// "slurm-wlm 22.05.8" -> {22, 5}; nullopt otherwise.
std::optional<std::pair<int, int>> parse_version(const std::string& sinfo_version);

/// The value of `key` in one line of `scontrol show job -o` (`StdOut=/a b/c.out Power=` ->
/// "/a b/c.out"): up to the next " Key=" (a word of letters, digits and ':' followed by '='), so
/// that a path with spaces survives; "" when absent.
std::string scontrol_field(const std::string& line, const std::string& key);

/// The roles of a job torchx did not launch: one per distinct component name, in het-offset order
/// (a plain job: one role named after the job), with a replica per component of that name.
/// `offsets`, when given, gets per role the het offsets of its replicas.
std::vector<specs::Role> foreign_roles(const std::vector<Component>& components,
                                       std::vector<std::vector<int>>* offsets = nullptr);

}  // namespace torchx::slurm
