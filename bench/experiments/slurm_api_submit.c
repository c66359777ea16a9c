/* SPDX-License-Identifier: BSD-3-Clause
 * Experiment, not part of the build (bench/README.md, "The Slurm submit's floor, and what would
 * pass it"): what one batch submit costs through libslurm's C API in our own process, against
 * `sbatch --parsable --wrap 'echo hello world'`, which the scale row's floor is. It submits the same
 * job: `#!/bin/sh\necho hello world`, the environment as sbatch passes it (--export=ALL), the
 * current directory, the user's uid/gid, and prints the job id as --parsable does.
 *
 *   apt-get install libslurm-dev    # Slurm 22.05's API; the product does not link it
 *   cc -O2 bench/experiments/slurm_api_submit.c -o /tmp/slurm_api_submit -lslurm
 *   hyperfine -N "sbatch --parsable --wrap 'echo hello world'" /tmp/slurm_api_submit
 */
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

int main(void) {
  slurm_init(NULL);
  job_desc_msg_t job;
  slurm_init_job_desc_msg(&job);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return 1;
  size_t n = 0;
  while (environ[n]) ++n;
  job.name = "wrap";
  job.script = "#!/bin/sh\n# This script was created by an experiment\necho hello world\n";
  job.environment = environ;
  job.env_size = (uint32_t)n;
  job.work_dir = cwd;
  job.user_id = getuid();
  job.group_id = getgid();
  job.min_nodes = 1;
  submit_response_msg_t* resp = NULL;
  if (slurm_submit_batch_job(&job, &resp) != SLURM_SUCCESS) {
    fprintf(stderr, "slurm_api_submit: %s\n", slurm_strerror(slurm_get_errno()));
    return 1;
  }
  printf("%u\n", resp->job_id);
  slurm_free_submit_response_response_msg(resp);
  slurm_fini();
  return 0;
}
