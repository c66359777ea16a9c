# SPDX-License-Identifier: BSD-3-Clause
"""run_component of a Python component file (evaluated in this process by the evaluator that
`torchx run FILE.py:FN` uses, arguments parsed by the CLI's code), and torchx.specs' named
resources from the native side (.torchxconfig presets, plugins, builtin tables)."""

import subprocess
import textwrap
from pathlib import Path

import pytest

import torchx.runner as tr
from torchx import specs
from torchx.runner import get_runner

# The concepts page's component, verbatim.
MY_COMPONENT = textwrap.dedent(
    '''
    import torchx.specs as specs

    def ddp(name: str, nnodes: int, image: str, entrypoint: str, *args: str) -> specs.AppDef:
        return specs.AppDef(
            name=name,
            roles=[
                specs.Role(
                    name="trainer",
                    image=image,
                    entrypoint=entrypoint,
                    resource=specs.Resource(cpu=4, gpu=1, memMB=1024),
                    args=list(args),
                    num_replicas=nnodes,
                )
            ],
        )
    '''
)
ARGS = ["--name", "demo", "--nnodes", "2", "--image", "/tmp", "--entrypoint", "echo", "hello", "world"]


def test_run_component_of_a_python_file():
    Path("my_component.py").write_text(MY_COMPONENT)
    with get_runner() as runner:
        app = runner.dryrun_component("my_component.py:ddp", ARGS, scheduler="local_cwd")._app
        assert (app.name, app.roles[0].num_replicas, app.roles[0].args) == ("demo", 2, ["hello", "world"])
        handle = runner.run_component("my_component.py:ddp", ARGS, scheduler="local_cwd")
        assert runner.wait(handle, wait_interval=0.1).state == specs.AppState.SUCCEEDED
        assert [list(runner.log_lines(handle, "trainer", k=k)) for k in (0, 1)] == [["hello world\n"]] * 2


def test_python_file_component_errors():
    Path("my_component.py").write_text(MY_COMPONENT)
    with get_runner() as runner:
        with pytest.raises(tr.ComponentNotFoundException, match="ddpp"):
            runner.dryrun_component("my_component.py:ddpp", ARGS, scheduler="local_cwd")
        with pytest.raises(tr.ComponentNotFoundException, match="does not exist"):
            runner.dryrun_component("missing.py:ddp", ARGS, scheduler="local_cwd")
        with pytest.raises(tr.ComponentArgsError, match="nnodes"):
            runner.dryrun_component("my_component.py:ddp", ["--name", "x", "--nnodes", "two"], scheduler="local_cwd")
        Path("broken.py").write_text("def ddp(:\n")
        with pytest.raises(tr.ComponentValidationException, match="broken.py:1"):
            runner.dryrun_component("broken.py:ddp", [], scheduler="local_cwd")


def test_named_resources_come_from_the_native_side():
    Path(".torchxconfig").write_text("[named_resource:site.gpu8]\ncpu = 64\ngpu = 8\nmemMB = 500000\n")
    assert specs.named_resources["gpu.small"] == specs.Resource(8, 1, 32768)
    assert specs.named_resources["site.gpu8"] == specs.Resource(64, 8, 500000)
    with pytest.raises(KeyError, match="did you mean 'gpu.small'"):
        specs.named_resources["gpu.smal"]


def test_a_script_that_imports_only_torchx_specs_sees_the_native_named_resources(hermetic: Path):
    """Named resources come from the native side on first use, whatever the script imported: a
    ``.torchxconfig`` preset and the builtin tables (no Python copy of them)."""
    from conftest import run_python

    Path(".torchxconfig").write_text("[named_resource:site.gpu8]\ncpu = 64\ngpu = 8\nmemMB = 500000\n")
    r = run_python(
        textwrap.dedent(
            """
            import sys
            from torchx import specs
            from torchx.specs import named_resources, named_resources_aws as aws
            print(specs.resource(h="site.gpu8"), "site.gpu8" in named_resources)
            p3 = aws.aws_p3_2xlarge()
            assert p3 == named_resources["aws_p3.2xlarge"] == specs.get_named_resources("aws_p3.2xlarge"), p3
            assert aws.instance_type_from_resource(p3) == "p3.2xlarge"
            assert sorted(aws.NAMED_RESOURCES)[:2] == ["aws_c5.18xlarge", "aws_g4dn.12xlarge"], sorted(aws.NAMED_RESOURCES)
            assert aws.NAMED_RESOURCES["aws_t3.medium"]().cpu == 2
            from torchx.specs import named_resources_generic as generic
            assert sorted(generic.NAMED_RESOURCES) == ["cpu.large", "cpu.medium", "cpu.micro", "cpu.nano", "cpu.small",
                                                       "cpu.xlarge", "gpu.large", "gpu.medium", "gpu.small", "gpu.xlarge"]
            try:
                specs.resource(h="gpu.smal")
            except KeyError as e:
                print(e.args[0])
            """
        ),
        hermetic,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "Resource(cpu=64, gpu=8, memMB=500000, capabilities={}, devices={}, tags={}) True",
        "no named resource 'gpu.smal': did you mean 'gpu.small'? (see: torchx resources)",
    ]


def test_the_c_api_evaluates_python_files_with_the_package_found_from_the_library():
    """Through the C API (not Runner.run_component, which evaluates in-process), a FILE.py:FN is
    evaluated by a child python3 with the package found from libtorchx_runtime.so: inside Python
    the executable is the interpreter, whose directory holds no torchx package."""
    Path("my_component.py").write_text(MY_COMPONENT)
    with get_runner() as runner:
        app = runner._native.call("build_component", component="my_component.py:ddp", args=ARGS)
        assert (app["name"], app["roles"][0]["num_replicas"]) == ("demo", 2)
