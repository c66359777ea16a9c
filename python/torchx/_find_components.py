# SPDX-License-Identifier: BSD-3-Clause
"""Finds the components of an installed Python component package, for
``torchx plugins add-python NAME``, which runs

    python3 <package dir>/torchx/_find_components.py NAME [PREFIX]

NAME is a distribution (its ``torchx.components`` entry points are read, as TorchX's
``torchx.specs.finder`` reads them), else a module (its components are found, named with PREFIX).
Writes one JSON object to stdout (what modules print while being imported goes to stderr):

    {"distribution": str|null, "version": str, "summary": str,
     "components": [{"name", "module", "function"}], "left_out": [{"name", "reason"}]}

or ``{"error": "..."}``. Run as a script, like ``_evaluate.py``: our package first on
``sys.path``, then the current directory, then the interpreter's own.

Which functions are components follows TorchX's finder: every function of the module (and,
for a package, of each submodule, recursively, named ``prefix.submodule.fn``) whose definition
in that module's source passes TorchX's linter (``file_linter.validate``: each argument
annotated with a primitive, ``Optional[...]``, or a ``List``/``Dict``/``Tuple`` of primitives;
the return annotated ``AppDef``). An entry point whose name starts with ``_`` (or is empty)
gives its components no prefix. Functions that return ``AppDef`` but that TorchX's linter or
our evaluator refuses are ``left_out`` with the reason; other functions are helpers, not listed.
"""

import json
import os
import sys


