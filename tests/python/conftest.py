# SPDX-License-Identifier: BSD-3-Clause
# pytest over the torchx Python package of a build: ctest runs it with PYTHONPATH=<build>/python
# (tests/CMakeLists.txt). Run by hand: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    import torchx

    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if os.path.abspath(torchx.__file__).startswith(os.path.join(here, "python") + os.sep):
        raise pytest.UsageError(
            "tests/python test a build's package: set PYTHONPATH=<build>/python (the source tree has no version.py)"
        )
