# SPDX-License-Identifier: BSD-3-Clause
"""The issue's second acceptance run on Slurm (concepts_snippet.py): skipped with the reason
without a cluster, a failure then under TORCHX_TEST_REQUIRE_SLURM=1 (scripts/test.sh)."""

import os
import subprocess

import pytest

from concepts import run_concepts_snippet


def slurm_unavailable_reason() -> str:
    try:
        r = subprocess.run(["sinfo", "-h", "-o", "%D"], capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        return "sinfo is not installed"
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 10 s"
    if r.returncode == 0 and r.stdout.strip():
        return ""
    said = (r.stderr or r.stdout).splitlines()
    return f"sinfo failed (exit {r.returncode}): {said[0] if said else ''}"


def test_concepts_snippet_on_slurm(hermetic, tmp_path):
    why = slurm_unavailable_reason()
    if why:
        message = f"no Slurm cluster ({why}): start one with tests/slurm/start-local-slurm.sh, or run scripts/test.sh"
        if os.environ.get("TORCHX_TEST_REQUIRE_SLURM") == "1":
            pytest.fail(message + " [TORCHX_TEST_REQUIRE_SLURM=1]")
        pytest.skip("TORCHX_TEST_SKIPPED: " + message)
    run_concepts_snippet("slurm", hermetic, {"TORCHX_SLURM_DIR": str(tmp_path / "slurm-state")})
