// SPDX-License-Identifier: BSD-3-Clause
// The sbatch script of an AppDef: one het-job component per replica, srun over all of them.
#pragma once

#include <torchx/specs/role.hpp>
#include <torchx/specs/run_opts.hpp>

#include <string>
#include <vector>

namespace torchx::slurm {

/// What the script depends on besides the AppDef and the run options.
struct ScriptOptions {
  std::string log_dir;           ///< absolute: where slurm-<job id>-<role>-<k>.{out,err} go
  std::string python_apps_dir;   ///< appended to the job's PYTHONPATH ("" for none)
  bool omit_memory = false;      ///< the partition has no memory to ask for
  int slurm_major = 22;          ///< GPU flags depend on the Slurm version (24.11: --gpus-per-node)
  int slurm_minor = 5;
  std::string version = "0.1.0";
};

/// The het-job component names, in order: "<role>-<k>".
std::vector<std::string> component_names(const specs::AppDef& app);

/// The sbatch script. Each srun token is shell-quoted, with `${app_id}` spliced in as
/// "$SLURM_JOB_ID"; the replica's env is passed through `env K=V ...` (each assignment quoted), so
/// any string reaches the process byte for byte (srun's --export= cannot carry ',' in a value).
/// TORCHX_RANK0_HOST (the rank0_env macro) is the IPv4 address of the first node of het group 0,
/// resolved in the script: torchrun's c10d store is then reachable by address from every node.
std::string make_script(const specs::AppDef& app, const specs::Cfg& cfg, const ScriptOptions& options);

}  // namespace torchx::slurm
