# SPDX-License-Identifier: BSD-3-Clause
"""The AppDef and its parts, the app status, run options and app handles, as TorchX names them.

Plain dataclasses with TorchX's field names, order and defaults, so that component files written
for Python TorchX build the same objects here. They cross into the C++ core as the JSON of
``plugin-api/docs/payloads.md`` (``torchx.specs._json``): nothing new is invented for Python.
Standard library only; Python 3.8 or later.
"""

import copy
import inspect
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import Enum
from string import Template
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

logger = logging.getLogger(__name__)

SchedulerBackend = str

# ---- sentinels --------------------------------------------------------------------------------

#: the "*" scheduler backend
ALL: SchedulerBackend = "all"
#: a string attribute that was not set (``Role.entrypoint``)
MISSING: str = "<MISSING>"
#: an optional string that is unset (``structured_error_msg``)
NONE: str = "<NONE>"


# ---- resources --------------------------------------------------------------------------------


@dataclass
class Resource:
    """What one replica of a role needs: logical cpus, gpus and memory in MiB.

    Args:
        cpu: number of logical cpu cores (what a core is depends on the scheduler)
        gpu: number of gpus
        memMB: MiB of memory
        capabilities: additional hardware specs, interpreted by the scheduler
        devices: named devices and their counts (e.g. ``vpc.amazonaws.com/efa: 4``)
        tags: metadata that changes nothing about the scheduling
    """

    cpu: int
    gpu: int
    memMB: int
    capabilities: Dict[str, Any] = field(default_factory=dict)
    devices: Dict[str, int] = field(default_factory=dict)
    tags: Dict[str, object] = field(default_factory=dict)

    @staticmethod
    def copy(original: "Resource", **capabilities: Any) -> "Resource":
        """A copy of ``original`` with ``capabilities`` merged over its own (the argument wins).

        As TorchX, the copy has no tags.
        """
        merged = dict(original.capabilities)
        merged.update(capabilities)
        return Resource(
            cpu=original.cpu,
            gpu=original.gpu,
            memMB=original.memMB,
            capabilities=merged,
            devices=dict(original.devices),
        )


#: resources that do not matter (the default of ``Role.resource``)
NULL_RESOURCE: Resource = Resource(cpu=-1, gpu=-1, memMB=-1)


def _null_resource() -> Resource:
    return NULL_RESOURCE


# ---- macros -----------------------------------------------------------------------------------


class macros:
    """Placeholders in ``Role.args``, ``Role.env`` values and ``Role.metadata`` strings that the
    scheduler fills in per replica. Other fields are not substituted.

    - ``img_root``: root directory of the image
    - ``app_id``: the application id the scheduler assigned
    - ``replica_id``: 0, 1, ... per replica of a role (a replacement keeps the id it replaces)
    - ``rank0_env``: the name of the environment variable that holds the rank-0 host (expand it
      in the app, e.g. through ``bash -c``)
    """

    img_root = "${img_root}"
    base_img_root = "${base_img_root}"
    app_id = "${app_id}"
    replica_id = "${replica_id}"
    rank0_env = "${rank0_env}"

    @dataclass
    class Values:
        img_root: str
        app_id: str
        replica_id: str
        rank0_env: str
        base_img_root: str = "DEPRECATED"

        def apply(self, role: "Role") -> "Role":
            """A copy of ``role`` with the values substituted in args, env values and metadata."""
            overrides = role.overrides
            if overrides:
                logger.warning("Role overrides are not supported for macros. Overrides will not be copied")
                role.overrides = {}
            try:
                copied = copy.deepcopy(role)
            finally:
                role.overrides = overrides
            copied.overrides = overrides
            copied.args = [self.substitute(arg) for arg in copied.args]
            copied.env = {key: self.substitute(value) for key, value in copied.env.items()}
            copied.metadata = self._apply_nested(copied.metadata)
            return copied

        def _apply_nested(self, d: Dict[str, Any]) -> Dict[str, Any]:
            stack = [d]
            while stack:
                current = stack.pop()
                for key, value in current.items():
                    if isinstance(value, dict):
                        stack.append(value)
                    elif isinstance(value, str):
                        current[key] = self.substitute(value)
                    elif isinstance(value, list):
                        for i, item in enumerate(value):
                            if isinstance(item, str):
                                value[i] = self.substitute(item)
            return d

        def to_dict(self) -> Dict[str, Any]:
            return asdict(self)

        def substitute(self, arg: str) -> str:
            """``arg`` with ``$name`` and ``${name}`` of the known macros replaced, others kept."""
            return Template(arg).safe_substitute(**self.to_dict())


