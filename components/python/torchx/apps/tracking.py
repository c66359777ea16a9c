# SPDX-License-Identifier: BSD-3-Clause
"""Tracking from inside a job launched by torchx (C++ edition), with the standard library only.

    from torchx.apps.tracking import app_run_from_env

    run = app_run_from_env()
    run.add_metadata(lr=0.1, epochs=3)
    run.add_artifact("model", "/ckpt/model.pt", metadata={"format": "torchscript"})
    run.add_source("local_cwd://torchx/prepare-x1", artifact_name="dataset")

The same API as Python TorchX's ``torchx.tracker.app_run_from_env()`` (``AppRun``): the run id
is ``$TORCHX_JOB_ID`` (``"<UNDEFINED>"`` outside a job), the trackers are the names in
``$TORCHX_TRACKERS`` with their ``$TORCHX_TRACKER_<NAME>_CONFIG``, and ``$TORCHX_PARENT_RUN_ID``,
when set, is recorded as the run's source. The trackers known here are ``file`` and ``fsspec``
(protocol ``file`` only): they write the store of TorchX's fsspec tracker, the one
``torchx tracker`` reads (docs/tracker.md). Other names are skipped with a warning on stderr, as
TorchX does for a tracker it cannot find.

This module lives in torchx's namespace package (share/torchx/python, no ``__init__.py``): when a
real Python TorchX is importable in the job it wins, and this module is not found; use its
``torchx.tracker.app_run_from_env()`` with the tracker named ``fsspec`` then (same store).

Writes are atomic and safe with concurrent writers: each metadata or artifact entry is a new file
(written to a temporary file, then linked to a free ``time_ns`` name), and sources are updated
under an ``flock`` of the run directory's ``.lock``, as the C++ file tracker does.
"""

import base64
import fcntl
import functools
import json
import os
import sys
import tempfile
import time
from typing import Dict, List, Mapping, NamedTuple, Optional

UNDEFINED_RUN_ID = "<UNDEFINED>"
# The longest run id in bytes: its base32 name must fit a file name (255); 156 bytes encode to 256.
MAX_RUN_ID_BYTES = 155
_KNOWN_TRACKERS = ("file", "fsspec")


class TrackerArtifact(NamedTuple):
    name: str
    path: str
    metadata: Optional[Mapping[str, object]]


class TrackerSource(NamedTuple):
    source_run_id: str
    artifact_name: Optional[str]


def tracker_config_env_var_name(name: str) -> str:
    """``TORCHX_TRACKER_<NAME>_CONFIG``, as TorchX names it."""
    return f"TORCHX_TRACKER_{name.upper()}_CONFIG"


def _encode(run_id: str) -> str:
    return base64.b32encode(run_id.encode("utf-8")).decode("ascii")


def _decode(name: str) -> str:
    return base64.b32decode(name).decode("utf-8")


def _root_from_config(name: str, config: Optional[str]) -> str:
    """The store root from a tracker config: a directory, or a fsspec-style config file
    (``protocol=file``, ``root_path=DIR``). Raises ValueError with a one-line reason."""
    where = f"tracker '{name}': "
    if not config or not config.strip():
        raise ValueError(
            where + f"no config: set {tracker_config_env_var_name(name)}=FILE "
            "(FILE holds protocol=file and root_path=DIR)"
        )
    path = config.strip()
    if path.startswith("file://"):
        path = path[len("file://"):]
    if os.path.isdir(path):
        return os.path.abspath(path)
    if not os.path.isfile(path):
        raise ValueError(where + f"config '{config}' is neither a config file nor a directory")
    values: Dict[str, str] = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.partition("=")
            if not sep or not k.strip() or k.strip().startswith("#"):
                continue
            values[k.strip()] = v.strip()
    if "protocol" not in values or "root_path" not in values:
        raise ValueError(where + f"config '{path}' must set 'protocol' and 'root_path'")
    if values["protocol"] not in ("file", "local"):
        raise ValueError(
            where + f"protocol '{values['protocol']}' is not supported: only 'file' and 'local'"
        )
    root = values["root_path"]
    for prefix in ("file://", "local://"):
        if root.startswith(prefix):
            root = root[len(prefix):]
    if not os.path.isdir(root):
        raise ValueError(where + f"root_path '{root}' does not exist or is not a directory")
    return os.path.abspath(root)


