# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.components.metrics``: tensorboard (made by the C++ builtins plugin)."""

from torchx.components._builtin import IMAGE, build


def tensorboard(  # type: ignore[no-untyped-def]
    logdir: str,
    image: str = IMAGE,
    timeout: float = 60 * 60,
    port: int = 6006,
    start_on_file: str = "",
    exit_on_file: str = "",
):
    """Launches a tensorboard server for the given log dir."""
    return build("metrics.tensorboard", locals())
