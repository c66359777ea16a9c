# SPDX-License-Identifier: BSD-3-Clause
"""The exceptions of the native runner, by the names its error objects carry.

TorchX's own exception types (``torchx.specs.api``: ``MalformedAppHandleException``,
``UnknownSchedulerException``, ``UnknownAppException``, ``InvalidRunConfigException``;
``torchx.specs.finder``: ``ComponentNotFoundException``, ``ComponentValidationException``) are
raised where TorchX raises them; the other failures have our names (the C++ errors'), as
subclasses of the builtin Python TorchX raises in their place (``ValueError`` for bad input,
``RuntimeError`` for plugin failures). All are importable from ``torchx.runner``.
"""

import logging
from typing import Any, Dict, List, Optional, Type


logger: logging.Logger = logging.getLogger("torchx")


from torchx.specs.api import (  # noqa: F401
    InvalidRunConfigException,
    MalformedAppHandleException,
    UnknownAppException,
    UnknownSchedulerException,
)
from torchx.specs.finder import ComponentNotFoundException, ComponentValidationException  # noqa: F401


class ComponentArgsError(ValueError):
    """Component arguments that do not match its signature (the CLI's usage error, exit 2)."""


class ComponentError(RuntimeError):
    """A component that failed to build its AppDef (it raised, or its evaluator failed)."""


class AppDefValidationError(ValueError):
    """An AppDef that fails validation; ``problems`` lists every problem."""

    problems: List[str] = []


class WorkspaceError(ValueError):
    """A workspace that is not an existing directory."""


class UnknownNamedResourceError(KeyError):
    """A named resource no table, plugin or ``.torchxconfig`` preset defines (a ``KeyError``, as
    TorchX's ``named_resources[name]``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class KeyValueParseError(ValueError):
    """A malformed ``k=v,k2=v2`` literal."""


class MountParseError(ValueError):
    """A malformed mount description."""


class JsonDecodeError(ValueError):
    """JSON whose shape does not match the payload schema; ``problems`` lists every problem."""

    problems: List[str] = []


class InvalidLogRegexError(ValueError):
    """A log regex RE2 refuses (no backreferences or lookaround)."""


class ConfigError(ValueError):
    """A ``.torchxconfig`` that cannot be read."""


class UnknownTrackerError(ValueError):
    """A tracker name no plugin provides."""


class InvalidRequestError(ValueError):
    """A malformed request to the native runner (a wrong argument type)."""


class PluginLoadError(RuntimeError):
    """A plugin that cannot be loaded or negotiated (the CLI's exit 3)."""


class PluginPolicyError(RuntimeError):
    """A broken site plugin policy, or a required plugin missing (the CLI's exit 3)."""

    problems: List[str] = []


class PluginCallError(RuntimeError):
    """A plugin call that failed; ``status`` is "invalid_argument", "not_found", "unsupported",
    "unavailable" (the backend is down: the CLI's exit 4) or "internal"."""

    status: str = "internal"


class TorchxError(RuntimeError):
    """Any other failure of torchx."""


class InternalError(RuntimeError):
    """A bug in torchx."""


_BY_NAME: Dict[str, Type[BaseException]] = {
    cls.__name__: cls
    for cls in (
        MalformedAppHandleException,
        UnknownSchedulerException,
        UnknownAppException,
        InvalidRunConfigException,
        ComponentNotFoundException,
        ComponentValidationException,
        ComponentArgsError,
        ComponentError,
        AppDefValidationError,
        WorkspaceError,
        UnknownNamedResourceError,
        KeyValueParseError,
        MountParseError,
        JsonDecodeError,
        InvalidLogRegexError,
        ConfigError,
        UnknownTrackerError,
        PluginLoadError,
        PluginPolicyError,
        PluginCallError,
        TorchxError,
        InternalError,
    )
}
_BY_NAME["InvalidRequest"] = InvalidRequestError


def make(cls: Type[BaseException], message: str, **attributes: Any) -> BaseException:
    """An instance of `cls` whose message is `message` verbatim, whatever `cls.__init__` takes
    (TorchX's constructors format their own messages; ours come from the runner)."""
    error = cls.__new__(cls)
    BaseException.__init__(error, message)
    for key, value in attributes.items():
        setattr(error, key, value)
    return error


def from_json(error: Dict[str, Any]) -> BaseException:
    """The exception of an error object `{"type", "message", ...}`."""
    cls = _BY_NAME.get(str(error.get("type")), InternalError)
    attributes = {k: v for k, v in error.items() if k in ("cfg_key", "problems", "status")}
    return make(cls, str(error.get("message", "")), **attributes)


def warn_all(warnings: Optional[List[str]]) -> None:
    for w in warnings or []:
        logger.warning("%s", w)