# ---- roles and apps ---------------------------------------------------------------------------


class RetryPolicy(str, Enum):
    """What a scheduler restarts when a replica fails: the replica, the whole application, or
    the role. Not every scheduler supports every policy; all support APPLICATION."""

    REPLICA = "REPLICA"
    APPLICATION = "APPLICATION"
    ROLE = "ROLE"


class MountType(str, Enum):
    BIND = "bind"
    VOLUME = "volume"
    DEVICE = "device"


@dataclass
class BindMount:
    """A host path bind-mounted into the worker's environment."""

    src_path: str
    dst_path: str
    read_only: bool = False


@dataclass
class VolumeMount:
    """A persistent volume (its name or id) mounted into the worker's environment."""

    src: str
    dst_path: str
    read_only: bool = False


@dataclass
class DeviceMount:
    """A host device made available in the worker's environment."""

    src_path: str
    dst_path: str
    permissions: str = "rwm"


@dataclass
class Role:
    """A set of replicas that perform one duty in an ``AppDef`` (e.g. the trainers).

    Args:
        name: name of the role
        image: the software bundle the replicas run from (a directory, a docker image, ...)
        min_replicas: the fewest replicas the job may start with (elastic schedulers only)
        base_image: deprecated, unused
        entrypoint: the command to run
        args: its arguments (macros substituted)
        env: environment variables (macros substituted in the values)
        num_replicas: number of replicas
        max_retries: how many times the scheduler may restart it
        retry_policy: what a restart covers
        resource: what each replica needs
        port_map: named ports, e.g. ``{"tensorboard": 9090}``
        metadata: free-form, keys by convention ``$scheduler.$key``
        mounts: bind, volume and device mounts
        overrides: field name -> a callable (or awaitable) whose result replaces the field the
            first time it is read
    """

    name: str
    image: str
    min_replicas: Optional[int] = None
    base_image: Optional[str] = None
    entrypoint: str = MISSING
    args: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    num_replicas: int = 1
    max_retries: int = 0
    retry_policy: RetryPolicy = RetryPolicy.APPLICATION
    resource: Resource = field(default_factory=_null_resource)
    port_map: Dict[str, int] = field(default_factory=dict)
    metadata: Dict[str, Any] = field(default_factory=dict)
    mounts: List[Union[BindMount, VolumeMount, DeviceMount]] = field(default_factory=list)
    overrides: Dict[str, Any] = field(default_factory=dict)

    def __getattribute__(self, attrname: str) -> Any:
        if attrname == "overrides" or attrname.startswith("__"):
            return super().__getattribute__(attrname)
        try:
            overrides = super().__getattribute__("overrides")
        except AttributeError:
            overrides = {}
        if attrname in overrides:
            value = overrides[attrname]
            if inspect.isawaitable(value):
                import asyncio

                result = asyncio.get_event_loop().run_until_complete(value)
            elif callable(value):
                result = value()
            else:
                result = value
            setattr(self, attrname, result)
            overrides[attrname] = lambda: result
        return super().__getattribute__(attrname)

    def pre_proc(self, scheduler: SchedulerBackend, dryrun_info: "AppDryRunInfo") -> "AppDryRunInfo":
        """TorchX's per-role hook on a dryrun request; the C++ schedulers do not call it."""
        return dryrun_info


