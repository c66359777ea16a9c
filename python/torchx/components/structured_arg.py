# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.components.structured_arg``: ``StructuredNameArgument`` and
``StructuredJArgument``, the ``--name`` and ``-j`` forms of ``dist.ddp``."""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

logger: logging.Logger = logging.getLogger(__name__)


def _gpus_of(h: str) -> int:
    from torchx.components._builtin import native_runner

    resource = native_runner().call("named_resource", name=h)
    return int(resource.get("gpu", 0))


@dataclass
class StructuredNameArgument:
    experiment_name: str
    run_name: str

    def __str__(self) -> str:
        return f"{self.experiment_name or ''}/{self.run_name}"

    @staticmethod
    def parse_from(
        name: str, m: Optional[str] = None, script: Optional[str] = None, default_experiment_name: str = "default-experiment"
    ) -> "StructuredNameArgument":
        """``{experiment}/{run}``, ``{experiment}/``, ``/{run}`` or ``{run}``; a missing run name
        is the module's last component or the script's stem."""
        if not m and not script:
            raise ValueError(
                "No main module or script specified. Specify either a main module or a script path"
            )
        if m and script:
            raise ValueError(
                "Both main module and script set. Specify exactly one of: main module or script, but not both"
            )
        run_name = ""
        experiment_name = ""
        delim_idx = name.find("/")
        if delim_idx < 0:
            run_name = name
        elif delim_idx >= 0 and delim_idx < len(name) - 1:
            experiment_name = name[:delim_idx]
            run_name = name[delim_idx + 1 :]
        else:
            experiment_name = name[:delim_idx]
        if not run_name:
            run_name = m.split(".")[-1] if m else Path(script or "").stem
        if not experiment_name:
            experiment_name = default_experiment_name
        return StructuredNameArgument(experiment_name, run_name)


@dataclass
class StructuredJArgument:
    nnodes: int
    nproc_per_node: int

    def __str__(self) -> str:
        return f"{self.nnodes}x{self.nproc_per_node}"

    @staticmethod
    def parse_from(h: str, j: str) -> "StructuredJArgument":
        """``{nnodes}x{nproc_per_node}``, or ``{nnodes}`` with nproc_per_node the GPUs of the
        named resource `h`."""
        nums = j.split("x")
        num_gpus = _gpus_of(h)
        if len(nums) == 1:
            nnodes = int(nums[0])
            if num_gpus <= 0:
                raise ValueError(
                    f"nproc_per_node cannot be inferred from GPU count. `{h}` is not a GPU instance. "
                    "You must specify `-j $NNODESx$NPROCS_PER_NODE` (e.g. `-j 2x8`)"
                )
            return StructuredJArgument(nnodes=nnodes, nproc_per_node=num_gpus)
        if len(nums) == 2:
            nnodes, nproc = int(nums[0]), int(nums[1])
            if nproc != num_gpus:
                logger.warning(
                    "In `-j %s` the number of processes per node (%d) does not match the number of GPUs on a `%s` "
                    "host (%d). If this was unintentional, set `-j %dx%d`",
                    j, nproc, h, num_gpus, nnodes, num_gpus,
                )
            return StructuredJArgument(nnodes=nnodes, nproc_per_node=nproc)
        raise ValueError(
            f"Invalid format for `-j $NNODESx$NPROCS_PER_NODE`. Given: {j}. "
            "Example: `-j 2x8` (2 nodes, 8 processes each)"
        )
