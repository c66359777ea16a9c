# SPDX-License-Identifier: BSD-3-Clause
"""Python component functions: their signature as the C++ runner reads it, and the call.

The command line of ``torchx run FILE.py:FN ...`` is parsed by the C++ ``build_request`` (one
argument code for every kind of component), from the signature this module derives with
TorchX's rules (``torchx/specs/file_linter.py`` and ``builders.py``):

- every parameter is annotated: ``str``, ``int``, ``float``, ``bool``, ``Optional[T]`` (or
  ``T | None``), ``List[T]``/``list[T]`` and ``Dict[K, V]``/``dict[K, V]`` of those; any other
  class (``object``, ...) takes the text as given, as TorchX's argparse ``type=str`` does;
- ``*args`` takes the remaining arguments (the signature's ``varargs``), keyword-only
  parameters follow it; ``**kwargs`` is refused;
- a parameter without a default is required; a one-letter name also gets ``-x``;
- help comes from the docstring's ``Args:`` section (Google style), the description from what
  precedes its sections;
- a single dataclass parameter (optionally followed by ``*args``) is flattened into its fields.

The call converts the build request's values to the declared types (list and dict elements
too: a bad element is an ``ArgumentError``, which front doors report as a usage error naming
the argument) and checks that the function returned an ``AppDef``.
"""

import dataclasses
import inspect
import json
import os
import sys
import types
import typing
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from torchx.specs.api import AppDef

#: the function that parses command-line arguments, set by the native module:
#: ``(component, signature_json, args, defaults) -> request_json``; raises on a usage error
_native_build_request: Optional[Callable[[str, str, List[str], Dict[str, str]], str]] = None

_NO_DOC_TIP = (
    "{fn} TIP: improve this help string by adding a docstring\n"
    "to your component (see: https://pytorch.org/torchx/latest/component_best_practices.html)"
)

_SECTION_HEADERS = {
    "args",
    "arguments",
    "parameters",
    "params",
    "keyword args",
    "keyword arguments",
    "other parameters",
    "returns",
    "return",
    "yields",
    "raises",
    "example",
    "examples",
    "note",
    "notes",
    "see also",
    "warning",
    "warnings",
    "todo",
    "attributes",
}
_ARGS_HEADERS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments", "other parameters"}


class ComponentValidationError(ValueError):
    """A component function TorchX's rules refuse (an unannotated or unsupported parameter,
    ``**kwargs``); the message names the parameter and the function."""


