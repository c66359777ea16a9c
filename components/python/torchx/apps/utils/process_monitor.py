# SPDX-License-Identifier: BSD-3-Clause
"""torchx C++ edition: the app behind `metrics.tensorboard`.

Waits for START_ON_FILE (if given), runs the command after `--`, and stops it when EXIT_ON_FILE
appears or TIMEOUT seconds pass. A command that is not installed is reported by name.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HINTS = {"tensorboard": "metrics.tensorboard needs it: pip install tensorboard (not packaged for Debian 12)"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--start_on_file", default="")
    parser.add_argument("--exit_on_file", default="")
    parser.add_argument("--poll_interval", type=float, default=1.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given after --")
    if shutil.which(command[0]) is None:
        hint = HINTS.get(os.path.basename(command[0]), "install it or fix PATH")
        print(f"process_monitor: error: '{command[0]}' is not installed ({hint})", file=sys.stderr)
        return 127
    deadline = time.monotonic() + args.timeout
    if args.start_on_file:
        print(f"waiting for {args.start_on_file}", flush=True)
        while not os.path.exists(args.start_on_file):
            if time.monotonic() >= deadline:
                print("timeout reached before the start file appeared", flush=True)
                return 0
            time.sleep(args.poll_interval)
    proc = subprocess.Popen(command)
    try:
        while proc.poll() is None:
            if args.exit_on_file and os.path.exists(args.exit_on_file):
                print(f"{args.exit_on_file} exists: stopping {command[0]}", flush=True)
                break
            if time.monotonic() >= deadline:
                print(f"timeout of {args.timeout}s reached: stopping {command[0]}", flush=True)
                break
            time.sleep(args.poll_interval)
        else:
            return proc.returncode
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
