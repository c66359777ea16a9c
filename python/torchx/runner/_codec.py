# SPDX-License-Identifier: BSD-3-Clause
"""Between the runner's JSON (plugin-api/docs/payloads.md) and Python values: ``torchx.specs``
objects when that package is importable, plain dicts otherwise."""

import numbers
from typing import Any, Dict, List, Mapping, Optional

from torchx import _errors

try:  # the specs dataclasses and their JSON codec
    from torchx import specs as _specs
except ImportError:  # pragma: no cover - only before torchx.specs exists
    _specs = None  # type: ignore[assignment]


def _codec(name: str) -> Any:
    return getattr(_specs, name, None) if _specs is not None else None


def app_to_json(app: Any) -> Dict[str, Any]:
    if isinstance(app, Mapping):
        return dict(app)
    to_json = _codec("app_def_to_json")
    if to_json is None:
        raise TypeError(f"expected an AppDef, found {type(app).__name__}")
    return to_json(app)


def app_from_json(data: Optional[Dict[str, Any]]) -> Any:
    if data is None:
        return None
    from_json = _codec("app_def_from_json")
    return from_json(data) if from_json else data


def status_from_json(data: Optional[Dict[str, Any]]) -> Any:
    if data is None:
        return None
    from_json = _codec("app_status_from_json")
    return from_json(data) if from_json else data


def resource_from_json(data: Dict[str, Any]) -> Any:
    from_json = _codec("resource_from_json")
    return from_json(data) if from_json else data


def runopts_from_json(data: List[Dict[str, Any]]) -> Any:
    from_json = _codec("runopts_from_json")
    return from_json(data) if from_json else data


def list_from_json(items: List[Dict[str, Any]]) -> List[Any]:
    from_json = _codec("list_app_response_from_json")
    return [from_json(i) for i in items] if from_json else items


def is_terminal_state(state: Any) -> bool:
    name = state if isinstance(state, str) else getattr(state, "name", str(state))
    return name in ("SUCCEEDED", "FAILED", "CANCELLED")


def status_is_terminal(status: Any) -> bool:
    if isinstance(status, Mapping):
        return is_terminal_state(status.get("state"))
    return bool(status.is_terminal())


def cfg_to_json(cfg: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """`cfg` checked against TorchX's ``CfgVal`` (str, int, float, bool, List[str], Dict[str,
    str] or None): anything else is ``InvalidRunConfigException`` naming the key."""
    if cfg is None:
        return {}
    if not isinstance(cfg, Mapping):
        raise TypeError(f"cfg must be a mapping of run option names to values, found {type(cfg).__name__}")
    out: Dict[str, Any] = {}
    for key, value in cfg.items():
        if not isinstance(key, str):
            raise _errors.make(
                _errors.InvalidRunConfigException, f"run option names must be strings, found {key!r}", cfg_key=str(key), cfg=cfg
            )
        ok = (
            value is None
            or isinstance(value, (str, bool))
            or (isinstance(value, numbers.Real) and value == value and value not in (float("inf"), float("-inf")))
            or (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value))
            or (isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()))
        )
        if not ok:
            raise _errors.make(
                _errors.InvalidRunConfigException,
                f"run option '{key}': {value!r} ({type(value).__name__}) is not a run option value: expected str, int, "
                "float, bool, List[str], Dict[str, str] or None",
                cfg_key=key,
                cfg=cfg,
            )
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = int(value)
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            value = float(value)
        out[key] = value
    return out
