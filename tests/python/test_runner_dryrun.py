# SPDX-License-Identifier: BSD-3-Clause
"""dryrun and dryrun_component: slurm without a cluster, the cfg, parent runs, run options."""

from pathlib import Path

import pytest

from torchx.runner import get_runner


def env_of(app):
    return app.roles[0].env


def test_dryrun_component_on_slurm_needs_no_cluster():
    Path("train.py").write_text("print('hi')\n")  # slurm checks that the script is where the job runs
    with get_runner() as runner:
        info = runner.dryrun_component(
            "dist.ddp", ["--script", "train.py", "-j", "2x1"], scheduler="slurm", cfg={"partition": "debug"}
        )
        text = str(info)
        assert "#SBATCH" in text and "--partition=debug" in text
        assert info._scheduler == "slurm"
        assert info._cfg["partition"] == "debug"
        assert env_of(info._app)["TORCHX_JOB_ID"] == "slurm://torchx/${app_id}"


def test_parent_run_id_is_injected():
    with get_runner() as runner:
        info = runner.dryrun_component("utils.echo", [], scheduler="local_cwd", parent_run_id="local_cwd://torchx/p-1")
        assert env_of(info._app)["TORCHX_PARENT_RUN_ID"] == "local_cwd://torchx/p-1"


def test_component_defaults_apply_under_the_arguments():
    with get_runner(component_defaults={"utils.echo": {"msg": "from defaults"}}) as runner:
        app = runner.dryrun_component("utils.echo", [], scheduler="local_cwd")._app
        assert app.roles[0].args == ["from defaults"]
        app = runner.dryrun_component("utils.echo", ["--msg", "given"], scheduler="local_cwd")._app
        assert app.roles[0].args == ["given"]


def test_run_component_with_a_dict_of_arguments():
    with get_runner() as runner:
        app = runner.dryrun_component("utils.echo", {"msg": "as dict", "num_replicas": 2}, scheduler="local_cwd")._app
        assert app.roles[0].args == ["as dict"]
        assert app.roles[0].num_replicas == 2


def test_scheduler_run_opts_and_cfg_from_str():
    with get_runner() as runner:
        assert {"local_cwd", "slurm"} <= set(runner.scheduler_backends())
        opts = runner.scheduler_run_opts("slurm")
        assert opts.get("partition").opt_type is str and not opts.get("partition").is_required
        assert runner.cfg_from_str("slurm", "partition=debug", "time=1:00") == {"partition": "debug", "time": "1:00"}