class FileTracker:
    """TorchX's fsspec tracker store with protocol=file (``torchx.tracker.backend.fsspec``)."""

    def __init__(self, root: str) -> None:
        if not os.path.isdir(root):
            raise ValueError(f"tracker store: root '{root}' does not exist or is not a directory")
        self.root = root

    def _run_dir(self, run_id: str, what: str = "run id") -> str:
        if not run_id:
            raise ValueError(f"{what} is empty")
        size = len(run_id.encode("utf-8"))
        if size > MAX_RUN_ID_BYTES:
            raise ValueError(
                f"{what} '{run_id}' is too long for a file name once base32-encoded "
                f"({size} bytes, at most {MAX_RUN_ID_BYTES})"
            )
        return os.path.join(self.root, _encode(run_id))

    def _write_temporary(self, directory: str, content: str) -> str:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            try:
                os.fchmod(fd, 0o644)
                data = content.encode("utf-8")
                while data:
                    data = data[os.write(fd, data):]
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            os.unlink(tmp)
            raise
        return tmp

    def _persist(self, run_id: str, category: str, content: Mapping[str, object]) -> None:
        run_dir = self._run_dir(run_id)
        directory = os.path.join(run_dir, category)
        os.makedirs(directory, exist_ok=True)
        tmp = self._write_temporary(run_dir, json.dumps(content))
        name = time.time_ns()
        try:
            while True:
                try:
                    os.link(tmp, os.path.join(directory, str(name)))
                    break
                except FileExistsError:
                    name += 1  # another writer took this nanosecond
        finally:
            os.unlink(tmp)

    def _entries(self, directory: str) -> List[str]:
        if not os.path.isdir(directory):
            return []
        names = [n for n in os.listdir(directory) if not n.startswith(".")]
        names = [n for n in names if os.path.isfile(os.path.join(directory, n))]
        names.sort(key=lambda n: (0, len(n), n) if n.isdigit() else (1, 0, n))
        return [os.path.join(directory, n) for n in names]

    def _load(self, run_id: str, category: str) -> List[Mapping[str, object]]:
        out = []
        for path in self._entries(os.path.join(self._run_dir(run_id), category)):
            with open(path) as f:
                try:
                    out.append(json.load(f))
                except ValueError as e:
                    raise ValueError(f"tracker store: {path}: malformed JSON ({e})") from None
        return out

    def add_metadata(self, run_id: str, **metadata: object) -> None:
        self._persist(run_id, "metadata", {"metadata": metadata})

    def metadata(self, run_id: str) -> Mapping[str, object]:
        merged: Dict[str, object] = {}
        for entry in self._load(run_id, "metadata"):
            merged.update(entry["metadata"])  # type: ignore[arg-type]
        return merged

    def add_artifact(
        self, run_id: str, name: str, path: str, metadata: Optional[Mapping[str, object]] = None
    ) -> None:
        self._persist(run_id, "artifacts", {"name": name, "path": path, "metadata": metadata})

    def artifacts(self, run_id: str) -> Mapping[str, TrackerArtifact]:
        out: Dict[str, TrackerArtifact] = {}
        for entry in self._load(run_id, "artifacts"):
            name = str(entry["name"])
            out[name] = TrackerArtifact(name, str(entry["path"]), entry["metadata"])  # type: ignore[arg-type]
        return out

    def _add_link_line(
        self, run_dir: str, category: str, other: str, artifact_name: Optional[str]
    ) -> None:
        directory = os.path.join(run_dir, category)
        os.makedirs(directory, exist_ok=True)
        lock = os.open(os.path.join(run_dir, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = os.path.join(directory, _encode(other))
            exists = os.path.exists(path)
            lines: List[str] = []
            if exists:
                with open(path) as f:
                    lines = [line.strip() for line in f if line.strip()]
            if artifact_name:
                if artifact_name in lines:
                    return
                lines.append(artifact_name)
            else:
                if exists:
                    return
                lines = [""]
            tmp = self._write_temporary(run_dir, "".join(f"{line}\n" for line in lines))
            try:
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)  # never leave a temporary file behind
                raise
        finally:
            os.close(lock)

    def add_source(self, run_id: str, source_id: str, artifact_name: Optional[str] = None) -> None:
        source_dir = self._run_dir(source_id, "source run id")
        self._add_link_line(self._run_dir(run_id), "sources", source_id, artifact_name or None)
        if os.path.isdir(source_dir):
            self._add_link_line(source_dir, "descendants", run_id, artifact_name or None)

    def sources(self, run_id: str, artifact_name: Optional[str] = None) -> List[TrackerSource]:
        out = []
        for path in self._entries(os.path.join(self._run_dir(run_id), "sources")):
            source = _decode(os.path.basename(path))
            with open(path) as f:
                lines = [line.strip() for line in f if line.strip()]
            if not lines and not artifact_name:
                out.append(TrackerSource(source, None))
            out.extend(TrackerSource(source, a) for a in lines if not artifact_name or a == artifact_name)
        return sorted(out, key=lambda s: s.source_run_id)

    def run_ids(self, parent_run_id: Optional[str] = None) -> List[str]:
        out = []
        for name in os.listdir(self.root):
            if name.startswith(".") or not os.path.isdir(os.path.join(self.root, name)):
                continue
            if parent_run_id and not os.path.exists(
                os.path.join(self.root, name, "sources", _encode(parent_run_id))
            ):
                continue
            try:
                out.append(_decode(name))
            except ValueError:
                continue
        return sorted(out)

    def __repr__(self) -> str:
        return f"<FileTracker: root_path={self.root}>"


def _warn(message: str) -> None:
    print(f"torchx.apps.tracking: warning: {message}", file=sys.stderr)


def trackers_from_environ() -> List[FileTracker]:
    """The trackers named in $TORCHX_TRACKERS that this module knows, built from their configs."""
    names = os.environ.get("TORCHX_TRACKERS", "")
    trackers = []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        if name not in _KNOWN_TRACKERS:
            _warn(f"unknown tracker '{name}' (known here: {', '.join(_KNOWN_TRACKERS)}), skipped")
            continue
        config = os.environ.get(tracker_config_env_var_name(name))
        trackers.append(FileTracker(_root_from_config(name, config)))
    return trackers


class AppRun:
    """The job's run: writes fan out to every backend (TorchX's ``AppRun``)."""

    def __init__(self, id: str, backends: List[FileTracker]) -> None:
        self.id = id
        self.backends = backends

    def job_id(self) -> str:
        return self.id

    def add_metadata(self, **kwargs: object) -> None:
        for backend in self.backends:
            backend.add_metadata(self.id, **kwargs)

    def add_artifact(self, name: str, path: str, metadata: Optional[Mapping[str, object]] = None) -> None:
        for backend in self.backends:
            backend.add_artifact(self.id, name, path, metadata)

    def add_source(self, source_id: str, artifact_name: Optional[str] = None) -> None:
        for backend in self.backends:
            backend.add_source(self.id, source_id, artifact_name)

    def sources(self) -> List[TrackerSource]:
        """The run's sources, from the first backend."""
        return list(self.backends[0].sources(self.id)) if self.backends else []


@functools.lru_cache(maxsize=1)
def app_run_from_env() -> AppRun:
    """The job's AppRun (a singleton). Outside a torchx job: run id ``<UNDEFINED>``, no
    backends, and every ``add_*`` is a no-op. Raises ValueError for a tracker whose config is
    missing or wrong (e.g. its root_path does not exist). A ``$TORCHX_PARENT_RUN_ID`` a tracker
    cannot record (e.g. too long) is skipped with one warning on stderr, so that it does not fail
    the job's own writes."""
    run_id = os.environ.get("TORCHX_JOB_ID") or UNDEFINED_RUN_ID
    trackers = trackers_from_environ() if run_id != UNDEFINED_RUN_ID else []
    parent = os.environ.get("TORCHX_PARENT_RUN_ID")
    if parent and parent != run_id:
        warned = False
        for tracker in trackers:
            try:
                tracker.add_source(run_id, parent, None)
            except (ValueError, OSError) as e:
                if not warned:
                    reason = str(e).replace("\r", "\\r").replace("\n", "\\n")
                    _warn(f"TORCHX_PARENT_RUN_ID not recorded as the run's source: {reason}")
                    warned = True
    return AppRun(run_id, trackers)
