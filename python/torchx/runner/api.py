# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.runner`` over the C++ runner: the same loader, plugins, ``.torchxconfig``
rules and trackers as the ``torchx`` CLI (docs/python.md).

    from torchx.runner import get_runner

    with get_runner() as runner:
        app_handle = runner.run_component("utils.echo", ["--msg", "hi"], scheduler="local_cwd")
        print(runner.wait(app_handle, wait_interval=1))
        for line in runner.log_lines(app_handle, "echo", k=0):
            print(line, end="")
"""

import logging
import os
import time
import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional, Type, Union

from torchx import _errors, _native, specs
from torchx.runner import _codec

logger: logging.Logger = logging.getLogger(__name__)

AppHandle = str

_STREAMS = ("stdout", "stderr", "combined")


def _dryrun_info(result: Dict[str, Any]) -> Any:
    text = result.get("request_text", "")
    info: specs.AppDryRunInfo = specs.AppDryRunInfo(result.get("request"), lambda _request: text)
    info._app = _codec.app_from_json(result["app"])
    info._cfg = result.get("cfg") or {}
    info._scheduler = result["scheduler"]
    info._torchx_dryrun = result  # what schedule() sends back (with .request as the user left it)
    return info


def _is_python_component(component: str) -> bool:
    path, sep, _fn = component.rpartition(":")
    return bool(sep) and path.endswith(".py")


def _args_from_dict(args: Mapping[str, Any]) -> List[str]:
    """TorchX's dict form of ``component_args`` as a command line (``--name value``)."""
    out: List[str] = []
    for name, value in args.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "True" if value else "False"
        elif isinstance(value, (list, tuple)):
            text = ",".join(str(v) for v in value)
        elif isinstance(value, Mapping):
            text = ",".join(f"{k}={v}" for k, v in value.items())
        else:
            text = str(value)
        out += [f"--{name}", text]
    return out