class ArgumentError(ValueError):
    """An argument value that does not convert to its declared type. ``argument`` names it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


# ---- docstrings -------------------------------------------------------------------------------


def parse_docstring(fn: Callable[..., Any]) -> Tuple[str, Dict[str, str]]:
    """``(description, {parameter: help})`` from a Google-style docstring."""
    doc = inspect.getdoc(fn)
    if not doc:
        return _NO_DOC_TIP.format(fn=getattr(fn, "__name__", "component")), {}
    description: List[str] = []
    params: Dict[str, str] = {}
    section: Optional[str] = None
    section_indent = 0
    current: Optional[str] = None
    entry_indent: Optional[int] = None
    for line in doc.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        header = stripped[:-1].lower() if stripped.endswith(":") else None
        if header in _SECTION_HEADERS and (section is None or indent <= section_indent):
            section, section_indent, current, entry_indent = header, indent, None, None
            continue
        if section is None:
            description.append(line)
            continue
        if section not in _ARGS_HEADERS or not stripped:
            continue
        if indent <= section_indent:  # text dedented out of the section
            section = None
            description.append(line)
            continue
        if entry_indent is None or indent <= entry_indent:
            name, colon, text = stripped.partition(":")
            name = name.split("(")[0].strip().lstrip("*")
            if colon and name.isidentifier():
                entry_indent = indent
                current = name
                params[name] = text.strip()
                continue
        if current is not None:
            params[current] = (params[current] + " " + stripped).strip()
    return "\n".join(description).strip(), params


# ---- types ------------------------------------------------------------------------------------

_PRIMITIVES = {str: "str", int: "int", float: "float", bool: "bool"}


def _unwrap_optional(tp: Any) -> Tuple[Any, bool]:
    origin = typing.get_origin(tp) if hasattr(typing, "get_origin") else getattr(tp, "__origin__", None)
    union_type = getattr(types, "UnionType", None)
    if origin is typing.Union or (union_type is not None and isinstance(tp, union_type)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp) if hasattr(typing, "get_origin") else getattr(tp, "__origin__", None)


def _type_text(tp: Any) -> str:
    if isinstance(tp, type) and getattr(tp, "__module__", "") == "builtins":
        return tp.__name__
    return str(tp).replace("typing.", "")


class _ParamType:
    """How one parameter's value is converted: ``kind`` is the signature's type."""

    def __init__(self, kind: str, element: Any = str, key: Any = str, value: Any = str, pass_text: bool = False):
        self.kind = kind
        self.element = element
        self.key = key
        self.value = value
        self.pass_text = pass_text


def _param_type(tp: Any, param: str, fn_name: str) -> _ParamType:
    inner, _ = _unwrap_optional(tp)
    where = f"argument '{param}: {_type_text(tp)}' in function '{fn_name}'"
    if inner in _PRIMITIVES:
        return _ParamType(_PRIMITIVES[inner])
    origin = _origin(inner)
    args = typing.get_args(inner) if hasattr(typing, "get_args") else getattr(inner, "__args__", ())
    if origin in (list, List):
        element = args[0] if args else str
        if not isinstance(element, type) or _origin(element) is not None:
            raise ComponentValidationError(f"Non-primitive element type '{_type_text(element)}' for {where}")
        return _ParamType("list", element=element)
    if origin in (dict, Dict):
        key, value = (args[0], args[1]) if len(args) == 2 else (str, str)
        for what, t in (("key", key), ("value", value)):
            if not isinstance(t, type) or _origin(t) is not None:
                raise ComponentValidationError(f"Non-primitive {what} type '{_type_text(t)}' for {where}")
        return _ParamType("dict", key=key, value=value)
    if _unwrap_optional(inner)[1]:
        raise ComponentValidationError(f"Unsupported container type 'Optional' for {where}")
    if origin is not None:
        raise ComponentValidationError(f"Unsupported argument type '{_type_text(inner)}' for {where}")
    if isinstance(inner, type):
        return _ParamType("str", pass_text=True)
    raise ComponentValidationError(f"Unsupported argument type '{_type_text(inner)}' for {where}")


def _convert_scalar(tp: Any, text: str) -> Any:
    if tp is bool:
        return text.lower() == "true"
    if tp in (int, float, str):
        return tp(text)
    return text


# ---- signatures -------------------------------------------------------------------------------


class _Param:
    def __init__(self, name: str, kind: Any, ptype: _ParamType, default: Any, help: str):
        self.name = name
        self.kind = kind
        self.ptype = ptype
        self.default = default  # inspect.Parameter.empty: none
        self.help = help


class ComponentSpec:
    """A component function with its parameters read by TorchX's rules."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise ComponentValidationError(f"'{fn!r}' is not a function")
        self.fn = fn
        self.name = getattr(fn, "__name__", "component")
        self.doc, helps = parse_docstring(fn)
        try:
            hints = typing.get_type_hints(fn)
        except Exception:  # an annotation naming something not importable: use them as written
            hints = {}
        parameters = inspect.signature(fn).parameters
        self.dataclass_type: Optional[type] = None
        plist = list(parameters.values())
        if (
            plist
            and dataclasses.is_dataclass(hints.get(plist[0].name, plist[0].annotation))
            and isinstance(hints.get(plist[0].name, plist[0].annotation), type)
            and (len(plist) == 1 or (len(plist) == 2 and plist[1].kind == inspect.Parameter.VAR_POSITIONAL))
        ):
            dc = hints.get(plist[0].name, plist[0].annotation)
            self.dataclass_type = dc
            dc_hints = typing.get_type_hints(dc)
            flat = [
                inspect.Parameter(
                    f.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=dc_hints.get(f.name, f.type),
                    default=f.default if f.default is not dataclasses.MISSING else inspect.Parameter.empty,
                )
                for f in dataclasses.fields(dc)
            ]
            hints = {**hints, **{p.name: p.annotation for p in flat}}
            plist = flat + plist[1:]
        self.params: List[_Param] = []
        for p in plist:
            if p.kind == inspect.Parameter.VAR_KEYWORD:
                raise ComponentValidationError(
                    f"**{p.name}: **kwargs are not supported for component definitions (function '{self.name}')"
                )
            annotation = hints.get(p.name, p.annotation)
            if annotation is inspect.Parameter.empty:
                raise ComponentValidationError(
                    f"Missing type annotation for argument '{p.name}' in function '{self.name}'"
                )
            if isinstance(annotation, str):
                annotation = _annotation_from_text(annotation, fn)
            ptype = _param_type(annotation, p.name, self.name)
            if p.kind == inspect.Parameter.VAR_POSITIONAL and ptype.kind in ("list", "dict"):
                raise ComponentValidationError(
                    f"Unsupported argument type '{_type_text(annotation)}' for *{p.name} in function '{self.name}'"
                )
            self.params.append(_Param(p.name, p.kind, ptype, p.default, helps.get(p.name, "")))

    def signature(self) -> Dict[str, Any]:
        """The signature payload (plugin-api/docs/payloads.md, "Component signature")."""
        args = []
        for p in self.params:
            varargs = p.kind == inspect.Parameter.VAR_POSITIONAL
            has_default = p.default is not inspect.Parameter.empty
            arg: Dict[str, Any] = {
                "name": p.name,
                "type": p.ptype.kind,
                "required": not varargs and not has_default,
                "help": p.help,
                "short": p.name if len(p.name) == 1 and not varargs else "",
                "varargs": varargs,
            }
            if has_default and not varargs:
                default = _default_json(p)
                if default is not None:
                    arg["default"] = default
            args.append(arg)
        return {"doc": self.doc, "args": args}

    def _convert(self, p: _Param, value: Any) -> Any:
        if value is None:
            return None if p.default is inspect.Parameter.empty else p.default
        kind = p.ptype.kind
        try:
            if kind == "list":
                items = value if isinstance(value, list) else [value]
                return [_convert_scalar(p.ptype.element, str(v)) for v in items]
            if kind == "dict":
                items = value if isinstance(value, dict) else {}
                return {
                    _convert_scalar(p.ptype.key, str(k)): _convert_scalar(p.ptype.value, str(v))
                    for k, v in items.items()
                }
            if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
                return value
            if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            if kind == "bool" and isinstance(value, bool):
                return value
            if kind == "str" and isinstance(value, str):
                return value
            return _convert_scalar({"int": int, "float": float, "bool": bool}.get(kind, str), str(value))
        except (TypeError, ValueError):
            raise ArgumentError(
                p.name, f"argument --{p.name}: invalid value {json.dumps(value)} for type '{_type_text_of(p)}'"
            ) from None

    def call(self, request: Mapping[str, Any]) -> AppDef:
        """Calls the function with a build request ``{"args": {...}, "varargs": [...]}``.
        Raises ArgumentError for a value of the wrong type, TypeError if the function did not
        return an AppDef, and whatever the function raises."""
        values = request.get("args") or {}
        varargs = [str(v) for v in (request.get("varargs") or [])]
        positional: List[Any] = []
        var: List[Any] = []
        kwargs: Dict[str, Any] = {}
        for p in self.params:
            if p.kind == inspect.Parameter.VAR_POSITIONAL:
                if varargs and varargs[0] == "--":
                    varargs = varargs[1:]
                var = [self._convert(p, v) for v in varargs]
            elif p.kind == inspect.Parameter.KEYWORD_ONLY:
                kwargs[p.name] = self._convert(p, values.get(p.name))
            else:
                positional.append(self._convert(p, values.get(p.name)))
        if self.dataclass_type is not None:
            positional = [self.dataclass_type(**kwargs)]
            kwargs = {}
        app = self.fn(*positional, *var, **kwargs)
        if not isinstance(app, AppDef):
            raise TypeError(f"Expected a component that returns `AppDef`, but got `{type(app)}`")
        return app


