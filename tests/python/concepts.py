# SPDX-License-Identifier: BSD-3-Clause
"""Runs concepts_snippet.py on a scheduler in a fresh directory and checks what it printed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PACKAGE_DIR

HERE = Path(__file__).resolve().parent


def run_concepts_snippet(scheduler: str, cwd: Path, extra_env=None) -> str:
    shutil.copy(HERE.parent / "integration" / "dist_app.py", cwd / "train.py")
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(PACKAGE_DIR), "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"})  # Debian's torchrun
    env.update(extra_env or {})
    r = subprocess.run(
        [sys.executable, str(HERE / "concepts_snippet.py"), scheduler],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "final SUCCEEDED" in out, out
    logs = [l for l in out.splitlines() if l.startswith("log ")]
    # Both ranks' sums, in replica 0's log (torchrun --tee 1 prefixes each rank's lines).
    assert any("rank 0/2 all_reduce=3 expected=3" in l for l in logs), out
    assert any("rank 1/2 all_reduce=3 expected=3" in l for l in logs), out
    assert "run-app SUCCEEDED" in out and "run-app-log hello from python" in out, out
    assert "cancelled CANCELLED" in out, out
    return out
