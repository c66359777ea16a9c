# SPDX-License-Identifier: BSD-3-Clause
"""The issue's second acceptance run on local_cwd (concepts_snippet.py): real torchrun."""

import shutil

import pytest

from concepts import run_concepts_snippet


def test_concepts_snippet_on_local_cwd(hermetic):
    if shutil.which("torchrun", path="/usr/bin:/bin") is None:
        pytest.skip("TORCHX_TEST_SKIPPED: no /usr/bin/torchrun (Debian's python3-torch)")
    run_concepts_snippet("local_cwd", hermetic)
