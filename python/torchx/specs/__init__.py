# SPDX-License-Identifier: BSD-3-Clause
"""The AppDef and everything a component builds one from (TorchX's ``torchx.specs``).

Named resources come from ``_native_named_resource`` when it is set, else from the built-in
tables (equal to the C++ ones in plugin-api/specs/named_resources.cpp):

- ``_native_named_resource``: ``None``, or a callable ``name -> Resource`` that raises
  ``KeyError`` (with the message to show) for an unknown name. The native module sets it so
  that Python sees what the CLI sees: ``.torchxconfig`` presets, named-resource plugins, then
  the built-in tables; the evaluator of ``torchx run FILE.py:FN`` sets it to ask the CLI.
- ``_native_named_resource_names``: ``None``, or a callable returning every known name (used
  for ``in`` and "did you mean" when the hook is not set, and by tools that list them).
"""

import difflib
from typing import Callable, Dict, List, Optional

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
from torchx.specs.named_resources_aws import NAMED_RESOURCES as AWS_NAMED_RESOURCES
from torchx.specs.named_resources_generic import NAMED_RESOURCES as GENERIC_NAMED_RESOURCES

GiB: int = 1024

#: name -> Resource, or None: filled in by the native module or the evaluator (see above)
_native_named_resource: Optional[Callable[[str], Resource]] = None
#: () -> every known name, or None
_native_named_resource_names: Optional[Callable[[], List[str]]] = None


def _builtin_factories() -> Dict[str, Callable[[], Resource]]:
    factories: Dict[str, Callable[[], Resource]] = {**GENERIC_NAMED_RESOURCES, **AWS_NAMED_RESOURCES}
    factories["NULL"] = lambda: NULL_RESOURCE
    factories["MISSING"] = lambda: NULL_RESOURCE
    return factories


_named_resource_factories: Dict[str, Callable[[], Resource]] = _builtin_factories()


def _known_names() -> List[str]:
    if _native_named_resource_names is not None:
        return list(_native_named_resource_names())
    return list(_named_resource_factories.keys())


class _NamedResourcesLibrary:
    """``named_resources["gpu.small"]`` -> a fresh Resource; ``"x" in named_resources``."""

    def __getitem__(self, key: str) -> Resource:
        if _native_named_resource is not None:
            return _native_named_resource(key)
        if key in _named_resource_factories:
            return _named_resource_factories[key]()
        names = _known_names()
        matches = difflib.get_close_matches(key, names, n=1)
        if matches:
            msg = f"Did you mean `{matches[0]}`?"
        else:
            msg = f"Registered named resources: {names}"
        raise KeyError(f"No named resource found for `{key}`. {msg}")

    def __contains__(self, key: str) -> bool:
        if _native_named_resource is not None:
            try:
                _native_named_resource(key)
            except KeyError:
                return False
            return True
        return key in _named_resource_factories

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
