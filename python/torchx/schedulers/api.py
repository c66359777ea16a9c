# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``Stream`` and ``ListAppResponse`` (``torchx.schedulers.api``), as the runner API
takes and returns them."""

from dataclasses import dataclass
from enum import Enum

from torchx.specs import AppState


class Stream(str, Enum):
    """Which output stream of a replica ``Runner.log_lines`` reads."""

    STDOUT = "stdout"
    STDERR = "stderr"
    COMBINED = "combined"


@dataclass
class ListAppResponse:
    """One app of ``Runner.list(scheduler)``."""

    app_id: str
    state: AppState
    app_handle: str = "<NOT_SET>"
    name: str = ""
