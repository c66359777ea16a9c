# SPDX-License-Identifier: BSD-3-Clause
"""The builtin components' one implementation is C++ (components/, the `builtins` plugin): the
functions of ``torchx.components.*`` bind their Python arguments into the component's build
request and have the plugin build the AppDef through the native runner, so ``dist.ddp(...)`` in
Python and ``torchx run dist.ddp ...`` give the same AppDef."""

import os
import threading
from typing import Any, Dict, List, Optional

from torchx import _native
from torchx.runner import _codec

_lock = threading.Lock()
_runner: Optional[_native.NativeRunner] = None
_runner_cwd: Optional[str] = None
_signatures: Dict[str, Dict[str, Any]] = {}

from torchx import IMAGE  # noqa: F401  (the components' default image, as in TorchX)


def native_runner() -> _native.NativeRunner:
    """The native runner the components and torchx.specs' hooks use (named resources from
    plugins, the builtin tables and ``.torchxconfig`` presets, as ``get_runner()``), opened on
    first use and again when the working directory changed (its ``.torchxconfig`` may differ)."""
    global _runner, _runner_cwd
    cwd = os.getcwd()
    with _lock:
        if _runner is None or _runner_cwd != cwd:  # the old one closes when its last user drops it
            _runner, _runner_cwd = _native.NativeRunner({"config": "library"}), cwd
        return _runner


def signature(component: str) -> Dict[str, Any]:
    with _lock:
        cached = _signatures.get(component)
    if cached is None:
        cached = native_runner().call("component_signature", component=component)
        with _lock:
            _signatures[component] = cached
    return cached


def _typed(component: str, name: str, kind: str, value: Any) -> Any:
    if value is None:
        return None

    def wrong(expected: str) -> TypeError:
        return TypeError(f"{component}: argument '{name}' must be {expected}, found {value!r} ({type(value).__name__})")

    if kind == "str":
        if not isinstance(value, str):
            raise wrong("a str")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an int")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong("a float")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise wrong("a bool")
        return value
    if kind == "list":
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise wrong("a list of str")
        return [str(v) for v in value]
    if kind == "dict":
        if not isinstance(value, dict):
            raise wrong("a dict")
        return {str(k): str(v) for k, v in value.items()}
    return value


def build(component: str, values: Dict[str, Any]) -> Any:
    """The AppDef of builtin `component` for the Python argument `values` (a function's
    ``locals()``: every declared argument, the ``*args`` one as a tuple)."""
    args: Dict[str, Any] = {}
    varargs: List[str] = []
    for arg in signature(component)["args"]:
        name = arg["name"]
        value = values.get(name)
        if arg.get("varargs"):
            varargs = [str(v) for v in (value or ())]
        else:
            args[name] = _typed(component, name, arg.get("type", "str"), value)
    app = native_runner().call("build_component", component=component, request={"args": args, "varargs": varargs})
    return _codec.app_from_json(app)
