# SPDX-License-Identifier: BSD-3-Clause
"""pytest over the torchx Python package of a build: ctest runs it with PYTHONPATH=<build>/python
and TORCHX_BUILD_DIR=<build> (tests/CMakeLists.txt). Run by hand:
PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python (the build dir is then the
package's). Every test runs in a hermetic environment, as the C++ tests do
(tests/support/cli_env.hpp): no TORCHX_*/XDG_* of the caller, the build's bundled plugins only,
no site policy, a temporary HOME, state dir and working directory."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

if os.environ.get("TORCHX_BUILD_DIR"):
    BUILD_DIR = Path(os.environ["TORCHX_BUILD_DIR"]).resolve()
    sys.path.insert(0, str(BUILD_DIR / "python"))
else:
    import torchx  # from PYTHONPATH=<build>/python

    BUILD_DIR = Path(torchx.__file__).resolve().parents[2]
PACKAGE_DIR = BUILD_DIR / "python"
TORCHX_EXE = BUILD_DIR / "bin" / "torchx"
BUNDLED_PLUGINS = BUILD_DIR / "share" / "torchx" / "plugins.d"


def pytest_configure(config: pytest.Config) -> None:
    import torchx

    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if os.path.abspath(torchx.__file__).startswith(os.path.join(here, "python") + os.sep):
        raise pytest.UsageError(
            "tests/python test a build's package: set PYTHONPATH=<build>/python (the source tree has no version.py)"
        )


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


@pytest.fixture(autouse=True)
def python_only_specs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """test_specs_* start with torchx.specs' hooks unset (torchx/_hooks.py), as in a script that
    imported only torchx.specs: named resources then load the native side on first use."""
    if not request.node.fspath.basename.startswith("test_specs_"):
        return
    from torchx import specs
    from torchx.specs import _component

    monkeypatch.setattr(specs, "_native_named_resource", None)
    monkeypatch.setattr(specs, "_native_named_resource_names", None)
    monkeypatch.setattr(_component, "_native_build_request", None)