class Runner:
    """TorchX's ``Runner``: launches and manages apps through the scheduler plugins. Make one
    with :py:func:`get_runner`. Calls are serialized (one native runner underneath); use it as a
    context manager or call :py:meth:`close`."""

    def __init__(
        self,
        name: str = "torchx",
        component_defaults: Optional[Dict[str, Dict[str, str]]] = None,
        plugin_path: Optional[List[str]] = None,
        config: str = "library",
    ) -> None:
        self._name = name
        self._component_defaults: Dict[str, Dict[str, str]] = {
            c: {k: str(v) for k, v in d.items()} for c, d in (component_defaults or {}).items()
        }
        options: Dict[str, Any] = {"name": name, "config": config, "component_defaults": self._component_defaults}
        if plugin_path:
            options["plugin_path"] = [str(p) for p in plugin_path]
        self._native = _native.NativeRunner(options)
        self._apps: Dict[AppHandle, Any] = {}

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, type: Optional[Type[BaseException]], value: Any, traceback: Any) -> bool:
        self.close()
        return False

    def close(self) -> None:
        """Releases the scheduler instances. Idempotent; any later call raises RuntimeError."""
        self._native.close()

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Runner(name={self._name}, closed={self._native.closed})"

    # -- launching --------------------------------------------------------------------------
    def run_component(
        self,
        component: str,
        component_args: Union[List[str], Dict[str, Any]],
        scheduler: str,
        cfg: Optional[Mapping[str, Any]] = None,
        workspace: Optional[str] = None,
        parent_run_id: Optional[str] = None,
    ) -> AppHandle:
        """Builds `component` (a builtin or plugin component such as ``dist.ddp``, a YAML file
        ``f.yaml:name``, or a Python file ``f.py:fn``) from `component_args` (a command line, as
        ``torchx run`` takes it, or a dict of argument values) and runs it on `scheduler`.
        Raises ComponentNotFoundException, ComponentArgsError, InvalidRunConfigException."""
        info = self.dryrun_component(component, component_args, scheduler, cfg, workspace, parent_run_id)
        return self.schedule(info)

    def dryrun_component(
        self,
        component: str,
        component_args: Union[List[str], Dict[str, Any]],
        scheduler: str,
        cfg: Optional[Mapping[str, Any]] = None,
        workspace: Optional[str] = None,
        parent_run_id: Optional[str] = None,
    ) -> Any:
        """:py:meth:`run_component` without submitting: what would run."""
        args = _args_from_dict(component_args) if isinstance(component_args, Mapping) else [str(a) for a in component_args]
        if _is_python_component(component):
            app = self._evaluate_python_component(component, args)
            return self.dryrun(app, scheduler, cfg, workspace, parent_run_id)
        result = self._native.call(
            "dryrun_component",
            component=component,
            args=args,
            scheduler=scheduler,
            cfg=_codec.cfg_to_json(cfg),
            workspace=_workspace(workspace),
            parent_run_id=parent_run_id,
        )
        return _dryrun_info(result)

    def _evaluate_python_component(self, component: str, args: List[str]) -> Any:
        """A ``file.py:fn`` component evaluated in this process, by the evaluator ``torchx run``
        uses (``torchx.specs._component``), its arguments parsed by the CLI's own code."""
        from torchx.specs import _component

        path, _, fn_name = component.rpartition(":")
        try:
            fn = _component.load_file(path, fn_name)
        except _component.ComponentFileError as e:
            missing = not os.path.exists(path) or "no function" in str(e)
            cls = _errors.ComponentNotFoundException if missing else _errors.ComponentValidationException
            raise _errors.make(cls, str(e)) from None
        try:
            return _component.materialize(fn, args, self._component_defaults.get(component), component=component)
        except _component.ComponentValidationError as e:
            raise _errors.make(_errors.ComponentValidationException, f"{component}: {e}") from None

    def run(
        self,
        app: Any,
        scheduler: str,
        cfg: Optional[Mapping[str, Any]] = None,
        workspace: Optional[str] = None,
        parent_run_id: Optional[str] = None,
    ) -> AppHandle:
        """Runs `app` (an AppDef) on `scheduler`: ``dryrun`` then ``schedule``."""
        return self.schedule(self.dryrun(app, scheduler, cfg, workspace, parent_run_id))

    def dryrun(
        self,
        app: Any,
        scheduler: str,
        cfg: Optional[Mapping[str, Any]] = None,
        workspace: Optional[str] = None,
        parent_run_id: Optional[str] = None,
    ) -> Any:
        """Validates `app`, injects TorchX's env (TORCHX_JOB_ID, trackers, parent run) and asks
        the scheduler for its request; submits nothing. Unlike TorchX, `app` is not modified.
        An explicit `parent_run_id` wins over ``$TORCHX_PARENT_RUN_ID`` (docs/design-notes.md)."""
        result = self._native.call(
            "dryrun",
            app=_codec.app_to_json(app),
            scheduler=scheduler,
            cfg=_codec.cfg_to_json(cfg),
            workspace=_workspace(workspace),
            parent_run_id=parent_run_id,
        )
        return _dryrun_info(result)

    def schedule(self, dryrun_info: Any) -> AppHandle:
        """Submits what :py:meth:`dryrun` returned (with ``dryrun_info.request`` as the caller
        left it); returns the app handle."""
        base = getattr(dryrun_info, "_torchx_dryrun", None)
        if base is None:
            raise TypeError("schedule() takes what this Runner's dryrun() or dryrun_component() returned")
        request = dict(base)
        request["request"] = dryrun_info.request
        request["app"] = _codec.app_to_json(dryrun_info._app)
        request["cfg"] = _codec.cfg_to_json(dryrun_info._cfg)
        handle = self._native.call("schedule", dryrun=request)
        self._apps[handle] = dryrun_info._app
        return handle

    # -- watching ---------------------------------------------------------------------------
    def status(self, app_handle: AppHandle) -> Any:
        """The app's AppStatus, or None if its scheduler does not know it."""
        status = _codec.status_from_json(self._native.call("status", app_handle=app_handle))
        if status is None:
            self._apps.pop(app_handle, None)
        return status

    def wait(self, app_handle: AppHandle, wait_interval: float = 10) -> Any:
        """Polls :py:meth:`status` every `wait_interval` seconds until the app is terminal;
        returns that status (None if the app is unknown). Ctrl-C interrupts it (between polls)."""
        while True:
            status = self.status(app_handle)
            if status is None or _codec.status_is_terminal(status):
                return status
            time.sleep(wait_interval)

    def cancel(self, app_handle: AppHandle) -> None:
        """Asks the scheduler to cancel the app and returns at once; nothing happens for an app
        that is unknown or already finished (TorchX's semantics)."""
        try:
            self._native.call("cancel", app_handle=app_handle)
        except _errors.UnknownAppException:
            pass

    def stop(self, app_handle: AppHandle) -> None:
        """Deprecated alias of :py:meth:`cancel` (as in TorchX)."""
        warnings.warn(
            "This method will be deprecated in the future, please use `cancel` instead.", PendingDeprecationWarning
        )
        self.cancel(app_handle)

    def describe(self, app_handle: AppHandle) -> Any:
        """The AppDef this runner launched under `app_handle`, else as the scheduler describes it
        (``AppDef(name=app_id, roles, metadata)``), or None if unknown."""
        if app_handle in self._apps:
            # Asked anyway: a malformed handle or an unknown scheduler raise as for any handle.
            self._native.call("describe", app_handle=app_handle)
            return self._apps[app_handle]
        return _codec.app_from_json(self._native.call("describe", app_handle=app_handle))

    def log_lines(
        self,
        app_handle: AppHandle,
        role_name: str,
        k: int = 0,
        regex: Optional[str] = None,
        since: Any = None,
        until: Any = None,
        should_tail: bool = False,
        streams: Any = None,
    ) -> Iterable[str]:
        """The log lines of replica `k` of `role_name`, each ending in a line break (print them
        with ``end=""``). `regex` (RE2 syntax: Python's without backreferences or lookaround)
        keeps the lines it matches; `since`/`until` are datetimes or epoch seconds; `streams` is
        ``"stdout"``, ``"stderr"``, ``"combined"`` (or TorchX's ``Stream``), None for the
        scheduler's default. With `should_tail`, follows until the app ends (Ctrl-C stops it).
        A scheduler that cannot select by time (local_cwd, slurm) ignores `since`/`until` with a
        warning, as TorchX's do. Raises UnknownAppException for an unknown app."""
        request = {
            "app_handle": app_handle,
            "role_name": role_name,
            "k": int(k),
            "regex": regex,
            "since": _epoch(since, "since"),
            "until": _epoch(until, "until"),
            "should_tail": bool(should_tail),
            "streams": _stream_name(streams),
        }
        try:
            stream = self._native.log_lines(request)
        except _errors.PluginCallError as e:
            if e.status != "unsupported" or (request["since"] is None and request["until"] is None):
                raise
            warnings.warn(f"{e}: since/until are ignored and all log lines are returned (as TorchX does)", stacklevel=2)
            stream = self._native.log_lines(dict(request, since=None, until=None))
        return _native.tail_in_thread(stream) if should_tail else iter(stream)

    def list(self, scheduler: str, states: Optional[Iterable[Any]] = None, since: Optional[Any] = None,
             older_than: Optional[Any] = None) -> List[Any]:
        """The scheduler's apps (``ListAppResponse``s with their handles), every one of them,
        newest first where the scheduler orders them. The filters are those of ``torchx list``:
        ``states`` (``AppState``s or their names), ``since`` / ``older_than`` (an age such as
        ``"30d"`` or ``"12h"``, or a number of seconds) measured from when the app started; an
        app whose scheduler gives no start time is left out by an age filter. A bad value raises
        ValueError."""
        names = None if states is None else [getattr(s, "name", s) for s in states]
        return _codec.list_from_json(self._native.call("list", scheduler=scheduler, states=names, since=since,
                                                       older_than=older_than))

    def delete(self, app_handle: AppHandle) -> None:
        """Removes a finished app and what its scheduler keeps of it. Raises UnknownAppException."""
        self._native.call("delete", app_handle=app_handle)
        self._apps.pop(app_handle, None)

    # -- schedulers -------------------------------------------------------------------------
    def scheduler_backends(self) -> List[str]:
        """The scheduler names the plugins provide (reads manifests only)."""
        return list(self._native.call("scheduler_backends"))

    def scheduler_run_opts(self, scheduler: str) -> Any:
        """The run options of `scheduler` (``runopts``)."""
        return _codec.runopts_from_json(self._native.call("run_opts", scheduler=scheduler))

    def run_opts(self) -> Dict[str, Any]:
        """The run options of every scheduler (loads every scheduler plugin)."""
        return {s: self.scheduler_run_opts(s) for s in self.scheduler_backends()}

    def cfg_from_str(self, scheduler: str, *cfg_literal: str) -> Dict[str, Any]:
        """Run options from ``k1=v1,k2=v2`` literals, typed by the scheduler's run options."""
        cfg: Dict[str, Any] = {}
        for literal in cfg_literal:
            cfg.update(self._native.call("cfg_from_str", scheduler=scheduler, text=literal))
        return cfg


