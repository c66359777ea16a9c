# SPDX-License-Identifier: BSD-3-Clause
"""torchx.components.*: TorchX's names and signatures, and the AppDefs of the CLI's builtins
(`torchx run --dryrun --json`), since both are made by the C++ builtins plugin."""

import inspect
import json

import pytest

from conftest import run_torchx

from torchx.components import dist, metrics, serve, structured_arg, utils
from torchx.runner import _codec

INJECTED = ("TORCHX_JOB_ID", "TORCHX_INTERNAL_SESSION_ID")


def as_json(app):
    return json.loads(json.dumps(_codec.app_to_json(app)))


def cli_app(hermetic, component, args):
    r = run_torchx(["run", "--dryrun", "--json", "-s", "local_cwd", component, *args], hermetic)
    assert r.returncode == 0, r.stderr
    app = json.loads(r.stdout)["app"]
    for role in app["roles"]:
        for key in INJECTED:
            role["env"].pop(key, None)
    return app


CASES = [
    ("utils.echo", [], lambda: utils.echo()),
    ("utils.echo", ["--msg", "hi there", "--num_replicas", "2"], lambda: utils.echo(msg="hi there", num_replicas=2)),
    ("utils.touch", ["--file", "/tmp/f"], lambda: utils.touch("/tmp/f")),
    ("utils.sh", ["--env", "A=1,B=2", "--", "echo", "a b"], lambda: utils.sh("echo", "a b", env={"A": "1", "B": "2"})),
    ("utils.python", ["-m", "foo.main", "--", "--lr", "0.1"], lambda: utils.python("--lr", "0.1", m="foo.main")),
    ("utils.binary", ["--entrypoint", "/bin/true", "x"], lambda: utils.binary("x", entrypoint="/bin/true")),
    ("utils.copy", ["--src", "a", "--dst", "b"], lambda: utils.copy("a", "b")),
    ("utils.booth", ["--x1", "1", "--x2", "2.5"], lambda: utils.booth(1, 2.5)),
    ("dist.ddp", ["--script", "train.py", "-j", "2x4", "--", "--lr", "0.1"],
     lambda: dist.ddp("--lr", "0.1", script="train.py", j="2x4")),
    ("dist.ddp", ["-m", "my.mod", "-h", "gpu.small", "-j", "1:2x1", "--debug", "True", "--mounts",
                  "type=bind,src=/a,dst=/b", "--tee", "1"],
     lambda: dist.ddp(m="my.mod", h="gpu.small", j="1:2x1", debug=True, mounts=["type=bind", "src=/a", "dst=/b"], tee=1)),
    ("dist.spmd", ["--script", "train.py", "-j", "2x8"], lambda: dist.spmd(script="train.py", j="2x8")),
    ("serve.torchserve", ["--model_path", "m.mar", "--management_api", "http://x:8081", "--params", "a=1"],
     lambda: serve.torchserve("m.mar", "http://x:8081", params={"a": 1})),
    ("metrics.tensorboard", ["--logdir", "/logs"], lambda: metrics.tensorboard("/logs")),
]


@pytest.mark.parametrize("component,args,make", CASES, ids=[f"{c} {' '.join(a)}" for c, a, _ in CASES])
def test_appdef_equals_the_clis(hermetic, component, args, make):
    assert as_json(make()) == cli_app(hermetic, component, args)


def test_torchx_signatures():
    params = inspect.signature(dist.ddp).parameters
    assert list(params)[:4] == ["script_args", "script", "m", "image"]
    assert params["script_args"].kind is inspect.Parameter.VAR_POSITIONAL
    assert params["j"].default == "1x2" and params["tee"].default == 3 and params["cpu"].default == 2
    assert list(inspect.signature(utils.echo).parameters) == ["msg", "image", "num_replicas"]
    assert inspect.signature(utils.binary).parameters["entrypoint"].kind is inspect.Parameter.KEYWORD_ONLY


def test_wrong_argument_type_is_a_type_error():
    with pytest.raises(TypeError, match="argument 'num_replicas' must be an int"):
        utils.echo(num_replicas="two")
    with pytest.raises(TypeError):
        utils.binary("x")  # entrypoint is required (Python's own error)


def test_component_errors_are_value_errors():
    with pytest.raises(ValueError, match="exactly one"):
        dist.ddp(script="a.py", m="b")
    with pytest.raises(KeyError, match="gpu.smal"):
        dist.ddp(script="a.py", h="gpu.smal")


def test_dist_helpers():
    assert dist.parse_nnodes("1:2x4") == (1, 2, 4, "1:2")
    assert dist.parse_nnodes("2x4") == (2, 2, 4, "2")
    assert dist.parse_nnodes("4") == (1, 1, 4, "1")
    with pytest.raises(ValueError):
        dist.parse_nnodes("x")
    assert dist._args_join(["a b", dist._noquote("$X:1")]) == "'a b' $X:1"
    assert dist.get_role_name("dir/train.py", None) == "train"


def test_structured_args():
    assert str(structured_arg.StructuredNameArgument.parse_from("/", script="a/train.py")) == "default-experiment/train"
    assert str(structured_arg.StructuredNameArgument.parse_from("exp/", m="pkg.mod")) == "exp/mod"
    assert str(structured_arg.StructuredJArgument.parse_from("gpu.small", "2")) == "2x1"
    with pytest.raises(ValueError, match="not a GPU instance"):
        structured_arg.StructuredJArgument.parse_from("cpu.small", "2")


def test_tracker_app_run_from_env(monkeypatch):
    from torchx.tracker import app_run_from_env

    monkeypatch.setenv("TORCHX_JOB_ID", "local_cwd://torchx/x-1")
    app_run_from_env.cache_clear()
    assert app_run_from_env().id == "local_cwd://torchx/x-1"
    app_run_from_env.cache_clear()


def test_a_component_file_calling_dist_ddp_through_the_cli(hermetic):
    """`torchx run FILE.py:FN` whose function calls torchx.components.dist.ddp and edits the
    result: the evaluator's child loads the native runner for the builtin."""
    (hermetic / "comp.py").write_text(
        "import torchx.components.dist as dist\n"
        "import torchx.specs as specs\n\n"
        "def trainer(script: str, j: str = '1x2') -> specs.AppDef:\n"
        "    app = dist.ddp(script=script, j=j, h='gpu.small')\n"
        "    app.roles[0].env['EXTRA'] = '1'\n"
        "    print('building')\n"
        "    return app\n"
    )
    (hermetic / "train.py").write_text("print(1)\n")
    app = cli_app(hermetic, "comp.py:trainer", ["--script", "train.py", "-j", "2x1"])
    expected = cli_app(hermetic, "dist.ddp", ["--script", "train.py", "-j", "2x1", "-h", "gpu.small"])
    expected["roles"][0]["env"]["EXTRA"] = "1"
    assert app == expected
