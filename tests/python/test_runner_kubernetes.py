# SPDX-License-Identifier: BSD-3-Clause
"""torchx.runner on kubernetes against the API-server stand-in (tests/k8s/standin, TEST CODE: no
real API server can run here), over TLS with a bearer token from its kubeconfig: run, status,
wait, log_lines (since, until), list, cancel, delete, a name clash, and the errors; golden.py
checks that our requests are the ones kubectl sends."""

import datetime
import os
import sys
import time
import warnings

import pytest

from torchx import specs
from torchx.runner import get_runner

K8S_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "k8s")
sys.path.insert(0, K8S_TESTS)
sys.path.insert(0, os.path.join(K8S_TESTS, "standin"))
from golden import matches  # noqa: E402
from launch import Standin  # noqa: E402

TOKEN = "py-t0ken-sEcReT"


@pytest.fixture
def standin(tmp_path, monkeypatch):
    with Standin(str(tmp_path / "standin"), tls=True, token=TOKEN, speed=4) as s:
        monkeypatch.setenv("KUBECONFIG", s.kubeconfig)
        monkeypatch.setenv("TORCHX_KUBERNETES_TIMEOUT_SECONDS", "10")
        yield s


def clear(s: Standin) -> None:
    open(os.path.join(s.dir, "requests.jsonl"), "w").close()


def echo_app(msg: str, env=None) -> specs.AppDef:
    role = specs.Role(name="echo", image="busybox", entrypoint="echo", args=[msg], env=env or {})
    return specs.AppDef(name="echo", roles=[role])


def wait_state(runner, handle, states, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = runner.status(handle)
        if status is not None and status.state.name in states:
            return status
        time.sleep(0.1)
    return runner.status(handle)


def test_batch_run_wait_log_since_until_list_delete(standin):
    with get_runner() as runner:
        clear(standin)
        handle = runner.run(echo_app("hello py"), scheduler="kubernetes", cfg={"job_kind": "batch"})
        assert handle.startswith("kubernetes://")
        assert ":echo-" in handle
        assert matches(standin.requests(), "create-job") == []
        assert matches(standin.requests(), "create-service") == []
        status = runner.wait(handle, wait_interval=0.1)
        assert status.state.name == "SUCCEEDED"
        assert [r.state.name for r in status.roles[0].replicas] == ["SUCCEEDED"]

        clear(standin)
        assert list(runner.log_lines(handle, "echo", 0)) == ["hello py\n"]
        assert matches(standin.requests(), "logs") == []
        hour_ago = datetime.datetime.now() - datetime.timedelta(hours=1)
        clear(standin)
        assert list(runner.log_lines(handle, "echo", 0, since=hour_ago)) == ["hello py\n"]
        assert matches(standin.requests(), "logs-since") == []
        # A start after the last line: nothing (sinceTime, as the future has no sinceSeconds).
        assert list(runner.log_lines(handle, "echo", 0, since=time.time() + 3600)) == []
        # until: Kubernetes cannot; the runner says so and gives every line (TorchX's behaviour).
        with pytest.warns(UserWarning, match="does not support log until"):
            assert list(runner.log_lines(handle, "echo", 0, until=hour_ago)) == ["hello py\n"]

        clear(standin)
        apps = runner.list("kubernetes")
        assert handle in [a.app_handle for a in apps]
        assert [a.state.name for a in apps if a.app_handle == handle] == ["SUCCEEDED"]
        assert matches(standin.requests(), "list-jobs") == []

        clear(standin)
        runner.delete(handle)
        assert matches(standin.requests(), "delete-job") == []
        assert matches(standin.requests(), "delete-service") == []
        assert runner.status(handle) is None


def test_volcano_cancel_and_follow(standin):
    app = echo_app("x", env={"STANDIN_RUN_SECONDS": "4", "STANDIN_LOG_LINES": "2"})
    with get_runner() as runner:
        handle = runner.run(app, scheduler="kubernetes", cfg={"queue": "default"})
        assert matches(standin.requests(), "create-vcjob") == []
        lines = list(runner.log_lines(handle, "echo", 0, should_tail=True))
        assert lines == ["x\n", "line 1\n", "line 2\n"]
        assert runner.wait(handle, wait_interval=0.1).state.name == "SUCCEEDED"

        long_app = echo_app("y", env={"STANDIN_RUN_SECONDS": "120"})
        handle = runner.run(long_app, scheduler="kubernetes", cfg={"queue": "default"})
        assert wait_state(runner, handle, {"RUNNING"}).state.name == "RUNNING"
        clear(standin)
        runner.cancel(handle)
        assert matches(standin.requests(), "delete-vcjob") == []
        # A Volcano app is its Job: cancelled, nothing of it is left (TorchX deletes it too).
        assert runner.status(handle) is None
        runner.cancel(handle)  # unknown now: nothing happens (TorchX's semantics)


def test_name_clash_is_one_line_and_leaves_nothing_behind(standin):
    with get_runner() as runner:
        info = runner.dryrun(echo_app("a"), "kubernetes", cfg={"job_kind": "batch"})
        handle = runner.schedule(info)
        with pytest.raises(Exception) as e:
            runner.schedule(info)
        assert e.value.status == "invalid_argument"
        assert "already exists" in str(e.value)
        assert "\n" not in str(e.value)
        runner.delete(handle)


def test_refused_object_is_one_line_with_the_servers_field_message_and_earlier_objects_are_removed(standin):
    with get_runner() as runner:
        info = runner.dryrun(echo_app("a"), "kubernetes", cfg={"job_kind": "batch"})
        kinds = [o["kind"] for o in info.request["objects"]]
        assert kinds == ["Service", "Job"]
        # The Job without containers: the server refuses it (422) after the Service was created.
        info.request["objects"][1]["spec"]["template"]["spec"]["containers"] = []
        with pytest.raises(Exception) as e:
            runner.schedule(info)
        message = str(e.value)
        assert "spec.template.spec.containers: Required value" in message
        assert "422" in message and "\n" not in message
        status, objects = standin.json("GET", "/standin/objects")
        assert status == 200
        assert [o["metadata"]["name"] for o in objects] == []


def test_errors_unreachable_and_bad_token_never_show_the_token(standin, tmp_path, monkeypatch):
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(open(standin.kubeconfig).read().replace(TOKEN, "wr0ng-py-T0KEN"))
    monkeypatch.setenv("KUBECONFIG", str(bad))
    with get_runner() as runner:
        with pytest.raises(Exception) as e:
            runner.list("kubernetes")
        assert e.value.status == "internal"  # exit 1, not "unavailable"
        assert "refused the credentials" in str(e.value)
        assert "wr0ng-py-T0KEN" not in str(e.value) and TOKEN not in str(e.value)
    monkeypatch.setenv("KUBECONFIG", standin.kubeconfig)
    standin.stop()
    with get_runner() as runner:
        with pytest.raises(Exception) as e:
            runner.status("kubernetes://torchx/default:echo-x1y2z3")
        assert "cannot reach the Kubernetes API server" in str(e.value)
        assert e.value.status == "unavailable"  # a PluginCallError: the CLI's exit 4