def _workspace(workspace: Any) -> Optional[str]:
    if workspace is None or workspace == "":
        return None
    if isinstance(workspace, str):
        return workspace
    projects = getattr(workspace, "projects", None)  # TorchX's Workspace: one project, mapped to "."
    if isinstance(projects, Mapping) and len(projects) == 1:
        return str(next(iter(projects)))
    raise TypeError(f"workspace must be a directory (str) or None, found {type(workspace).__name__}")


def _epoch(value: Any, what: str) -> Optional[float]:
    if value is None:
        return None
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"{what} must be a datetime or epoch seconds, found {type(value).__name__}")


def _stream_name(streams: Any) -> Optional[str]:
    if streams is None:
        return None
    name = getattr(streams, "value", streams)
    if name not in _STREAMS:
        raise ValueError(f"streams must be one of {', '.join(_STREAMS)} or None, found {streams!r}")
    return str(name)


def get_runner(
    name: Optional[str] = None,
    component_defaults: Optional[Dict[str, Dict[str, str]]] = None,
    **scheduler_params: Any,
) -> Runner:
    """TorchX's ``get_runner``: a Runner named "torchx" that reads from ``.torchxconfig`` what
    TorchX's reads (the trackers), plus our named-resource presets. `component_defaults` are
    argument defaults per component (``{"dist.ddp": {"j": "1x2"}}``). `scheduler_params` are
    accepted for compatibility and ignored (our schedulers take their settings as run options);
    ``plugin_path=[...]`` is ours: plugin dirs searched first, like ``torchx --plugin-path``."""
    if name:
        warnings.warn(
            f"Custom session names are deprecated (detected explicitly set session name={name}). "
            "To prevent this warning from showing again call `get_runner()` without the `name` param. "
            "As an alternative, you can prefix the app name with the session name.",
            FutureWarning,
        )
    plugin_path = scheduler_params.pop("plugin_path", None)
    if scheduler_params:
        logger.warning(
            "get_runner(): scheduler parameters %s are ignored (torchx's schedulers take their settings as run "
            "options: see Runner.scheduler_run_opts)",
            ", ".join(sorted(scheduler_params)),
        )
    return Runner(name or "torchx", component_defaults, plugin_path=plugin_path)
