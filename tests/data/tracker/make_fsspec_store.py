# SPDX-License-Identifier: BSD-3-Clause
"""Writes tests/data/tracker/fsspec_store exactly as Python TorchX's fsspec tracker
(torchx/tracker/backend/fsspec.py, protocol=file) writes it: the same calls (json.dump into a file
opened "w", sources as f"{artifact_name}\\n", b32encode'd run ids), with fixed time_ns names
instead of time.time_ns() so that the fixture is reproducible. fsspec is not needed: with
protocol=file it is os.makedirs + open. Run: python3 make_fsspec_store.py (from this directory).
"""
import json
import os
import shutil
from base64 import b32encode

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fsspec_store")


def enc(run_id: str) -> str:
    return b32encode(run_id.encode("ascii")).decode("utf-8")


def persist(run_id: str, category: str, content: dict, time_ns: int) -> None:
    d = os.path.join(ROOT, enc(run_id), category)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, str(time_ns)), mode="w") as f:
        json.dump(content, f)


def add_metadata(run_id, time_ns, **metadata):
    persist(run_id, "metadata", {"metadata": metadata}, time_ns)


def add_artifact(run_id, time_ns, name, path, metadata=None):
    persist(run_id, "artifacts", {"name": name, "path": path, "metadata": metadata}, time_ns)


def add_source(run_id, source_id, artifact_name=None):
    d = os.path.join(ROOT, enc(run_id), "sources")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, enc(source_id)), mode="w") as f:
        f.write(f"{artifact_name or ''}\n")
    # (the descendants branch of TorchX's add_source never runs: that directory never exists)


TRAIN = "local_cwd://torchx/train-abc"
EVAL = "local_cwd://torchx/eval-def"
REPORT = "slurm://torchx/1234"
OTHER = "local_cwd://torchx/other"

shutil.rmtree(ROOT, ignore_errors=True)
os.makedirs(ROOT)
add_metadata(TRAIN, 1700000000000000001, lr=0.1, epochs=3)
add_metadata(TRAIN, 1700000000000000002, epochs=5, status="done")
add_artifact(TRAIN, 1700000000000000010, "model", "/ckpt/model.pt", {"format": "pt"})
add_artifact(TRAIN, 1700000000000000015, "logs", "/logs/train")
add_artifact(TRAIN, 1700000000000000020, "model", "/ckpt/model-v2.pt")
add_source(EVAL, TRAIN, "model")
add_metadata(EVAL, 1700000000000000100, accuracy=0.93, tags=["a", "b"])
add_source(REPORT, EVAL)
add_source(OTHER, "experiment-42")
add_metadata(OTHER, 1700000000000000200, note="h\u00e9llo \u2713", nested={"k": [1, 2.5, None, True]})