@dataclass
class AppDef:
    """A distributed application: its name, its roles and metadata for the scheduler."""

    name: str
    roles: List[Role] = field(default_factory=list)
    metadata: Dict[str, str] = field(default_factory=dict)


# ---- states and status ------------------------------------------------------------------------


class AppState(int, Enum):
    """UNSUBMITTED, SUBMITTED, PENDING, RUNNING, then SUCCEEDED, FAILED or CANCELLED; UNKNOWN."""

    UNSUBMITTED = 0
    SUBMITTED = 1
    PENDING = 2
    RUNNING = 3
    SUCCEEDED = 4
    FAILED = 5
    CANCELLED = 6
    UNKNOWN = 7

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"{self.name} ({self.value})"


_TERMINAL_STATES: List[AppState] = [AppState.SUCCEEDED, AppState.FAILED, AppState.CANCELLED]
_STARTED_STATES: List[AppState] = _TERMINAL_STATES + [AppState.RUNNING]


def is_terminal(state: AppState) -> bool:
    return state in _TERMINAL_STATES


def is_started(state: AppState) -> bool:
    return state in _STARTED_STATES


#: replicas and apps share the states
ReplicaState = AppState


@dataclass
class ReplicaStatus:
    """One replica's status. ``id`` is the node index, not a worker rank."""

    id: int
    state: ReplicaState
    role: str
    hostname: str
    structured_error_msg: str = NONE


@dataclass
class RoleStatus:
    role: str
    replicas: List[ReplicaStatus]

    def to_json(self) -> Dict[str, Any]:
        return {"role": self.role, "replicas": [asdict(replica) for replica in self.replicas]}


_APP_STATUS_FORMAT_TEMPLATE = """AppStatus:
    State: ${state}
    Num Restarts: ${num_restarts}
    Roles: ${roles}
    Msg: ${msg}
    Structured Error Msg: ${structured_error_msg}
    UI URL: ${url}
    """

# An error raised in an RPC worker (`RuntimeError('On WorkerInfo(...):\n...\n')`) and an error
# embedded in another's message (`...\nException raised from ...`): format() shows the inner one.
_RPC_ERROR_MESSAGE_RE = re.compile(r"(?P<exception_type>\w*)\('On WorkerInfo\(.+\):\n(.*\n)*'\)")
_EMBEDDED_ERROR_MESSAGE_RE = re.compile(r"(?P<msg>.+)\nException.*")