def _type_text_of(p: _Param) -> str:
    k = p.ptype
    if k.kind == "list":
        return f"List[{k.element.__name__}]"
    if k.kind == "dict":
        return f"Dict[{k.key.__name__}, {k.value.__name__}]"
    return k.kind


def _annotation_from_text(text: str, fn: Callable[..., Any]) -> Any:
    """An annotation left as text (``from __future__ import annotations`` with a name
    get_type_hints could not resolve): the builtin types by name, else text."""
    base = text.replace("typing.", "").strip()
    optional = False
    if base.startswith("Optional[") and base.endswith("]"):
        base, optional = base[len("Optional[") : -1], True
    elif base.endswith("| None"):
        base, optional = base[: -len("| None")].strip(), True
    builtins_by_name = {"str": str, "int": int, "float": float, "bool": bool}
    if base in builtins_by_name:
        tp: Any = builtins_by_name[base]
    else:
        try:
            tp = eval(text, getattr(fn, "__globals__", {}), {"typing": typing})  # noqa: S307
        except Exception:
            tp = object
    return Optional[tp] if optional and tp in builtins_by_name.values() else tp


def _default_json(p: _Param) -> Any:
    d = p.default
    if d is None:
        return None
    kind = p.ptype.kind
    if kind == "bool":
        return bool(d) if isinstance(d, bool) else str(d).lower() == "true"
    if kind == "int" and isinstance(d, int) and not isinstance(d, bool):
        return d
    if kind == "float" and isinstance(d, (int, float)) and not isinstance(d, bool):
        return float(d)
    if kind == "list" and isinstance(d, (list, tuple)):
        return [str(v) for v in d]
    if kind == "dict" and isinstance(d, Mapping):
        return {str(k): str(v) for k, v in d.items()}
    return str(d)