def _emit(out_fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode("utf-8", "backslashreplace")
    while data:
        n = os.write(out_fd, data)
        data = data[n:]


if sys.version_info < (3, 8):
    _emit(1, {"error": "torchx needs Python 3.8 or later to read Python component packages; '%s' is Python %s"
              % (sys.executable, sys.version.split()[0])})
    sys.exit(0)

sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # was this script's directory
if os.getcwd() not in sys.path:
    sys.path.insert(1, os.getcwd())

import ast  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import inspect  # noqa: E402
import pkgutil  # noqa: E402
import traceback  # noqa: E402
from typing import Any, Dict, Iterator, List, Optional, Tuple  # noqa: E402

_GROUP = "torchx.components"
_INDEX = getattr(ast, "Index", None)  # Python 3.8 wraps subscripts in ast.Index


def _unparse(node: ast.AST) -> str:
    unparse = getattr(ast, "unparse", None)
    return unparse(node) if unparse is not None else ast.dump(node)


def _slice(node: ast.Subscript) -> ast.AST:
    s = node.slice
    return s.value if _INDEX is not None and isinstance(s, _INDEX) else s  # type: ignore[attr-defined]


def _optional_of(node: ast.AST) -> Optional[ast.AST]:
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Optional":
        return _slice(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        if isinstance(node.right, ast.Constant) and node.right.value is None:
            return node.left
        if isinstance(node.left, ast.Constant) and node.left.value is None:
            return node.right
    return None


def _arg_error(fn: str, arg: ast.arg) -> Optional[str]:
    """TorchX's ArgTypeValidator for one argument: None when it passes."""
    where = f"for argument '{arg.arg}' in function '{fn}'"
    t = arg.annotation
    if t is None:
        return f"Missing type annotation {where}"
    t = _optional_of(t) or t
    if isinstance(t, ast.Name):
        return None
    if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
        container = t.value.id
        inner = _slice(t)
        if container in ("Dict", "dict"):
            if isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
                for kind, e in zip(("key", "value"), inner.elts):
                    if not isinstance(e, ast.Name):
                        return f"Non-primitive {kind} type '{_unparse(e)}' {where}"
                return None
        elif container in ("List", "list"):
            return None if isinstance(inner, ast.Name) else f"Non-primitive element type '{_unparse(inner)}' {where}"
        elif container in ("Tuple", "tuple"):
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            for e in elements:
                if not isinstance(e, ast.Name):
                    return f"Non-primitive element type '{_unparse(e)}' {where}"
            return None
        return f"Unsupported container type '{container}' {where}"
    return f"Unsupported argument type '{_unparse(t)}' {where}"


def _returns_appdef(node: ast.FunctionDef) -> bool:
    r = node.returns
    if isinstance(r, ast.Attribute):
        return r.attr == "AppDef"
    if isinstance(r, ast.Name):
        return r.id == "AppDef"
    return isinstance(r, ast.Constant) and r.value == "AppDef"


def _definitions(tree: ast.AST, name: str) -> List[ast.FunctionDef]:
    """The definitions of ``name`` TorchX's linter visits (not those nested in functions)."""
    found: List[ast.FunctionDef] = []

    class Visitor(ast.NodeVisitor):
        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
            if node.name == name:
                found.append(node)

    Visitor().visit(tree)
    return found


def _lint(tree: ast.AST, name: str) -> Tuple[bool, List[str]]:
    """(whether ``name`` is defined here returning AppDef, TorchX's linter errors)."""
    definitions = _definitions(tree, name)
    if not definitions or not all(_returns_appdef(d) for d in definitions):
        return False, []
    errors: List[str] = []
    for d in definitions:
        for arg in list(d.args.args) + ([d.args.vararg] if d.args.vararg else []) + list(d.args.kwonlyargs):
            error = _arg_error(name, arg)
            if error:
                errors.append(error)
    return True, errors


def _one_line(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "importlib" not in f.filename]
    where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
    return f"{where}{type(error).__name__}: {error}".replace("\n", " ")


def _modules(base: Any, left_out: List[Dict[str, str]], prefix: str) -> Iterator[Any]:
    """``base`` and, for a package, its submodules, recursively (TorchX's ModuleComponentsFinder;
    a namespace package's own members are not searched)."""
    if getattr(base, "__file__", None):
        yield base
    for info in pkgutil.iter_modules(getattr(base, "__path__", None) or [], prefix=base.__name__ + "."):
        try:
            module = importlib.import_module(info.name)
        except BaseException as e:  # noqa: B036 (a submodule that does not import is reported, not fatal)
            rel = info.name[len(base.__name__) + 1:]
            left_out.append({"name": ".".join(p for p in (prefix, rel, "*") if p),
                             "reason": f"module '{info.name}' does not import: {_one_line(e)}"})
            continue
        if info.ispkg:
            yield from _modules(module, left_out, prefix)
        else:
            yield module


def _components(module_name: str, prefix: str, out: Dict[str, Any]) -> Optional[str]:
    """Adds the components of ``module_name`` (named with ``prefix``) to ``out``; an error if the
    module does not import."""
    from torchx.specs import _component

    try:
        base = importlib.import_module(module_name)
    except BaseException as e:  # noqa: B036
        return f"module '{module_name}' does not import with {sys.executable}: {_one_line(e)}"
    taken = {c["name"] for c in out["components"]}
    for module in _modules(base, out["left_out"], prefix):
        try:
            with open(module.__file__, "rb") as f:
                tree = ast.parse(f.read(), module.__file__)
        except (OSError, SyntaxError, ValueError) as e:
            out["left_out"].append({"name": module.__name__, "reason": f"its source cannot be read: {e}"})
            continue
        rel = module.__name__[len(base.__name__) + 1:] if module is not base else ""
        for fn_name, fn in inspect.getmembers(module, inspect.isfunction):
            is_component, errors = _lint(tree, fn_name)
            if not is_component:
                continue
            name = ".".join(p for p in (prefix, rel, fn_name) if p)
            if not errors:
                try:
                    _component.ComponentSpec(fn).signature()
                except Exception as e:  # noqa: BLE001 (our evaluator's rules: the reason is reported)
                    errors = [str(e)]
            if errors:
                out["left_out"].append({"name": name, "reason": "; ".join(errors)})
            elif name in taken:
                out["left_out"].append({"name": name, "reason": "an earlier entry point gives a component this name"})
            else:
                taken.add(name)
                out["components"].append({"name": name, "module": module.__name__, "function": fn_name})
    return None


def _find(name: str, prefix: str) -> Dict[str, Any]:
    from importlib import metadata

    out: Dict[str, Any] = {"distribution": None, "version": "", "summary": "", "components": [], "left_out": []}
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is None:
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return {"error": f"no distribution or module named '{name}' is installed for {sys.executable}"
                             " (see: TORCHX_PYTHON, PYTHONPATH)"}
        error = _components(name, prefix, out)
        return {"error": error} if error else out
    if prefix:
        return {"error": f"--prefix names the components of a module; distribution '{name}' names its own prefixes"
                         " (its entry points)"}
    out["distribution"] = dist.metadata["Name"] or name
    out["version"] = dist.version or ""
    out["summary"] = dist.metadata["Summary"] or ""
    entry_points = [ep for ep in dist.entry_points if ep.group == _GROUP]
    if not entry_points:
        return {"error": f"distribution '{out['distribution']}' has no '{_GROUP}' entry points"}
    for ep in entry_points:
        module = ep.value.split("[")[0].strip()
        group = "" if ep.name.startswith("_") else ep.name
        label = f"{ep.name} = {ep.value}"
        if ":" in module:
            out["left_out"].append({"name": group or ep.name, "reason": f"entry point '{label}' names an object, not a module"})
        elif module == "torchx.components" or module.startswith("torchx.components."):
            out["left_out"].append({"name": group or ep.name,
                                    "reason": f"entry point '{label}' is TorchX's builtins, which torchx provides itself"})
        else:
            error = _components(module, group, out)
            if error:
                out["left_out"].append({"name": group or ep.name, "reason": error})
    return out


def main() -> None:
    out_fd = os.dup(1)
    os.dup2(2, 1)  # what modules print while imported goes to stderr, never into the answer
    name = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else ""
    try:
        answer = _find(name, prefix)
    except BaseException as e:  # noqa: B036 (one line for torchx, not a traceback)
        answer = {"error": _one_line(e)}
    sys.stdout.flush()
    _emit(out_fd, answer)


main()