@dataclass
class AppStatus:
    """The runtime status of an app. ``roles`` holds the replicas of the latest attempt."""

    state: AppState
    num_restarts: int = 0
    msg: str = ""
    structured_error_msg: str = NONE
    ui_url: Optional[str] = None
    roles: List[RoleStatus] = field(default_factory=list)

    def is_terminal(self) -> bool:
        return is_terminal(self.state)

    def raise_for_status(self) -> None:
        """Raises ``AppStatusError`` unless the app SUCCEEDED."""
        if self.state != AppState.SUCCEEDED:
            raise AppStatusError(self, f"job did not succeed: {self}")

    def __repr__(self) -> str:
        # TorchX dumps YAML here; the standard library has none, so this is the same mapping as
        # JSON (which YAML reads too).
        data = asdict(self)
        error = data.pop("structured_error_msg")
        if error != NONE:
            try:
                error = json.loads(error)
            except ValueError:
                pass
        data["structured_error_msg"] = error
        data["state"] = repr(self.state)
        for role in data["roles"]:
            for replica in role["replicas"]:
                replica["state"] = int(replica["state"])
        return json.dumps({"AppStatus": data}, indent=2, sort_keys=True)

    def _role_statuses(self, filter_roles: Optional[List[str]]) -> List[RoleStatus]:
        if not filter_roles:
            return self.roles
        return [r for r in self.roles if r.role in filter_roles]

    def to_json(self, filter_roles: Optional[List[str]] = None) -> Dict[str, Any]:
        """TorchX's JSON of a status: the app state by name, replica states by number."""
        return {
            "state": str(self.state),
            "num_restarts": self.num_restarts,
            "roles": [r.to_json() for r in self._role_statuses(filter_roles)],
            "msg": self.msg,
            "structured_error_msg": self.structured_error_msg,
            "url": self.ui_url,
        }

    def _format_error_message(self, msg: str, header: str, width: int = 80) -> str:
        match = _RPC_ERROR_MESSAGE_RE.search(msg)
        if match:
            msg = msg[match.start() : match.end()]
        match = _EMBEDDED_ERROR_MESSAGE_RE.search(msg)
        if match:
            msg = match.group("msg")
        length = 0
        lines = []
        for i in range(len(msg) + 1):
            if i == len(msg) or (msg[i] == " " and length >= width):
                lines.append(f"{header}{msg[i - length : i]}")
                header = " " * len(header)
                length = 0
            length += 1
        return "\n".join(lines)

    def _format_replica_status(self, replica: ReplicaStatus) -> str:
        if replica.structured_error_msg != NONE:
            try:
                error = json.loads(replica.structured_error_msg)
                message = self._format_error_message(error["message"]["message"], header="    error_msg: ")
                timestamp = int(error["message"]["extraInfo"]["timestamp"])
                exitcode = error["message"]["errorCode"] or "<N/A>"
            except (ValueError, KeyError, TypeError):
                return replica.structured_error_msg
            data = (
                f"{replica.state} (exitcode: {exitcode})\n"
                f"        timestamp: {datetime.fromtimestamp(timestamp)}\n"
                f"        hostname: {replica.hostname}\n"
                f"    {message}"
            )
        else:
            data = str(ReplicaState(replica.state))
            if replica.state in (ReplicaState.CANCELLED, ReplicaState.FAILED):
                data += " (no reply file)"
        header = "*" if replica.id == 0 else " "
        return f"\n {header}{replica.role}[{replica.id}]:{data}"

    def format(self, filter_roles: Optional[List[str]] = None) -> str:
        """The status as ``torchx status`` prints it."""
        roles = ""
        for role in self._role_statuses(filter_roles):
            for replica in sorted(role.replicas, key=lambda r: r.id):
                roles += self._format_replica_status(replica)
        return Template(_APP_STATUS_FORMAT_TEMPLATE).substitute(
            state=self.state,
            num_restarts=self.num_restarts,
            roles=roles,
            msg=self.msg,
            structured_error_msg=self.structured_error_msg,
            url=self.ui_url,
        )


class AppStatusError(Exception):
    """Raised by ``AppStatus.raise_for_status`` for an app that did not succeed."""

    def __init__(self, status: AppStatus, *args: object) -> None:
        super().__init__(*args)
        self.status = status


# ---- run options ------------------------------------------------------------------------------

#: the values a run option may take
CfgVal = Union[str, int, float, bool, List[str], Dict[str, str], None]

T = TypeVar("T")


class AppDryRunInfo(Generic[T]):
    """What a dryrun would submit: ``request`` (the scheduler's native request) and how to print
    it (``str(info)``)."""

    def __init__(self, request: T, fmt: Callable[[T], str]) -> None:
        self.request = request
        self._fmt = fmt
        # back references, set by the runner
        self._app: Optional[AppDef] = None
        self._cfg: Mapping[str, CfgVal] = {}
        self._scheduler: Optional[SchedulerBackend] = None

    def __repr__(self) -> str:
        return self._fmt(self.request)


def get_type_name(tp: Any) -> str:
    """``int``, ``str``, ...; ``typing.List[str]`` for typing generics."""
    if getattr(tp, "__module__", None) != "typing" and hasattr(tp, "__name__"):
        return tp.__name__
    return str(tp)


