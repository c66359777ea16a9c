# SPDX-License-Identifier: BSD-3-Clause
"""The specs as the JSON that crosses the C ABI (plugin-api/docs/payloads.md), both ways.

Encoding is strict: a value the payload cannot carry (an int in ``args``, an object in
``metadata``) raises ``JsonEncodeError`` naming its path (``roles[0].args[1]``), so that a
component's mistake is reported where it was made rather than by the C++ decoder. Decoding
follows the payload's evolution rules: unknown keys are ignored, a missing or null key means the
field's default, and a key of the wrong type is a problem; every problem is reported at once in
``JsonDecodeError``. Role ``overrides`` are resolved (each callable called once) before encoding,
so the JSON carries plain values and ``"overrides": {}``.
"""

import json
import math
from typing import Any, Dict, List, Mapping, Optional, Union

from torchx.specs.api import (
    NONE,
    AppDef,
    AppState,
    AppStatus,
    BindMount,
    CfgVal,
    DeviceMount,
    ReplicaStatus,
    Resource,
    RetryPolicy,
    Role,
    RoleStatus,
    VolumeMount,
)

Mount = Union[BindMount, VolumeMount, DeviceMount]

_ROLE_FIELDS = (
    "name",
    "image",
    "min_replicas",
    "base_image",
    "entrypoint",
    "args",
    "env",
    "num_replicas",
    "max_retries",
    "retry_policy",
    "resource",
    "port_map",
    "metadata",
    "mounts",
    "overrides",
)


class JsonEncodeError(TypeError):
    """A value the payload cannot carry; the message starts with its path."""


class JsonDecodeError(ValueError):
    """JSON that does not match the payload schema; ``problems`` lists every one."""

    def __init__(self, subject: str, problems: List[str]) -> None:
        super().__init__(f"invalid {subject}: " + "; ".join(problems))
        self.problems = problems


def _type_name(v: Any) -> str:
    return type(v).__name__


# ---- encoding ---------------------------------------------------------------------------------


def _str(v: Any, path: str) -> str:
    if isinstance(v, str):
        return v
    raise JsonEncodeError(f"{path}: expected a string, found {_type_name(v)} {v!r}")


