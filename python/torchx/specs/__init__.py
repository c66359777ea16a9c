# SPDX-License-Identifier: BSD-3-Clause
"""The AppDef and everything a component builds one from (TorchX's ``torchx.specs``).

Named resources are answered by the native side, as for the CLI (``.torchxconfig`` presets,
named-resource plugins, the builtin tables of plugin-api/specs/named_resources.cpp; there is no
Python copy of them), through two hooks, set on first use when nothing set them before:

- ``_native_named_resource``: a callable ``name -> Resource`` that raises ``KeyError`` (with the
  message to show) for an unknown name. ``torchx._hooks`` sets it to the native runner's lookup;
  the evaluator of ``torchx run FILE.py:FN`` sets it to ask the CLI.
- ``_native_named_resource_names``: a callable returning every known name (for tools that list
  them, and ``named_resources_aws``/``named_resources_generic``).
"""

from typing import Callable, List, Optional

from torchx.specs.api import (  # noqa: F401
    ALL,
    MISSING,
    NONE,
    NULL_RESOURCE,
    AppDef,
    AppDryRunInfo,
    AppHandle,
    AppState,
    AppStatus,
    AppStatusError,
    BindMount,
    CfgVal,
    DeviceMount,
    InvalidRunConfigException,
    MalformedAppHandleException,
    MountType,
    ParsedAppHandle,
    ReplicaState,
    ReplicaStatus,
    Resource,
    RetryPolicy,
    Role,
    RoleStatus,
    UnknownAppException,
    UnknownSchedulerException,
    VolumeMount,
    get_type_name,
    is_started,
    is_terminal,
    macros,
    parse_app_handle,
    runopt,
    runopts,
)
from torchx.specs.builders import make_app_handle, materialize_appdef, parse_mounts  # noqa: F401

GiB: int = 1024

#: name -> Resource, or None until first use (see above)
_native_named_resource: Optional[Callable[[str], Resource]] = None
#: () -> every known name, or None until first use
_native_named_resource_names: Optional[Callable[[], List[str]]] = None


def _named_resource(name: str) -> Resource:
    if _native_named_resource is None:
        from torchx import _hooks  # the native runner, loaded on first use

        _hooks.install()
    assert _native_named_resource is not None
    return _native_named_resource(name)


def _named_resource_names() -> List[str]:
    if _native_named_resource_names is None:
        from torchx import _hooks

        _hooks.install()
    assert _native_named_resource_names is not None
    return list(_native_named_resource_names())


class _NamedResourcesLibrary:
    """``named_resources["gpu.small"]`` -> a fresh Resource; ``"x" in named_resources``."""

    def __getitem__(self, key: str) -> Resource:
        return _named_resource(key)

    def __contains__(self, key: str) -> bool:
        try:
            _named_resource(key)
        except KeyError:
            return False
        return True

    def __iter__(self) -> None:
        raise NotImplementedError("named resources doesn't support iterating")


named_resources: _NamedResourcesLibrary = _NamedResourcesLibrary()


def get_named_resources(res: str) -> Resource:
    """The named resource ``res`` (``named_resources[res]``). Raises KeyError."""
    return named_resources[res]


def resource(
    cpu: Optional[int] = None,
    gpu: Optional[int] = None,
    memMB: Optional[int] = None,
    h: Optional[str] = None,
) -> Resource:
    """The named resource ``h`` when given (the raw values are then ignored), else
    ``Resource(cpu or 2, gpu or 0, memMB or 1024)`` (as TorchX: 0 means the default too)."""
    if h:
        return get_named_resources(h)
    return Resource(cpu=cpu or 2, gpu=gpu or 0, memMB=memMB or 1024)
