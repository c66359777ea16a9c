# SPDX-License-Identifier: BSD-3-Clause
"""torchx.runner on local_docker (a real engine: scripts/start-container-engine.sh): run, wait,
log_lines per stream and with since/until, status, delete. Skipped with the reason without an
engine, a failure then under TORCHX_TEST_REQUIRE_DOCKER=1."""

import datetime
import os
import socket
import time

import pytest

from torchx import specs
from torchx.runner import get_runner

DOCKER_HOST = os.environ.get("DOCKER_HOST") or "unix:///run/podman/podman.sock"


def engine_unavailable_reason() -> str:
    path = DOCKER_HOST[len("unix://"):] if DOCKER_HOST.startswith("unix://") else DOCKER_HOST
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(path)
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = s.recv(64)
    except OSError as e:
        return f"cannot connect to {DOCKER_HOST}: {e.strerror or e}"
    return "" if answer.startswith(b"HTTP/1.1 200") else f"{DOCKER_HOST} answered {answer[:20]!r} to GET /_ping"


@pytest.fixture(autouse=True)
def engine(monkeypatch: pytest.MonkeyPatch) -> None:
    why = engine_unavailable_reason()
    if why:
        message = f"no container engine ({why}): start one with scripts/start-container-engine.sh"
        if os.environ.get("TORCHX_TEST_REQUIRE_DOCKER") == "1":
            pytest.fail(message + " [TORCHX_TEST_REQUIRE_DOCKER=1]")
        pytest.skip("TORCHX_TEST_SKIPPED: " + message)
    monkeypatch.setenv("DOCKER_HOST", DOCKER_HOST)


def test_log_lines_per_stream_and_since_until():
    role = specs.Role(name="sh", image="localhost/busybox", entrypoint="sh",
                      args=["-c", "echo early; echo oops >&2; sleep 5; echo late"])
    with get_runner() as runner:
        handle = runner.run(specs.AppDef(name="sh", roles=[role]), scheduler="local_docker")
        try:
            assert runner.wait(handle, wait_interval=0.2).state.name == "SUCCEEDED"
            assert list(runner.log_lines(handle, "sh", 0, streams="stdout")) == ["early\n", "late\n"]
            assert list(runner.log_lines(handle, "sh", 0, streams="stderr")) == ["oops\n"]
            # "late" was printed about 5 s after the others, and the app ended right after it.
            middle = datetime.datetime.fromtimestamp(time.time() - 2.5)
            assert list(runner.log_lines(handle, "sh", 0, streams="stdout", since=middle)) == ["late\n"]
            assert list(runner.log_lines(handle, "sh", 0, streams="stdout", until=middle)) == ["early\n"]
        finally:
            runner.delete(handle)
        assert runner.status(handle) is None
