# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.runner`` over the C++ runner (docs/python.md)."""

from torchx._errors import (  # noqa: F401
    AppDefValidationError,
    ComponentArgsError,
    ComponentError,
    ComponentNotFoundException,
    ComponentValidationException,
    ConfigError,
    InvalidLogRegexError,
    InvalidRequestError,
    InvalidRunConfigException,
    MalformedAppHandleException,
    PluginCallError,
    PluginLoadError,
    PluginPolicyError,
    UnknownAppException,
    UnknownNamedResourceError,
    UnknownSchedulerException,
    WorkspaceError,
)
from torchx.runner.api import AppHandle, Runner, get_runner  # noqa: F401
from torchx import _hooks

_hooks.install()

__all__ = ["Runner", "get_runner"]
