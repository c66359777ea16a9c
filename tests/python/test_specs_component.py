# SPDX-License-Identifier: BSD-3-Clause
"""torchx.specs._component: a Python component's signature by TorchX's rules, and the call."""

import dataclasses
import os
import textwrap
from typing import Dict, List, Optional

import pytest

import torchx.specs as specs
from torchx.specs import _component
from torchx.specs._component import ArgumentError, ComponentSpec, ComponentValidationError


def ddp(name: str, nnodes: int, image: str, entrypoint: str, *args: str) -> specs.AppDef:
    """Distributed data parallel.

    More text here.

    Args:
        name: the app's name
        nnodes: number of nodes,
            continued on the next line
        image: the image
        entrypoint: what to run
        args: its arguments
    """
    return specs.AppDef(name, [specs.Role("trainer", image, entrypoint=entrypoint, args=list(args),
                                          num_replicas=nnodes, resource=specs.Resource(cpu=4, gpu=1, memMB=1024))])


def everything(
    *script_args: str,
    lr: float = 0.1,
    tags: Optional[List[str]] = None,
    env: Optional[Dict[str, str]] = None,
    ints: List[int] = [1, 2],
    weights: Dict[str, float] = {"a": 1.0},
    debug: bool = False,
    h: Optional[str] = None,
    j: str = "1x2",
    o: object = "obj",
) -> specs.AppDef:
    return specs.AppDef("e", [specs.Role("r", "i", args=list(script_args),
                                         metadata={"lr": lr, "tags": tags, "env": env, "ints": ints,
                                                   "weights": weights, "debug": debug, "h": h, "j": j, "o": o})])


def test_signature_of_the_concepts_page_component() -> None:
    sig = ComponentSpec(ddp).signature()
    assert sig["doc"] == "Distributed data parallel.\n\nMore text here."
    assert sig["args"] == [
        {"name": "name", "type": "str", "required": True, "help": "the app's name", "short": "", "varargs": False},
        {"name": "nnodes", "type": "int", "required": True, "help": "number of nodes, continued on the next line",
         "short": "", "varargs": False},
        {"name": "image", "type": "str", "required": True, "help": "the image", "short": "", "varargs": False},
        {"name": "entrypoint", "type": "str", "required": True, "help": "what to run", "short": "",
         "varargs": False},
        {"name": "args", "type": "str", "required": False, "help": "its arguments", "short": "", "varargs": True},
    ]


def test_signature_types_defaults_and_short_names() -> None:
    args = {a["name"]: a for a in ComponentSpec(everything).signature()["args"]}
    assert args["script_args"]["varargs"] is True
    assert args["lr"]["type"] == "float" and args["lr"]["default"] == 0.1 and not args["lr"]["required"]
    assert args["tags"]["type"] == "list" and "default" not in args["tags"] and not args["tags"]["required"]
    assert args["env"]["type"] == "dict"
    assert args["ints"] == {"name": "ints", "type": "list", "required": False, "help": "", "short": "",
                            "varargs": False, "default": ["1", "2"]}
    assert args["weights"]["default"] == {"a": "1.0"}
    assert args["debug"]["type"] == "bool" and args["debug"]["default"] is False
    assert args["h"]["short"] == "h" and args["j"]["short"] == "j"
    assert args["o"]["type"] == "str" and args["o"]["default"] == "obj"


def test_call_converts_to_declared_types() -> None:
    spec = ComponentSpec(everything)
    app = spec.call({"args": {"lr": 0.5, "tags": ["a", "b"], "env": {"K": "V"}, "ints": ["3", "4"],
                              "weights": {"x": "2.5"}, "debug": True, "h": None, "j": "2x4", "o": "text"},
                     "varargs": ["--", "--lr", "1"]})
    role = app.roles[0]
    assert role.args == ["--lr", "1"]
    assert role.metadata == {"lr": 0.5, "tags": ["a", "b"], "env": {"K": "V"}, "ints": [3, 4],
                             "weights": {"x": 2.5}, "debug": True, "h": None, "j": "2x4", "o": "text"}
    # a null value is the declared default
    assert spec.call({"args": {}, "varargs": []}).roles[0].metadata["ints"] == [1, 2]


def test_call_positional_then_varargs() -> None:
    app = ComponentSpec(ddp).call({"args": {"name": "demo", "nnodes": 2, "image": "/tmp", "entrypoint": "echo"},
                                   "varargs": ["hello", "world"]})
    assert app.name == "demo" and app.roles[0].args == ["hello", "world"] and app.roles[0].num_replicas == 2


