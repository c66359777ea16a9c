# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.components.utils``: echo, touch, sh, python, binary, copy, booth. The AppDefs
are made by the C++ builtins plugin (``torchx run utils.<name> --help`` documents them)."""

from typing import Dict, List, Optional

from torchx.components._builtin import IMAGE, build


def echo(msg: str = "hello world", image: str = IMAGE, num_replicas: int = 1):  # type: ignore[no-untyped-def]
    """Echos a message to stdout (calls echo)."""
    return build("utils.echo", locals())


def touch(file: str, image: str = IMAGE):  # type: ignore[no-untyped-def]
    """Touches a file (calls touch)."""
    return build("utils.touch", locals())


def sh(  # type: ignore[no-untyped-def]
    *args: str,
    image: str = IMAGE,
    num_replicas: int = 1,
    cpu: int = 1,
    gpu: int = 0,
    memMB: int = 1024,
    h: Optional[str] = None,
    env: Optional[Dict[str, str]] = None,
    max_retries: int = 0,
    mounts: Optional[List[str]] = None,
    entrypoint: Optional[str] = None,
):
    """Runs the provided command via sh."""
    return build("utils.sh", locals())


def python(  # type: ignore[no-untyped-def]
    *args: str,
    m: Optional[str] = None,
    c: Optional[str] = None,
    script: Optional[str] = None,
    image: str = IMAGE,
    name: str = "torchx_utils_python",
    cpu: int = 1,
    gpu: int = 0,
    memMB: int = 1024,
    h: Optional[str] = None,
    num_replicas: int = 1,
):
    """Runs ``python`` with the specified module, command or script."""
    return build("utils.python", locals())


def binary(  # type: ignore[no-untyped-def]
    *args: str,
    entrypoint: str,
    name: str = "torchx_utils_binary",
    num_replicas: int = 1,
    cpu: int = 1,
    gpu: int = 0,
    memMB: int = 1024,
    h: Optional[str] = None,
):
    """Test component: runs ENTRYPOINT with the given arguments."""
    return build("utils.binary", locals())


def copy(src: str, dst: str, image: str = IMAGE):  # type: ignore[no-untyped-def]
    """Copies the file from SRC to DST."""
    return build("utils.copy", locals())


def booth(  # type: ignore[no-untyped-def]
    x1: float, x2: float, trial_idx: int = 0, tracker_base: str = "/tmp/torchx-util-booth", image: str = IMAGE
):
    """Evaluates the booth function, f(x1, x2) = (x1 + 2*x2 - 7)^2 + (2*x1 + x2 - 5)^2."""
    return build("utils.booth", locals())