def _int(v: Any, path: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise JsonEncodeError(f"{path}: expected an integer, found {_type_name(v)} {v!r}")
    if isinstance(v, float):
        if not v.is_integer():
            raise JsonEncodeError(f"{path}: expected an integer, found float {v!r}")
        v = int(v)
    if not -(2**31) <= v < 2**31:
        raise JsonEncodeError(f"{path}: integer {v} out of range")
    return int(v)


def _bool(v: Any, path: str) -> bool:
    if isinstance(v, bool):
        return v
    raise JsonEncodeError(f"{path}: expected a boolean, found {_type_name(v)} {v!r}")


def _str_list(v: Any, path: str) -> List[str]:
    if not isinstance(v, (list, tuple)):
        raise JsonEncodeError(f"{path}: expected a list of strings, found {_type_name(v)}")
    return [_str(item, f"{path}[{i}]") for i, item in enumerate(v)]


def _str_dict(v: Any, path: str) -> Dict[str, str]:
    if not isinstance(v, Mapping):
        raise JsonEncodeError(f"{path}: expected a dict of strings, found {_type_name(v)}")
    return {_str(k, f"{path} key"): _str(item, f"{path}.{k}") for k, item in v.items()}


def _int_dict(v: Any, path: str) -> Dict[str, int]:
    if not isinstance(v, Mapping):
        raise JsonEncodeError(f"{path}: expected a dict of integers, found {_type_name(v)}")
    return {_str(k, f"{path} key"): _int(item, f"{path}.{k}") for k, item in v.items()}


def _any(v: Any, path: str, depth: int = 0) -> Any:
    """Any JSON value (dicts with string keys, lists, strings, numbers, booleans, null)."""
    if depth > 64:
        raise JsonEncodeError(f"{path}: nested more than 64 levels")
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise JsonEncodeError(f"{path}: {v} is not a JSON number")
        return v
    if isinstance(v, Mapping):
        return {_str(k, f"{path} key"): _any(item, f"{path}.{k}", depth + 1) for k, item in v.items()}
    if isinstance(v, (list, tuple)):
        return [_any(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(v)]
    raise JsonEncodeError(f"{path}: {_type_name(v)} {v!r} is not JSON (use strings, numbers, lists and dicts)")


def _any_dict(v: Any, path: str) -> Dict[str, Any]:
    if not isinstance(v, Mapping):
        raise JsonEncodeError(f"{path}: expected a dict, found {_type_name(v)}")
    return _any(v, path)


def resource_to_dict(r: Resource, path: str = "resource") -> Dict[str, Any]:
    if not isinstance(r, Resource):
        raise JsonEncodeError(f"{path}: expected a Resource, found {_type_name(r)}")
    return {
        "cpu": _int(r.cpu, f"{path}.cpu"),
        "gpu": _int(r.gpu, f"{path}.gpu"),
        "memMB": _int(r.memMB, f"{path}.memMB"),
        "capabilities": _any_dict(r.capabilities, f"{path}.capabilities"),
        "devices": _int_dict(r.devices, f"{path}.devices"),
        "tags": _any_dict(getattr(r, "tags", {}), f"{path}.tags"),
    }


def mount_to_dict(m: Mount, path: str = "mount") -> Dict[str, Any]:
    if isinstance(m, BindMount):
        return {
            "type": "bind",
            "src_path": _str(m.src_path, f"{path}.src_path"),
            "dst_path": _str(m.dst_path, f"{path}.dst_path"),
            "read_only": _bool(m.read_only, f"{path}.read_only"),
        }
    if isinstance(m, VolumeMount):
        return {
            "type": "volume",
            "src": _str(m.src, f"{path}.src"),
            "dst_path": _str(m.dst_path, f"{path}.dst_path"),
            "read_only": _bool(m.read_only, f"{path}.read_only"),
        }
    if isinstance(m, DeviceMount):
        return {
            "type": "device",
            "src_path": _str(m.src_path, f"{path}.src_path"),
            "dst_path": _str(m.dst_path, f"{path}.dst_path"),
            "permissions": _str(m.permissions, f"{path}.permissions"),
        }
    raise JsonEncodeError(f"{path}: expected a BindMount, VolumeMount or DeviceMount, found {_type_name(m)}")


def _retry_policy(v: Any, path: str) -> str:
    if isinstance(v, RetryPolicy):
        return v.value
    if isinstance(v, str) and v in RetryPolicy.__members__:
        return v
    raise JsonEncodeError(f"{path}: expected a RetryPolicy (REPLICA, APPLICATION, ROLE), found {v!r}")


def role_to_dict(role: Role, path: str = "role") -> Dict[str, Any]:
    if not isinstance(role, Role):
        raise JsonEncodeError(f"{path}: expected a Role, found {_type_name(role)}")
    # Reading each field resolves its override (Role.__getattribute__).
    values = {name: getattr(role, name) for name in _ROLE_FIELDS if name != "overrides"}
    mounts = values["mounts"]
    if not isinstance(mounts, (list, tuple)):
        raise JsonEncodeError(f"{path}.mounts: expected a list of mounts, found {_type_name(mounts)}")
    min_replicas = values["min_replicas"]
    base_image = values["base_image"]
    return {
        "name": _str(values["name"], f"{path}.name"),
        "image": _str(values["image"], f"{path}.image"),
        "min_replicas": None if min_replicas is None else _int(min_replicas, f"{path}.min_replicas"),
        "base_image": None if base_image is None else _str(base_image, f"{path}.base_image"),
        "entrypoint": _str(values["entrypoint"], f"{path}.entrypoint"),
        "args": _str_list(values["args"], f"{path}.args"),
        "env": _str_dict(values["env"], f"{path}.env"),
        "num_replicas": _int(values["num_replicas"], f"{path}.num_replicas"),
        "max_retries": _int(values["max_retries"], f"{path}.max_retries"),
        "retry_policy": _retry_policy(values["retry_policy"], f"{path}.retry_policy"),
        "resource": resource_to_dict(values["resource"], f"{path}.resource"),
        "port_map": _int_dict(values["port_map"], f"{path}.port_map"),
        "metadata": _any_dict(values["metadata"], f"{path}.metadata"),
        "mounts": [mount_to_dict(m, f"{path}.mounts[{i}]") for i, m in enumerate(mounts)],
        "overrides": {},
    }


def app_def_to_dict(app: AppDef) -> Dict[str, Any]:
    """The AppDef payload; raises JsonEncodeError naming the first value it cannot carry."""
    if not isinstance(app, AppDef):
        raise JsonEncodeError(f"expected an AppDef, found {_type_name(app)}")
    if not isinstance(app.roles, (list, tuple)):
        raise JsonEncodeError(f"roles: expected a list of roles, found {_type_name(app.roles)}")
    return {
        "name": _str(app.name, "name"),
        "roles": [role_to_dict(r, f"roles[{i}]") for i, r in enumerate(app.roles)],
        "metadata": _str_dict(app.metadata, "metadata"),
    }


def app_status_to_dict(status: AppStatus, filter_roles: Optional[List[str]] = None) -> Dict[str, Any]:
    """TorchX's ``AppStatus.to_json()`` (the payload's AppStatus)."""
    return status.to_json(filter_roles)


def cfg_to_dict(cfg: Mapping[str, CfgVal]) -> Dict[str, Any]:
    """A run config: strings, integers, floats, booleans, lists of strings, dicts of strings, null."""
    out: Dict[str, Any] = {}
    for key, value in cfg.items():
        path = _str(key, "cfg key")
        if value is None or isinstance(value, (str, bool, int)):
            out[key] = value
        elif isinstance(value, float):
            out[key] = _any(value, path)
        elif isinstance(value, (list, tuple)):
            out[key] = _str_list(value, path)
        elif isinstance(value, Mapping):
            out[key] = _str_dict(value, path)
        else:
            raise JsonEncodeError(f"{path}: {_type_name(value)} {value!r} is no run option value")
    return out


def to_json(obj: Any) -> str:
    """The JSON text of an AppDef, Role, Resource, mount or AppStatus."""
    if isinstance(obj, AppDef):
        d: Any = app_def_to_dict(obj)
    elif isinstance(obj, Role):
        d = role_to_dict(obj)
    elif isinstance(obj, Resource):
        d = resource_to_dict(obj)
    elif isinstance(obj, (BindMount, VolumeMount, DeviceMount)):
        d = mount_to_dict(obj)
    elif isinstance(obj, AppStatus):
        d = app_status_to_dict(obj)
    else:
        raise JsonEncodeError(f"no JSON form for {_type_name(obj)}")
    return json.dumps(d, ensure_ascii=False)


# ---- decoding ---------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return "a value"


class _Decoder:
    def __init__(self) -> None:
        self.problems: List[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def check(self, subject: str) -> None:
        if self.problems:
            raise JsonDecodeError(subject, self.problems)

    def obj(self, v: Any, path: str) -> Optional[Dict[str, Any]]:
        if isinstance(v, dict):
            return v
        self.problem(path, f"expected an object, found {_kind(v)}")
        return None

    def string(self, o: Dict[str, Any], key: str, path: str, default: Any, required: bool = False) -> Any:
        v = o.get(key)
        if v is None:
            if required:
                self.problem(_join(path, key), "is required")
            return default
        if isinstance(v, str):
            return v
        self.problem(_join(path, key), f"expected a string, found {_kind(v)}")
        return default

    def integer(self, o: Dict[str, Any], key: str, path: str, default: Any) -> Any:
        v = o.get(key)
        if v is None:
            return default
        if isinstance(v, int) and not isinstance(v, bool):
            if -(2**31) <= v < 2**31:
                return v
            self.problem(_join(path, key), "integer out of range")
            return default
        self.problem(_join(path, key), f"expected an integer, found {_kind(v)}")
        return default

    def boolean(self, o: Dict[str, Any], key: str, path: str, default: bool) -> bool:
        v = o.get(key)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        self.problem(_join(path, key), f"expected a boolean, found {_kind(v)}")
        return default

    def str_list(self, o: Dict[str, Any], key: str, path: str) -> List[str]:
        v = o.get(key)
        here = _join(path, key)
        if v is None:
            return []
        if not isinstance(v, list):
            self.problem(here, f"expected an array of strings, found {_kind(v)}")
            return []
        out = []
        for i, item in enumerate(v):
            if isinstance(item, str):
                out.append(item)
            else:
                self.problem(f"{here}[{i}]", f"expected a string, found {_kind(item)}")
        return out

    def dict_of(self, o: Dict[str, Any], key: str, path: str, kind: str) -> Dict[str, Any]:
        v = o.get(key)
        here = _join(path, key)
        if v is None:
            return {}
        d = self.obj(v, here)
        if d is None:
            return {}
        if kind == "any":
            return dict(d)
        out = {}
        for k, item in d.items():
            if kind == "str" and isinstance(item, str):
                out[k] = item
            elif kind == "int" and isinstance(item, int) and not isinstance(item, bool):
                out[k] = item
            else:
                want = "a string" if kind == "str" else "an integer"
                self.problem(_join(here, k), f"expected {want}, found {_kind(item)}")
        return out

    def resource(self, v: Any, path: str) -> Resource:
        o = self.obj(v, path)
        if o is None:
            return Resource(cpu=-1, gpu=-1, memMB=-1)
        return Resource(
            cpu=self.integer(o, "cpu", path, -1),
            gpu=self.integer(o, "gpu", path, -1),
            memMB=self.integer(o, "memMB", path, -1),
            capabilities=self.dict_of(o, "capabilities", path, "any"),
            devices=self.dict_of(o, "devices", path, "int"),
            tags=self.dict_of(o, "tags", path, "any"),
        )

    def mount(self, v: Any, path: str) -> Optional[Mount]:
        o = self.obj(v, path)
        if o is None:
            return None
        typ = self.string(o, "type", path, "", required=True)
        if typ == "bind":
            return BindMount(
                src_path=self.string(o, "src_path", path, "", True),
                dst_path=self.string(o, "dst_path", path, "", True),
                read_only=self.boolean(o, "read_only", path, False),
            )
        if typ == "volume":
            return VolumeMount(
                src=self.string(o, "src", path, "", True),
                dst_path=self.string(o, "dst_path", path, "", True),
                read_only=self.boolean(o, "read_only", path, False),
            )
        if typ == "device":
            src = self.string(o, "src_path", path, "", True)
            return DeviceMount(
                src_path=src,
                dst_path=self.string(o, "dst_path", path, "") or src,
                permissions=self.string(o, "permissions", path, "rwm"),
            )
        if typ:
            self.problem(_join(path, "type"), f"unknown mount type '{typ}' (expected bind, volume or device)")
        return None

    def role(self, v: Any, path: str) -> Optional[Role]:
        o = self.obj(v, path)
        if o is None:
            return None
        overrides = self.dict_of(o, "overrides", path, "any")
        o = {**o, **{k: val for k, val in overrides.items() if k in _ROLE_FIELDS and k != "overrides"}}
        policy_name = self.string(o, "retry_policy", path, "APPLICATION")
        if policy_name not in RetryPolicy.__members__:
            self.problem(_join(path, "retry_policy"), f"unknown retry policy '{policy_name}'")
            policy_name = "APPLICATION"
        mounts_value = o.get("mounts")
        mounts: List[Mount] = []
        if isinstance(mounts_value, list):
            for i, m in enumerate(mounts_value):
                mount = self.mount(m, f"{_join(path, 'mounts')}[{i}]")
                if mount is not None:
                    mounts.append(mount)
        elif mounts_value is not None:
            self.problem(_join(path, "mounts"), f"expected an array, found {_kind(mounts_value)}")
        resource_value = o.get("resource")
        return Role(
            name=self.string(o, "name", path, "", required=True),
            image=self.string(o, "image", path, "", required=True),
            min_replicas=self.integer(o, "min_replicas", path, None),
            base_image=self.string(o, "base_image", path, None),
            entrypoint=self.string(o, "entrypoint", path, "<MISSING>"),
            args=self.str_list(o, "args", path),
            env=self.dict_of(o, "env", path, "str"),
            num_replicas=self.integer(o, "num_replicas", path, 1),
            max_retries=self.integer(o, "max_retries", path, 0),
            retry_policy=RetryPolicy[policy_name],
            resource=(
                Resource(cpu=-1, gpu=-1, memMB=-1)
                if resource_value is None
                else self.resource(resource_value, _join(path, "resource"))
            ),
            port_map=self.dict_of(o, "port_map", path, "int"),
            metadata=self.dict_of(o, "metadata", path, "any"),
            mounts=mounts,
        )

    def app_def(self, v: Any) -> AppDef:
        o = self.obj(v, "")
        if o is None:
            return AppDef(name="")
        roles_value = o.get("roles")
        roles: List[Role] = []
        if isinstance(roles_value, list):
            for i, r in enumerate(roles_value):
                role = self.role(r, f"roles[{i}]")
                if role is not None:
                    roles.append(role)
        elif roles_value is not None:
            self.problem("roles", f"expected an array, found {_kind(roles_value)}")
        return AppDef(
            name=self.string(o, "name", "", "", required=True),
            roles=roles,
            metadata=self.dict_of(o, "metadata", "", "str"),
        )

    def state(self, v: Any, path: str) -> AppState:
        if isinstance(v, str) and v in AppState.__members__:
            return AppState[v]
        if isinstance(v, int) and not isinstance(v, bool) and v in {s.value for s in AppState}:
            return AppState(v)
        self.problem(path, f"expected an app state (a name or a number), found {json.dumps(v)}")
        return AppState.UNKNOWN

    def app_status(self, v: Any) -> AppStatus:
        o = self.obj(v, "")
        if o is None:
            return AppStatus(state=AppState.UNKNOWN)
        if o.get("state") is None:
            self.problem("state", "is required")
        roles: List[RoleStatus] = []
        roles_value = o.get("roles")
        if isinstance(roles_value, list):
            for i, r in enumerate(roles_value):
                path = f"roles[{i}]"
                ro = self.obj(r, path)
                if ro is None:
                    continue
                replicas: List[ReplicaStatus] = []
                replicas_value = ro.get("replicas")
                if isinstance(replicas_value, list):
                    for j, rep in enumerate(replicas_value):
                        rpath = f"{path}.replicas[{j}]"
                        rep_o = self.obj(rep, rpath)
                        if rep_o is None:
                            continue
                        replicas.append(
                            ReplicaStatus(
                                id=self.integer(rep_o, "id", rpath, 0),
                                state=self.state(rep_o.get("state"), _join(rpath, "state")),
                                role=self.string(rep_o, "role", rpath, ""),
                                hostname=self.string(rep_o, "hostname", rpath, ""),
                                structured_error_msg=self.string(rep_o, "structured_error_msg", rpath, NONE),
                            )
                        )
                elif replicas_value is not None:
                    self.problem(_join(path, "replicas"), f"expected an array, found {_kind(replicas_value)}")
                roles.append(RoleStatus(role=self.string(ro, "role", path, ""), replicas=replicas))
        elif roles_value is not None:
            self.problem("roles", f"expected an array, found {_kind(roles_value)}")
        url = o.get("url", o.get("ui_url"))
        if url is not None and not isinstance(url, str):
            self.problem("url", f"expected a string, found {_kind(url)}")
            url = None
        return AppStatus(
            state=self.state(o.get("state"), "state") if o.get("state") is not None else AppState.UNKNOWN,
            num_restarts=self.integer(o, "num_restarts", "", 0),
            msg=self.string(o, "msg", "", ""),
            structured_error_msg=self.string(o, "structured_error_msg", "", NONE),
            ui_url=url,
            roles=roles,
        )


def _loads(text: Union[str, bytes], subject: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise JsonDecodeError(subject, [f"not valid JSON: {e}"]) from None


def app_def_from_dict(d: Any) -> AppDef:
    dec = _Decoder()
    app = dec.app_def(d)
    dec.check("AppDef")
    return app


def role_from_dict(d: Any) -> Role:
    dec = _Decoder()
    role = dec.role(d, "")
    dec.check("Role")
    assert role is not None
    return role


def resource_from_dict(d: Any) -> Resource:
    dec = _Decoder()
    r = dec.resource(d, "")
    dec.check("Resource")
    return r


def app_status_from_dict(d: Any) -> AppStatus:
    """Accepts app and replica states as names or numbers."""
    dec = _Decoder()
    status = dec.app_status(d)
    dec.check("AppStatus")
    return status


def cfg_from_dict(d: Any) -> Dict[str, CfgVal]:
    dec = _Decoder()
    o = dec.obj(d, "")
    out: Dict[str, CfgVal] = {}
    for key, value in (o or {}).items():
        if value is None or isinstance(value, (str, bool, int, float)):
            out[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = list(value)
        elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            out[key] = dict(value)
        else:
            dec.problem(key, f"{_kind(value)} is no run option value")
    dec.check("run config")
    return out


def app_def_from_json(text: Union[str, bytes]) -> AppDef:
    return app_def_from_dict(_loads(text, "AppDef"))


def role_from_json(text: Union[str, bytes]) -> Role:
    return role_from_dict(_loads(text, "Role"))


def resource_from_json(text: Union[str, bytes]) -> Resource:
    return resource_from_dict(_loads(text, "Resource"))


def app_status_from_json(text: Union[str, bytes]) -> AppStatus:
    return app_status_from_dict(_loads(text, "AppStatus"))


def cfg_from_json(text: Union[str, bytes]) -> Dict[str, CfgVal]:
    return cfg_from_dict(_loads(text, "run config"))
