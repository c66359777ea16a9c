#!/usr/bin/env python3
# Checks that a program or plugin linked with an order file (cmake/TorchxBuild.cmake,
# torchx_link_order) has the functions that file names packed side by side: the smallest stretch
# of code holding 80% of them may be at most a quarter bigger than they are, plus 16 KiB. Linked
# in order they fill ~2% more than their size; without it the same functions lie scattered (for
# bin/torchx ~2.6 MiB for ~0.9 MiB of them, for the local plugin 1.4 times their size) and the
# check fails. It also fails when fewer than half
# of the names are found: the file is stale (scripts/link-order.py writes it again).
#
# Usage: check_link_order.py BINARY ORDER_FILE [--unplaceable ARCHIVE]...
# --unplaceable: functions this archive defines are left out of the check: a fully static program
# (the local supervisor) runs the C library's functions, which libc.a does not give a section each,
# so no order file can place them (~40% of what the supervisor runs).
import subprocess
import sys

SHARE = 0.8
SLACK = 16 * 1024


def main() -> int:
    args = sys.argv[1:]
    unplaceable = []
    while len(args) > 2 and args[-2] == "--unplaceable":
        unplaceable.append(args[-1])
        args = args[:-2]
    if len(args) != 2 or any(a.startswith("--") for a in args):
        print("usage: check_link_order.py BINARY ORDER_FILE [--unplaceable ARCHIVE]...", file=sys.stderr)
        return 2
    binary, order_file = args
    names = set()
    with open(order_file, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            for prefix in (".text.startup.", ".text."):
                if line.startswith(prefix):
                    names.add(line[len(prefix):])
                    break
    for archive in unplaceable:
        defined = subprocess.run(["nm", "--defined-only", archive], capture_output=True, text=True, check=True)
        names -= {parts[2] for parts in (line.split() for line in defined.stdout.splitlines()) if len(parts) == 3}
    nm = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True)
    functions = {}
    for line in nm.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "TtWw" and parts[3] in names:
            functions[int(parts[0], 16)] = int(parts[1], 16)
    if not names:
        print(f"check_link_order: {order_file} names no function", file=sys.stderr)
        return 1
    # Each function has two names in the file at most (C1/C2 aliases): compare with the functions.
    listed = len({n.replace("C1E", "C2E").replace("D1E", "D2E") for n in names})
    if len(functions) * 2 < listed:
        print(f"check_link_order: only {len(functions)} of {listed} functions of {order_file} are in {binary}: "
              "the file is stale (scripts/link-order.py)", file=sys.stderr)
        return 1
    starts = sorted(functions)
    need = max(1, int(len(starts) * SHARE))
    best = None
    total = 0
    lo = 0
    for hi in range(len(starts)):
        total += functions[starts[hi]]
        if hi - lo + 1 > need:
            total -= functions[starts[lo]]
            lo += 1
        if hi - lo + 1 == need:
            span = starts[hi] + functions[starts[hi]] - starts[lo]
            if best is None or span < best[0]:
                best = (span, total)
    span, size = best
    print(f"check_link_order: {binary}: {need} of {len(starts)} ordered functions ({size} bytes) "
          f"within {span} bytes (limit {size + size // 4 + SLACK})")
    if span > size + size // 4 + SLACK:
        print("check_link_order: the functions are scattered: was the link order applied?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