def test_bad_list_element_is_an_argument_error() -> None:
    with pytest.raises(ArgumentError) as e:
        ComponentSpec(everything).call({"args": {"ints": ["1", "x"]}, "varargs": []})
    assert e.value.argument == "ints"
    assert str(e.value) == "argument --ints: invalid value [\"1\", \"x\"] for type 'List[int]'"


def test_refused_signatures() -> None:
    def no_annotation(a) -> specs.AppDef:  # type: ignore[no-untyped-def]
        raise AssertionError

    def kwargs(**kw: str) -> specs.AppDef:
        raise AssertionError

    def nested(a: List[List[str]]) -> specs.AppDef:
        raise AssertionError

    with pytest.raises(ComponentValidationError, match="Missing type annotation for argument 'a' in function"):
        ComponentSpec(no_annotation)
    with pytest.raises(ComponentValidationError, match="kwargs are not supported"):
        ComponentSpec(kwargs)
    with pytest.raises(ComponentValidationError, match="Non-primitive element type"):
        ComponentSpec(nested)


def test_not_an_appdef_is_a_type_error() -> None:
    def bad(a: str) -> specs.AppDef:
        return "nope"  # type: ignore[return-value]

    with pytest.raises(TypeError, match="Expected a component that returns `AppDef`, but got `<class 'str'>`"):
        ComponentSpec(bad).call({"args": {"a": "x"}})


def test_no_docstring_gets_torchx_tip() -> None:
    def bare(a: str) -> specs.AppDef:
        raise AssertionError

    assert ComponentSpec(bare).signature()["doc"].startswith("bare TIP: improve this help string")


def test_dataclass_argument_is_flattened() -> None:
    @dataclasses.dataclass
    class Args:
        name: str
        n: int = 1

    def comp(args: Args, *rest: str) -> specs.AppDef:
        return specs.AppDef(args.name, [specs.Role("r", "i", args=list(rest), num_replicas=args.n)])

    spec = ComponentSpec(comp)
    assert [a["name"] for a in spec.signature()["args"]] == ["name", "n", "rest"]
    app = spec.call({"args": {"name": "x", "n": 3}, "varargs": ["a"]})
    assert app.name == "x" and app.roles[0].num_replicas == 3 and app.roles[0].args == ["a"]


def test_future_annotations_file(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(str(tmp_path), "comp.py")
    with open(path, "w") as f:
        f.write(textwrap.dedent("""\
            from __future__ import annotations
            from typing import Optional
            import torchx.specs as specs

            def f(n: int, tag: Optional[str] = None, flags: list[str] = []) -> specs.AppDef:
                return specs.AppDef(str(__file__), [specs.Role("r", "i", num_replicas=n)])
            """))
    fn = _component.load_file(path, "f")
    args = ComponentSpec(fn).signature()["args"]
    assert [(a["name"], a["type"]) for a in args] == [("n", "int"), ("tag", "str"), ("flags", "list")]
    app = ComponentSpec(fn).call({"args": {"n": 2}})
    assert app.name == os.path.abspath(path) and app.roles[0].num_replicas == 2


def test_load_file_errors(tmp_path: "os.PathLike[str]") -> None:
    d = str(tmp_path)
    with pytest.raises(_component.ComponentFileError, match="component file '.*/missing.py' does not exist"):
        _component.load_file(os.path.join(d, "missing.py"), "f")
    bad = os.path.join(d, "bad.py")
    with open(bad, "w") as f:
        f.write("def f(:\n")
    with pytest.raises(_component.ComponentFileError, match=r"bad\.py:1:\d+: SyntaxError: "):
        _component.load_file(bad, "f")
    good = os.path.join(d, "good.py")
    with open(good, "w") as f:
        f.write("def ddp(): pass\nX = 1\n")
    with pytest.raises(_component.ComponentFileError, match=r"good\.py: no function 'dpp' \(did you mean 'ddp'\?\)"):
        _component.load_file(good, "dpp")
    with pytest.raises(_component.ComponentFileError, match=r"good\.py: not a function: 'X'"):
        _component.load_file(good, "X")


def test_materialize_needs_the_native_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="native module"):
        specs.materialize_appdef(ddp, ["--name", "x"])

    def fake(component: str, signature_json: str, args: List[str], defaults: Dict[str, str]) -> str:
        assert component == "ddp" and defaults == {"image": "/img"}
        return '{"args": {"name": "x", "nnodes": 1, "image": "/img", "entrypoint": "e"}, "varargs": ["a"]}'

    monkeypatch.setattr(_component, "_native_build_request", fake)
    app = specs.materialize_appdef(ddp, ["--name", "x"], {"image": "/img"}, {"nnodes": 4})
    assert app.roles[0].num_replicas == 4 and app.roles[0].image == "/img"
