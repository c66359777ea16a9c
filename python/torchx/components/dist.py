# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.components.dist``: ``ddp`` and ``spmd`` (made by the C++ builtins plugin,
like ``torchx run dist.ddp``), and the helpers component files import from it: ``parse_nnodes``,
``_noquote``, ``_args_join``, ``get_role_name``."""

import os
import re
import shlex
from typing import Dict, Iterable, List, Optional, Tuple

from torchx.components._builtin import IMAGE, build


class _noquote(str):
    """A string that ``_args_join`` leaves unquoted (e.g. an endpoint holding ``$VAR``)."""


def _args_join(args: Iterable[str]) -> str:
    """``args`` joined with spaces, each ``shlex.quote``-d unless it is a ``_noquote``."""
    return " ".join(arg if isinstance(arg, _noquote) else shlex.quote(arg) for arg in args)


def parse_nnodes(j: str) -> Tuple[int, int, int, str]:
    """``[{min_nnodes}:]{nnodes}x{nproc_per_node}`` or ``{nproc_per_node}`` as (min_nnodes,
    max_nnodes, nproc_per_node, nnodes_rep): ``1:2x4`` → (1, 2, 4, "1:2"), ``2x4`` → (2, 2, 4,
    "2"), ``4`` → (1, 1, 4, "1")."""
    if re.match("^\\d+:\\d+x\\d+$", j):
        nnodes_rep, nproc_per_node = j.split("x")
        min_nnodes, max_nnodes = nnodes_rep.split(":")
    elif re.match("^\\d+x\\d+$", j):
        min_nnodes, nproc_per_node = j.split("x")
        max_nnodes = min_nnodes
        nnodes_rep = min_nnodes
    elif re.match("^\\d+$", j):
        nproc_per_node = j
        min_nnodes = max_nnodes = nnodes_rep = "1"
    else:
        raise ValueError(f"Invalid format for -j, usage example: 1:2x4 or 1x4 or 4. Given: {j}")
    return int(min_nnodes), int(max_nnodes), int(nproc_per_node), nnodes_rep


def get_role_name(script: Optional[str], m: Optional[str]) -> str:
    """The role name ddp gives: the script's stem, or the module's last component."""
    if script:
        return os.path.splitext(os.path.basename(script))[0]
    if m:
        return m.rpartition(".")[2]
    raise ValueError("failed to compute role_name")


def ddp(  # type: ignore[no-untyped-def]
    *script_args: str,
    script: Optional[str] = None,
    m: Optional[str] = None,
    image: str = IMAGE,
    name: str = "/",
    h: Optional[str] = None,
    cpu: int = 2,
    gpu: int = 0,
    memMB: int = 1024,
    j: str = "1x2",
    env: Optional[Dict[str, str]] = None,
    max_retries: int = 0,
    rdzv_port: int = 29500,
    rdzv_backend: str = "c10d",
    rdzv_conf: Optional[str] = None,
    mounts: Optional[List[str]] = None,
    debug: bool = False,
    tee: int = 3,
):
    """Distributed data parallel style application (one role, multi-replica), launched with
    torchrun (``torchx run dist.ddp --help`` documents every argument)."""
    return build("dist.ddp", locals())


def spmd(  # type: ignore[no-untyped-def]
    *args: str,
    script: Optional[str] = None,
    m: Optional[str] = None,
    image: str = IMAGE,
    name: str = "/",
    h: str = "gpu.small",
    j: str = "1x1",
    env: Optional[Dict[str, str]] = None,
    max_retries: int = 0,
    mounts: Optional[List[str]] = None,
    debug: bool = False,
):
    """Single-program-multiple-data style distributed jobs on hosts of type ``h``."""
    script_args = args  # the plugin's name for the program's arguments
    del args
    return build("dist.spmd", locals())
