# SPDX-License-Identifier: BSD-3-Clause
"""torchx.runner on local_cwd: run, status, wait, log_lines, describe, list, cancel, delete,
across processes (what Python TorchX cannot do on its local scheduler)."""

import json
import textwrap
import time
from pathlib import Path

import pytest

from conftest import run_python

from torchx.runner import get_runner
from torchx.runner import _codec


def state(status) -> str:
    s = status["state"] if isinstance(status, dict) else status.state
    return s if isinstance(s, str) else s.name


def echo_app(name: str, *args: str, entrypoint: str = "echo", replicas: int = 1):
    role = {"name": name, "image": str(Path.cwd()), "entrypoint": entrypoint, "args": list(args),
            "num_replicas": replicas, "resource": {"cpu": 1, "gpu": 0, "memMB": 128}}
    app = {"name": name, "roles": [role]}
    from_json = getattr(_codec._specs, "app_def_from_json", None)
    return from_json(app) if from_json else app


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_run_an_appdef_built_in_python_then_wait_and_log_lines():
    with get_runner() as runner:
        handle = runner.run(echo_app("hello", "hello", "world", replicas=2), scheduler="local_cwd")
        assert handle.startswith("local_cwd://torchx/hello-")
        final = runner.wait(handle, wait_interval=0.1)
        assert state(final) == "SUCCEEDED"
        assert list(runner.log_lines(handle, "hello", k=0)) == ["hello world\n"]
        assert list(runner.log_lines(handle, "hello", k=1)) == ["hello world\n"]
        assert [h for h in (i["app_handle"] if isinstance(i, dict) else i.app_handle for i in runner.list("local_cwd"))] == [handle]


def test_run_component_builtin_with_regex_and_streams():
    with get_runner() as runner:
        handle = runner.run_component("utils.sh", ["sh", "-c", "echo one; echo two; echo err >&2"], scheduler="local_cwd")
        runner.wait(handle, wait_interval=0.1)
        assert list(runner.log_lines(handle, "sh", regex="^t")) == ["two\n"]
        assert list(runner.log_lines(handle, "sh", streams="stderr")) == ["err\n"]


def test_a_handle_made_in_one_process_is_read_and_cancelled_from_another(hermetic: Path):
    made = run_python(
        textwrap.dedent(
            """
            from torchx.runner import get_runner
            with get_runner() as runner:
                print(runner.run_component("utils.sh", ["sh", "-c", "echo started; sleep 60"], scheduler="local_cwd"))
            """
        ),
        hermetic,
    )
    assert made.returncode == 0, made.stderr
    handle = made.stdout.strip()
    read = run_python(
        textwrap.dedent(
            f"""
            import json, time
            from torchx.runner import get_runner
            with get_runner() as runner:
                for _ in range(300):
                    lines = list(runner.log_lines({handle!r}, "sh", k=0))
                    if lines:
                        break
                    time.sleep(0.1)
                status = runner.status({handle!r})
                app = runner.describe({handle!r})
                name = app["name"] if isinstance(app, dict) else app.name
                roles = app["roles"] if isinstance(app, dict) else app.roles
                role = roles[0]["name"] if isinstance(roles[0], dict) else roles[0].name
                s = status["state"] if isinstance(status, dict) else status.state
                print(json.dumps({{"lines": lines, "state": getattr(s, "name", s), "name": name, "role": role}}))
            """
        ),
        hermetic,
    )
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout)
    assert seen == {"lines": ["started\n"], "state": "RUNNING", "name": handle.rsplit("/", 1)[1], "role": "sh"}

    cancelled = run_python(
        textwrap.dedent(
            f"""
            from torchx.runner import get_runner
            with get_runner() as runner:
                runner.cancel({handle!r})
                s = runner.wait({handle!r}, wait_interval=0.1)
                s = s["state"] if isinstance(s, dict) else s.state
                print(getattr(s, "name", s))
            """
        ),
        hermetic,
    )
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == "CANCELLED"
    with get_runner() as runner:
        assert state(runner.status(handle)) == "CANCELLED"
        runner.delete(handle)
        assert runner.status(handle) is None


def test_cancel_of_a_long_job_and_wait():
    with get_runner() as runner:
        handle = runner.run(echo_app("long", "-c", "sleep 600", entrypoint="sh"), scheduler="local_cwd")
        wait_for(lambda: state(runner.status(handle)) == "RUNNING")
        started = time.monotonic()
        runner.cancel(handle)
        assert state(runner.wait(handle, wait_interval=0.1)) == "CANCELLED"
        assert time.monotonic() - started < 30
        runner.cancel(handle)  # a finished app: nothing happens (TorchX)


def test_log_lines_should_tail_follows_until_the_app_ends():
    with get_runner() as runner:
        handle = runner.run(echo_app("tail", "-c", "echo a; sleep 1; echo b", entrypoint="sh"), scheduler="local_cwd")
        assert list(runner.log_lines(handle, "tail", should_tail=True)) == ["a\n", "b\n"]
        assert state(runner.status(handle)) == "SUCCEEDED"
