# SPDX-License-Identifier: BSD-3-Clause
"""torchx.runner on local_cwd: run, status, wait, log_lines, describe, list, cancel, delete,
across processes (what Python TorchX cannot do on its local scheduler)."""

import json
import textwrap
import time
from pathlib import Path

import pytest

from conftest import run_python

from torchx import specs
import torchx.runner as tr
from torchx.runner import get_runner


def state(status) -> str:
    return status.state.name


def echo_app(name: str, *args: str, entrypoint: str = "echo", replicas: int = 1) -> specs.AppDef:
    role = specs.Role(name=name, image=str(Path.cwd()), entrypoint=entrypoint, args=list(args),
                      num_replicas=replicas, resource=specs.Resource(cpu=1, gpu=0, memMB=128))
    return specs.AppDef(name=name, roles=[role])


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
        assert [(i.app_handle, i.state) for i in runner.list("local_cwd")] == [(handle, specs.AppState.SUCCEEDED)]
        assert runner.describe(handle).roles[0].args == ["hello", "world"]  # the AppDef this runner launched
        # The runner's filters, as `torchx list --state/--since/--older-than`.
        assert [i.app_handle for i in runner.list("local_cwd", states=[specs.AppState.SUCCEEDED], since="1d")] == [handle]
        assert runner.list("local_cwd", states=["FAILED"]) == []
        assert runner.list("local_cwd", older_than=3600) == []
        with pytest.raises(ValueError, match="'DONE' is not an app state"):
            runner.list("local_cwd", states=["DONE"])
        with pytest.raises(ValueError, match="'3x' is not an age"):
            runner.list("local_cwd", since="3x")


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
                print(json.dumps({{"lines": lines, "state": status.state.name, "name": app.name, "role": app.roles[0].name}}))
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
                print(runner.wait({handle!r}, wait_interval=0.1).state.name)
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


@pytest.mark.parametrize("blocking", ["runner.wait(h, wait_interval=0.2)", "list(runner.log_lines(h, 'sh', should_tail=True))"])
def test_ctrl_c_interrupts_wait_and_tailing_logs(hermetic: Path, blocking: str):
    import os
    import signal
    import subprocess
    import sys

    from conftest import PACKAGE_DIR

    code = textwrap.dedent(
        f"""
        import sys
        from torchx.runner import get_runner
        runner = get_runner()
        h = runner.run_component("utils.sh", ["sh", "-c", "echo started; sleep 600"], scheduler="local_cwd")
        print(h, flush=True)
        try:
            {blocking}
        except KeyboardInterrupt:
            runner.cancel(h)
            print("interrupted", flush=True)
            sys.exit(130)
        """
    )
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_DIR))
    p = subprocess.Popen([sys.executable, "-c", code], cwd=hermetic, env=env, stdout=subprocess.PIPE, text=True)
    handle = p.stdout.readline().strip()
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 130 and "interrupted" in out
    with get_runner() as runner:
        assert state(runner.wait(handle, wait_interval=0.1)) == "CANCELLED"


def test_run_component_in_a_workspace(hermetic: Path):
    workspace = hermetic.parent / "ws"
    workspace.mkdir()
    with get_runner() as runner:
        handle = runner.run_component("utils.sh", ["pwd"], scheduler="local_cwd", workspace=str(workspace))
        assert state(runner.wait(handle, wait_interval=0.1)) == "SUCCEEDED"
        assert list(runner.log_lines(handle, "sh")) == [f"{workspace}\n"]
        info = runner.dryrun_component("utils.sh", ["pwd"], scheduler="local_cwd", workspace=None)
        assert info._torchx_dryrun["workspace"] is None


def test_an_abandoned_tailing_log_lines_stops_reading():
    """A tailing iterator the caller drops (closed, or collected) releases its reader thread and
    its stream at the next line, rather than buffering the app's whole log until it ends."""
    import gc
    import os
    import threading

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    with get_runner() as runner:
        handle = runner.run(echo_app("chatty", "-c", "while :; do echo x; sleep 0.05; done", entrypoint="sh"),
                            scheduler="local_cwd")
        fds, threads = open_fds(), threading.active_count()
        for i in range(5):
            lines = runner.log_lines(handle, "chatty", should_tail=True)
            assert next(lines) == "x\n"
            if i % 2:
                lines.close()
            del lines
        gc.collect()
        wait_for(lambda: threading.active_count() == threads and open_fds() == fds, timeout=10)
        runner.cancel(handle)


def test_log_lines_since_until_where_the_scheduler_has_none_warns_and_returns_every_line():
    """TorchX's local and Slurm schedulers warn and ignore since/until: a script that passes them
    (written for a scheduler that has them) runs unchanged."""
    import datetime

    with get_runner() as runner:
        handle = runner.run(echo_app("since", "a"), scheduler="local_cwd")
        runner.wait(handle, wait_interval=0.1)
        with pytest.warns(UserWarning, match="since/until.*ignored"):
            lines = runner.log_lines(handle, "since", since=datetime.datetime.now() - datetime.timedelta(hours=1))
        assert list(lines) == ["a\n"]
        with pytest.raises(tr.PluginCallError, match="has no role 'nope'"):  # other refusals still raise
            runner.log_lines(handle, "nope", until=time.time())
