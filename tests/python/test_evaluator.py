# SPDX-License-Identifier: BSD-3-Clause
"""torchx/_evaluate.py spoken to directly, as the CLI does (host/runner/python_evaluator.hpp)."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

import torchx


class Evaluator:
    def __init__(self, cwd: str, reference: Tuple[str, str]) -> None:
        ours, theirs = socket.socketpair()
        script = os.path.join(os.path.dirname(torchx.__file__), "_evaluate.py")
        self.proc = subprocess.Popen(
            [sys.executable, script, str(theirs.fileno()), *reference],
            cwd=cwd, pass_fds=[theirs.fileno()], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.sock = ours
        self.reader = ours.makefile("rb")

    def receive(self) -> Optional[Dict[str, Any]]:
        line = self.reader.readline()
        return json.loads(line) if line else None

    def send(self, message: Dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def close(self) -> int:
        self.reader.close()
        self.sock.close()
        return self.proc.wait(timeout=30)


@pytest.fixture
def workdir(tmp_path: Any) -> Iterator[str]:
    (tmp_path / "comp.py").write_text(textwrap.dedent('''\
        import torchx.specs as specs

        print("printed while loading")

        def f(n: int, *rest: str, h: str = "gpu.small") -> specs.AppDef:
            """Does f.

            Args:
                n: how many
            """
            return specs.AppDef("f", [specs.Role("r", "i", args=list(rest), num_replicas=n,
                                                 resource=specs.resource(h=h))])
        '''))
    yield str(tmp_path)


def test_signature_build_and_named_resource_questions(workdir: str) -> None:
    ev = Evaluator(workdir, ("comp.py", "f"))
    signature = ev.receive()
    assert signature is not None
    assert signature["signature"]["doc"] == "Does f."
    assert [a["name"] for a in signature["signature"]["args"]] == ["n", "rest", "h"]
    ev.send({"build": {"args": {"n": 2, "h": "site.x"}, "varargs": ["a"]}})
    assert ev.receive() == {"named_resource": "site.x"}
    ev.send({"resource": {"cpu": 5, "gpu": 0, "memMB": 10}})
    answer = ev.receive()
    assert answer is not None
    role = answer["app"]["roles"][0]
    assert role["num_replicas"] == 2 and role["args"] == ["a"] and role["resource"]["cpu"] == 5
    assert ev.close() == 0
    # print() went to the child's stdout, never to the socket
    assert ev.proc.stdout is not None and b"printed while loading" in ev.proc.stdout.read()


def test_unknown_named_resource_is_the_components_key_error(workdir: str) -> None:
    ev = Evaluator(workdir, ("comp.py", "f"))
    ev.receive()
    ev.send({"build": {"args": {"n": 1, "h": "nope"}, "varargs": []}})
    assert ev.receive() == {"named_resource": "nope"}
    ev.send({"error": "no named resource 'nope'"})
    answer = ev.receive()
    assert answer is not None
    assert answer["error"]["kind"] == "exception" and answer["error"]["type"] == "KeyError"
    assert answer["error"]["message"] == "no named resource 'nope'"
    assert answer["error"]["file"] == "comp.py" and answer["error"]["line"] == 12
    assert ev.close() == 0


def test_closing_after_the_signature_ends_the_child(workdir: str) -> None:
    ev = Evaluator(workdir, ("comp.py", "f"))
    assert ev.receive() is not None
    assert ev.close() == 0  # --help: the host needed the signature only


def test_missing_function_is_not_found(workdir: str) -> None:
    ev = Evaluator(workdir, ("comp.py", "ff"))
    answer = ev.receive()
    assert answer == {"error": {"kind": "not_found", "message": "comp.py: no function 'ff' (did you mean 'f'?)"}}
    assert ev.close() == 0


def test_a_module_function_of_a_python_component_package(tmp_path: Any) -> None:
    # `torchx run NAME` of a manifest's python_components: `--module MODULE FUNCTION`, imported
    # from sys.path (here the working directory, importable as for component files).
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "comps.py").write_text(textwrap.dedent('''\
        import torchx.specs as specs

        def echo(msg: str = "hi") -> specs.AppDef:
            """Echoes."""
            return specs.AppDef("echo", [specs.Role("r", "i", entrypoint="echo", args=[msg])])
        '''))
    ev = Evaluator(str(tmp_path), ("--module", "pkg.comps", "echo"))
    signature = ev.receive()
    assert signature is not None and signature["signature"]["doc"] == "Echoes."
    ev.send({"build": {"args": {"msg": "yo"}, "varargs": []}})
    answer = ev.receive()
    assert answer is not None and answer["app"]["roles"][0]["args"] == ["yo"]
    assert ev.close() == 0

    ev = Evaluator(str(tmp_path), ("--module", "pkg.comps", "ecko"))
    error = ev.receive()
    assert error is not None and error["error"]["kind"] == "not_found"
    assert error["error"]["message"].startswith("module 'pkg.comps' has no function 'ecko' (did you mean 'echo'?)")
    assert ev.close() == 0

    ev = Evaluator(str(tmp_path), ("--module", "pkg.nope", "echo"))
    error = ev.receive()
    assert error is not None and error["error"]["kind"] == "not_found"
    assert error["error"]["message"].startswith("module 'pkg.nope' is not importable by ")
    assert ev.close() == 0
