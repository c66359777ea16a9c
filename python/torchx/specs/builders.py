# SPDX-License-Identifier: BSD-3-Clause
"""``parse_mounts``, ``make_app_handle`` and ``materialize_appdef``, where TorchX has them."""

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from torchx.specs.api import AppDef, BindMount, DeviceMount, MountType, VolumeMount, make_app_handle  # noqa: F401

# accepted spelling -> canonical key (TorchX's _MOUNT_OPT_MAP)
_MOUNT_OPT_MAP: Mapping[str, str] = {
    "type": "type",
    "destination": "dst",
    "dst": "dst",
    "target": "dst",
    "read_only": "readonly",
    "readonly": "readonly",
    "source": "src",
    "src": "src",
    "perm": "perm",
}

_TRUE = ("", "true", "True", "1", "yes")
_FALSE = ("false", "False", "0", "no")


def _readonly(opts: Dict[str, Optional[str]]) -> bool:
    if "readonly" not in opts:
        return False
    value = opts["readonly"] or ""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"invalid mount option 'readonly={value}': expected true or false")


def _required(opts: Dict[str, Optional[str]], typ: str, key: str) -> str:
    value = opts.get(key)
    if not value:
        raise KeyError(f"{typ} mount is missing '{key}=...'")
    return value


def parse_mounts(opts: List[str]) -> List[Union[BindMount, VolumeMount, DeviceMount]]:
    """Mounts from ``--mounts`` tokens (the option split on ``,``), Docker's syntax:

        type=bind,src=/host,dst=/container[,readonly]
        type=volume,src=<name or id>,dst=/container[,readonly]
        type=device,src=/dev/<dev>[,dst=/container][,perm=rwm]

    ``type`` starts each mount. Errors as TorchX's: KeyError for an unknown option, an option
    before ``type``, a missing ``src``/``dst``; ValueError for an unknown type or permission.
    ``readonly=false`` means false (TorchX takes any ``readonly`` as true), as the C++ parser.
    """
    groups: List[Dict[str, Optional[str]]] = []
    for opt in opts:
        if not opt:
            continue
        key, eq, value = opt.partition("=")
        if key not in _MOUNT_OPT_MAP:
            raise KeyError(f"unknown mount option {key}, must be one of {list(_MOUNT_OPT_MAP.keys())}")
        key = _MOUNT_OPT_MAP[key]
        if key == "type":
            groups.append({})
        elif not groups:
            raise KeyError("type must be specified first")
        groups[-1][key] = value if eq else None

    mounts: List[Union[BindMount, VolumeMount, DeviceMount]] = []
    for group in groups:
        typ = group.get("type") or ""
        if typ == MountType.BIND:
            src = _required(group, typ, "src")
            if src.startswith("~"):
                src = os.path.expanduser(src)
            mounts.append(BindMount(src_path=src, dst_path=_required(group, typ, "dst"), read_only=_readonly(group)))
        elif typ == MountType.VOLUME:
            mounts.append(
                VolumeMount(
                    src=_required(group, typ, "src"), dst_path=_required(group, typ, "dst"), read_only=_readonly(group)
                )
            )
        elif typ == MountType.DEVICE:
            src = _required(group, typ, "src")
            dst = group.get("dst") or src
            perm = group.get("perm") or "rwm"
            for c in perm:
                if c not in "rwm":
                    raise ValueError(f"{c} is not a valid permission flags must one of r,w,m")
            mounts.append(DeviceMount(src_path=src, dst_path=dst, permissions=perm))
        else:
            valid = [str(item.value) for item in MountType]
            raise ValueError(f"invalid mount type {repr(typ)}, must be one of {valid}")
    return mounts


def materialize_appdef(
    cmpnt_fn: Callable[..., Any],
    cmpnt_args: List[str],
    cmpnt_defaults: Optional[Dict[str, Any]] = None,
    config: Optional[Dict[str, Any]] = None,
) -> AppDef:
    """Calls the component ``cmpnt_fn`` with its command-line arguments ``cmpnt_args``, parsed by
    the same C++ code as ``torchx run`` (so it needs the native module, ``torchx._native``);
    ``cmpnt_defaults`` (text, as from ``[component:NAME]``) stand under them; ``config`` (typed
    values) wins over both."""
    from torchx.specs import _component

    return _component.materialize(cmpnt_fn, cmpnt_args, cmpnt_defaults, config)
