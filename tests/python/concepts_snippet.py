# SPDX-License-Identifier: BSD-3-Clause
"""The issue's second acceptance run: TorchX's concepts-page Python snippet on SCHEDULER
(argv[1]), then run(app) of an AppDef built in Python and cancel of a long job. Run in a directory
holding train.py (tests/integration/dist_app.py: a gloo all_reduce), with Debian's torchrun on
PATH. Prints what it sees; tests/python/test_concepts_*.py check it."""

import os
import sys
import time

from torchx import specs
from torchx.runner import get_runner

scheduler = sys.argv[1]


def state_name(status):
    return status.state.name


def python_app(name, entrypoint, *args):
    role = specs.Role(name=name, image=os.getcwd(), entrypoint=entrypoint, args=list(args),
                      resource=specs.Resource(cpu=1, gpu=0, memMB=256))
    return specs.AppDef(name=name, roles=[role])


# The concepts page's snippet, with the arguments Debian's torch 1.13 needs.
runner = get_runner()
app_handle = runner.run_component(
    "dist.ddp",
    ["--script", "train.py", "-j", "1x2", "--tee", "1", "--env", "PET_REDIRECTS=2"],
    scheduler=scheduler,
)
print("handle", app_handle, flush=True)
print("status", state_name(runner.status(app_handle)), flush=True)
print("final", state_name(runner.wait(app_handle, wait_interval=1)), flush=True)
for line in runner.log_lines(app_handle, "train", k=0):
    print("log", line, end="", flush=True)

# run(app) of an AppDef built in Python.
handle = runner.run(python_app("hello", "echo", "hello", "from", "python"), scheduler=scheduler)
print("run-app", state_name(runner.wait(handle, wait_interval=0.5)), flush=True)
for line in runner.log_lines(handle, "hello", k=0):
    print("run-app-log", line, end="", flush=True)

# cancel of a long job.
handle = runner.run(python_app("sleeper", "sleep", "600"), scheduler=scheduler)
deadline = time.monotonic() + 120
while state_name(runner.status(handle)) != "RUNNING" and time.monotonic() < deadline:
    time.sleep(0.5)
runner.cancel(handle)
print("cancelled", state_name(runner.wait(handle, wait_interval=0.5)), flush=True)
runner.close()