def _is_list_of_str(tp: Any) -> bool:
    return tp == List[str] or str(tp) in ("list[str]", "typing.List[str]")


def _is_dict_of_str(tp: Any) -> bool:
    return tp == Dict[str, str] or str(tp) in ("dict[str, str]", "typing.Dict[str, str]")


@dataclass
class runopt:
    """One run option of a scheduler."""

    default: CfgVal
    opt_type: Type[CfgVal]
    is_required: bool
    help: str


class runopts:
    """The run options a scheduler accepts: name -> type, default, whether required, help."""

    def __init__(self) -> None:
        self._opts: Dict[str, runopt] = {}

    def __iter__(self) -> Iterator[Tuple[str, runopt]]:
        return iter(self._opts.items())

    def __len__(self) -> int:
        return len(self._opts)

    @staticmethod
    def is_type(obj: CfgVal, tp: Type[CfgVal]) -> bool:
        """isinstance, and for ``List[str]``/``Dict[str, str]`` the element types."""
        try:
            return isinstance(obj, tp)
        except TypeError:
            if isinstance(obj, list):
                return all(isinstance(e, str) for e in obj)
            if isinstance(obj, dict):
                return all(isinstance(k, str) and isinstance(v, str) for k, v in obj.items())
            return False

    def get(self, name: str) -> Optional[runopt]:
        return self._opts.get(name)

    def add(self, cfg_key: str, type_: Type[CfgVal], help: str, default: CfgVal = None, required: bool = False) -> None:
        if required and default is not None:
            raise ValueError(f"Required option: {cfg_key} must not specify default value. Given: {default}")
        if default is not None and not runopts.is_type(default, type_):
            raise TypeError(f"Option: {cfg_key}, must be of type: {type_}. Given: {default} ({type(default).__name__})")
        self._opts[cfg_key] = runopt(default, type_, required, help)

    def update(self, other: "runopts") -> None:
        self._opts.update(other._opts)

    def resolve(self, cfg: Mapping[str, CfgVal]) -> Dict[str, CfgVal]:
        """A copy of ``cfg`` with defaults filled in; raises InvalidRunConfigException for a
        missing required option or a value of the wrong type. Unknown keys are kept."""
        resolved: Dict[str, CfgVal] = {**cfg}
        for key, opt in self._opts.items():
            value = resolved.get(key)
            if opt.is_required and value is None:
                raise InvalidRunConfigException(
                    f"Required run option: {key}, must be provided and not `None`", key, cfg
                )
            if value is not None and not runopts.is_type(value, opt.opt_type):
                raise InvalidRunConfigException(
                    f"Run option: {key}, must be of type: {get_type_name(opt.opt_type)},"
                    f" but was: {value} ({type(value).__name__})",
                    key,
                    cfg,
                )
            if value is None:
                resolved[key] = opt.default
        return resolved

    @staticmethod
    def _cast_to_type(value: str, opt_type: Type[CfgVal]) -> CfgVal:
        if opt_type == bool:
            return value.lower() == "true"
        if _is_list_of_str(opt_type):
            return [v for v in value.replace(";", ",").split(",") if v]
        if _is_dict_of_str(opt_type):
            out: Dict[str, str] = {}
            for item in value.replace(";", ",").split(","):
                k, _, v = item.partition(":")
                out[k] = v
            return out
        return opt_type(value)  # type: ignore[call-arg]

    def cfg_from_str(self, cfg_str: str) -> Dict[str, CfgVal]:
        """Parses ``k1=v1,k2=v2`` typed by these options; unknown keys are dropped (warning)."""
        from torchx.specs._key_values import to_dict

        cfg: Dict[str, CfgVal] = {}
        for key, value in to_dict(cfg_str).items():
            opt = self.get(key)
            if opt:
                cfg[key] = runopts._cast_to_type(value, opt.opt_type)
            else:
                logger.warning(f"Unknown run option passed to scheduler: {key}={value}")
        return cfg

    def cfg_from_json_repr(self, json_repr: str) -> Dict[str, CfgVal]:
        cfg: Dict[str, CfgVal] = {}
        for key, value in json.loads(json_repr).items():
            opt = self.get(key)
            if not opt:
                continue
            if value is None:
                cfg[key] = None
            elif _is_list_of_str(opt.opt_type):
                cfg[key] = [str(v) for v in value]
            elif _is_dict_of_str(opt.opt_type):
                cfg[key] = {str(k): str(v) for k, v in value.items()}
            else:
                cfg[key] = value
        return cfg

    def __repr__(self) -> str:
        required = [(k, o) for k, o in self._opts.items() if o.is_required]
        optional = [(k, o) for k, o in self._opts.items() if not o.is_required]
        out = "    usage:\n        "
        for i, (key, opt) in enumerate(required + optional):
            contents = f"{key}={key.upper()}"
            if not opt.is_required:
                contents = f"[{contents}]"
            out += ("," if i > 0 else "") + contents
        for section, opts in (("required", required), ("optional", optional)):
            if not opts:
                continue
            out += f"\n\n    {section} arguments:"
            for key, opt in opts:
                default = "" if opt.is_required else f", {opt.default}"
                out += f"\n        {key}={key.upper()} ({get_type_name(opt.opt_type)}{default})"
                out += f"\n            {opt.help}"
        return out


