# SPDX-License-Identifier: BSD-3-Clause
"""pytest setup for the Python API tests: the package of the build under test
(``$TORCHX_BUILD_DIR/python``, set by ctest), and a hermetic environment per test, as the C++
tests have (tests/support/cli_env.hpp): no TORCHX_*/XDG_* of the caller, the build's bundled
plugins only, no site policy, a temporary HOME, state dir and working directory."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

BUILD_DIR = Path(os.environ.get("TORCHX_BUILD_DIR", Path(__file__).resolve().parents[2] / "build")).resolve()
PACKAGE_DIR = BUILD_DIR / "python"
TORCHX_EXE = BUILD_DIR / "bin" / "torchx"
BUNDLED_PLUGINS = BUILD_DIR / "share" / "torchx" / "plugins.d"
sys.path.insert(0, str(PACKAGE_DIR))


def hermetic_env(tmp: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TORCHX_", "XDG_"))}
    for name in ("LOGLEVEL", "TORCHXCONFIG", "PYTHONPATH"):
        env.pop(name, None)
    env.update(
        {
            "HOME": str(tmp / "home"),
            "XDG_STATE_HOME": str(tmp / "home/.local/state"),
            "XDG_DATA_HOME": str(tmp / "home/.local/share"),
            "XDG_DATA_DIRS": str(tmp / "xdg-data-dirs"),
            "XDG_CONFIG_HOME": str(tmp / "home/.config"),
            "TORCHX_PLUGIN_SYSTEM_PATH": str(BUNDLED_PLUGINS),
            "TORCHX_PLUGIN_POLICY": "",
        }
    )
    return env


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs each test in tmp_path/cwd with hermetic_env (os.environ reaches the native side)."""
    (tmp_path / "home").mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = hermetic_env(tmp_path)
    for name in list(os.environ):
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    return cwd


def run_python(code: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """`code` run by this interpreter in a new process, with the build's package on its path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PACKAGE_DIR)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def run_torchx(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(TORCHX_EXE), *args], cwd=cwd, capture_output=True, text=True, timeout=60)