# ---- loading component files ------------------------------------------------------------------


class ComponentFileError(Exception):
    """A component file that cannot be loaded (missing, not Python, no such function): one line;
    for a syntax error it starts with ``file:line:column:``. ``not_found`` is True for a missing
    file or function."""

    def __init__(self, message: str, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


def load_file(path: str, fn_name: str) -> Callable[..., Any]:
    """Executes the Python file ``path`` as a module and returns its function ``fn_name``.

    The file sees ``__file__`` (absolute) and ``__name__`` (a private module name), runs with
    the current directory and its own directory importable, and its ``print()`` output goes
    wherever ``sys.stdout`` points. Raises ComponentFileError, and whatever the file's top level
    raises (a SyntaxError is a ComponentFileError)."""
    if not os.path.exists(path):
        raise ComponentFileError(f"component file '{path}' does not exist", not_found=True)
    if os.path.isdir(path):
        raise ComponentFileError(f"component file '{path}' is a directory")
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        raise ComponentFileError(f"cannot read component file '{path}': {e.strerror}") from None
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        where = f"{e.filename or path}:{e.lineno or 0}"
        if e.offset:
            where += f":{e.offset}"
        raise ComponentFileError(f"{where}: {type(e).__name__}: {e.msg}") from None
    except ValueError as e:  # e.g. null bytes
        raise ComponentFileError(f"{path}: not Python source: {e}") from None
    stem = "".join(c if c.isalnum() else "_" for c in os.path.splitext(os.path.basename(path))[0])
    module = types.ModuleType(f"__torchx_component_{stem}")
    module.__file__ = os.path.abspath(path)
    sys.modules[module.__name__] = module
    exec(code, module.__dict__)  # noqa: S102
    fn = module.__dict__.get(fn_name)
    if fn is None or not callable(fn):
        functions = [
            n for n, v in module.__dict__.items() if inspect.isfunction(v) and v.__module__ == module.__name__
        ]
        hint = ""
        import difflib

        close = difflib.get_close_matches(fn_name, functions, n=1)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
        elif functions:
            hint = f" (it has: {', '.join(functions)})"
        what = "no function" if fn is None else "not a function:"
        raise ComponentFileError(f"{path}: {what} '{fn_name}'{hint}", not_found=fn is None)
    return fn


def load_module(module_name: str, fn_name: str) -> Callable[..., Any]:
    """Imports the module ``module_name`` (from ``sys.path``) and returns its function
    ``fn_name``: a component of a Python component package (a manifest's
    ``python_components``). Raises ComponentFileError (``not_found``) when the module itself,
    or the function, is not there, and whatever the module's top level raises (including an
    ImportError of something the module imports)."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        missing = e.name or ""
        if missing == module_name or module_name.startswith(missing + "."):
            raise ComponentFileError(
                f"module '{module_name}' is not importable by {sys.executable}: {e}"
                " (is its package installed for this interpreter? see: TORCHX_PYTHON)",
                not_found=True,
            ) from None
        raise
    fn = getattr(module, fn_name, None)
    if fn is None or not callable(fn):
        functions = [n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_")]
        import difflib

        close = difflib.get_close_matches(fn_name, functions, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        what = "has no function" if fn is None else "has no function named"
        raise ComponentFileError(
            f"module '{module_name}' {what} '{fn_name}'{hint}; its package changed since the manifest was written"
            " (write it again: torchx plugins add-python)",
            not_found=True,
        )
    return fn


def materialize(
    fn: Callable[..., Any],
    args: List[str],
    defaults: Optional[Mapping[str, Any]] = None,
    config: Optional[Mapping[str, Any]] = None,
    component: Optional[str] = None,
) -> AppDef:
    """TorchX's ``materialize_appdef`` over the C++ argument parser (``_native_build_request``)."""
    spec = ComponentSpec(fn)
    if _native_build_request is None:
        raise RuntimeError(
            "parsing component arguments needs torchx's native module (torchx._native), which is not loaded"
        )
    request_json = _native_build_request(
        component or spec.name,
        json.dumps(spec.signature()),
        list(args),
        {k: str(v) for k, v in (defaults or {}).items()},
    )
    request = json.loads(request_json)
    if config:
        for key, value in config.items():
            if any(p.name == key for p in spec.params):
                request.setdefault("args", {})[key] = value
    return spec.call(request)
