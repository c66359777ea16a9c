# SPDX-License-Identifier: BSD-3-Clause
"""torchx C++ edition: the app behind `utils.booth`.

Evaluates the Booth function f(x1, x2) = (x1 + 2*x2 - 7)^2 + (2*x1 + x2 - 5)^2 and writes
{"booth_eval": f} to TRACKER_BASE/TRIAL_IDX, as TorchX's FsspecResultTracker does.
"""
import argparse
import json
import os
import sys


def booth(x1: float, x2: float) -> float:
    return (x1 + 2 * x2 - 7) ** 2 + (2 * x1 + x2 - 5) ** 2


def local_path(url: str) -> str:
    if url.startswith("file://"):
        return url[len("file://"):]
    if "://" in url:
        sys.exit(f"booth_main: error: '{url}' is not a local path (only local paths and file:// URLs are supported)")
    return url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--x1", type=float, required=True)
    parser.add_argument("--x2", type=float, required=True)
    parser.add_argument("--trial_idx", type=int, default=0)
    parser.add_argument("--tracker_base", default="/tmp/torchx-util-booth")
    args = parser.parse_args(argv)
    value = booth(args.x1, args.x2)
    base = local_path(args.tracker_base)
    os.makedirs(base, exist_ok=True)
    path = os.path.join(base, str(args.trial_idx))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"booth_eval": value}, f, indent=2)
    os.replace(tmp, path)
    print(f"booth({args.x1}, {args.x2}) = {value}; written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