# ---- errors -----------------------------------------------------------------------------------


class InvalidRunConfigException(Exception):
    """A run config that does not satisfy the scheduler's run options."""

    def __init__(self, invalid_reason: str, cfg_key: str, cfg: Mapping[str, CfgVal]) -> None:
        given = str(cfg) if cfg else "<EMPTY>"
        super().__init__(f"{invalid_reason}. Given: {given}")
        self.cfg_key = cfg_key


class MalformedAppHandleException(Exception):
    """An app handle that is not ``<scheduler_backend>://<session_name>/<app_id>``."""

    def __init__(self, app_handle: str) -> None:
        super().__init__(f"{app_handle} is not of the form: <scheduler_backend>://<session_name>/<app_id>")


class UnknownSchedulerException(Exception):
    def __init__(self, scheduler_backend: SchedulerBackend) -> None:
        super().__init__(
            f"Scheduler backend: {scheduler_backend} does not exist."
            f" Use session.scheduler_backends() to see all supported schedulers"
        )


#: ``{scheduler_backend}://{session_name}/{app_id}``
AppHandle = str


class ParsedAppHandle(NamedTuple):
    scheduler_backend: str
    session_name: str
    app_id: str


class UnknownAppException(Exception):
    """An app the scheduler does not know (never launched, or already purged)."""

    def __init__(self, app_handle: AppHandle) -> None:
        super().__init__(
            f"Unknown app = {app_handle}. Did you forget to call session.run()?"
            f" Otherwise, the app may have already finished and purged by the scheduler"
        )


_APP_HANDLE_RE = re.compile(r"(?P<scheduler_backend>.+)://(?P<session_name>.*)/(?P<app_id>.+)")


def parse_app_handle(app_handle: AppHandle) -> ParsedAppHandle:
    """``(scheduler_backend, session_name, app_id)`` of ``app_handle``; the session may be empty
    (``local:///id``). Raises MalformedAppHandleException."""
    match = _APP_HANDLE_RE.match(app_handle)
    if not match:
        raise MalformedAppHandleException(app_handle)
    return ParsedAppHandle(match["scheduler_backend"], match["session_name"], match["app_id"])


def make_app_handle(scheduler_backend: SchedulerBackend, session_name: str, app_id: str) -> AppHandle:
    return f"{scheduler_backend}://{session_name}/{app_id}"
