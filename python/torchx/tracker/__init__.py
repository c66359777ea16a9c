# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.tracker``: ``app_run_from_env()`` for code running inside a job.

The implementation is the job-side ``torchx.apps.tracking`` (components/python, standard library
only), so a job sees one API whichever of the two it imports: the run id is ``$TORCHX_JOB_ID``,
the trackers are ``$TORCHX_TRACKERS`` with their ``$TORCHX_TRACKER_<NAME>_CONFIG``, and writes
go to the store ``torchx tracker`` reads (docs/tracker.md)."""

from torchx.apps.tracking import (  # noqa: F401
    AppRun,
    TrackerArtifact,
    TrackerSource,
    app_run_from_env,
    tracker_config_env_var_name,
)

__all__ = ["AppRun", "TrackerArtifact", "TrackerSource", "app_run_from_env", "tracker_config_env_var_name"]
