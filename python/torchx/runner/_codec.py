# SPDX-License-Identifier: BSD-3-Clause
"""Between the native runner's JSON (plugin-api/docs/payloads.md) and ``torchx.specs`` objects
(the codec is ``torchx.specs._json``, the one the component evaluator uses)."""

import numbers
from typing import Any, Dict, List, Mapping, Optional

from torchx import _errors, specs
from torchx.schedulers.api import ListAppResponse
from torchx.specs import _json

_RUNOPT_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": List[str], "dict": Dict[str, str]}


def app_to_json(app: Any) -> Dict[str, Any]:
    """`app` (an AppDef) as its payload. TypeError for anything else."""
    if not isinstance(app, specs.AppDef):
        raise TypeError(f"expected a torchx.specs.AppDef, found {type(app).__name__}")
    return _json.app_def_to_dict(app)


def app_from_json(data: Optional[Dict[str, Any]]) -> Optional[specs.AppDef]:
    return None if data is None else _json.app_def_from_dict(data)


def status_from_json(data: Optional[Dict[str, Any]]) -> Optional[specs.AppStatus]:
    return None if data is None else _json.app_status_from_dict(data)


def resource_from_json(data: Dict[str, Any]) -> specs.Resource:
    return _json.resource_from_dict(data)


def runopts_from_json(data: List[Dict[str, Any]]) -> specs.runopts:
    opts = specs.runopts()
    for o in data:
        type_ = _RUNOPT_TYPES.get(o.get("type", "str"), str)
        default = o.get("default")
        if type_ is float and isinstance(default, int):
            default = float(default)
        opts.add(o["name"], type_, o.get("help", ""), default=None if o.get("required") else default,
                 required=bool(o.get("required")))
    return opts


def list_from_json(items: List[Dict[str, Any]]) -> List[ListAppResponse]:
    return [
        ListAppResponse(app_id=i["app_id"], state=specs.AppState[i["state"]], app_handle=i.get("app_handle", ""),
                        name=i.get("name", ""))
        for i in items
    ]


def status_is_terminal(status: specs.AppStatus) -> bool:
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
                _errors.InvalidRunConfigException, f"run option names must be strings, found {key!r}", cfg_key=str(key)
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
