# Component files that reach for what is not theirs: the evaluator's fd 3, background processes.
import os
import subprocess

import torchx.specs as specs


def _app() -> specs.AppDef:
    return specs.AppDef(name="ok", roles=[specs.Role(name="r", image="/tmp", entrypoint="echo", args=["ok"])])


def writes_fd3() -> specs.AppDef:
    os.write(3, b'{"app": {"name": "spoofed", "roles": []}}\n')
    return _app()


def closes_fd3() -> specs.AppDef:
    os.close(3)
    return _app()


def inherits_fd3() -> specs.AppDef:
    subprocess.run(["sh", "-c", "printf 'garbage\\n' >&3"], close_fds=False, stderr=subprocess.DEVNULL)
    return _app()


def leaves_a_child() -> specs.AppDef:
    child = subprocess.Popen(["sh", "-c", "sleep 20; echo LATE >&2"])  # never waited for
    with open("child.pid", "w") as f:
        f.write(str(child.pid))
    return _app()
