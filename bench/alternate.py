#!/usr/bin/env python3
# hyperfine in alternating batches: runs the same hyperfine command BATCHES times, each with a
# share of the runs, so that a floor and the command measured against it take turns every few
# dozen runs instead of one after the other. On this 2-core VM the speed of a 1 ms command drifts
# by 30-50% over a minute (other builds, the host's frequency); hyperfine's back-to-back runs gave
# the floor one phase of that drift and our command another (bench/README.md, "Floors measured
# alternately"). The times of all batches are merged into one hyperfine-shaped JSON (results[i]:
# command, times, median, mean, min, max), so bench/scale.sh reads it as before, plus the ratio of
# each batch's medians (second command to first) to show the spread.
#
# Usage: bench/alternate.py BATCHES OUT_JSON -- HYPERFINE_ARGS...
#   HYPERFINE_ARGS must hold --runs N (split over the batches, at least 3 each: fewer batches when
#   N is small); --warmup W is
#   kept for every batch; --export-json is added by this script.
import json
import statistics
import subprocess
import sys
import tempfile


def main() -> int:
    if len(sys.argv) < 5 or sys.argv[3] != "--" or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        print("usage: bench/alternate.py BATCHES OUT_JSON -- HYPERFINE_ARGS...", file=sys.stderr)
        return 2
    batches, out = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[4:]
    if "--runs" not in args or args.index("--runs") + 1 >= len(args) or not args[args.index("--runs") + 1].isdigit():
        print("bench/alternate.py: error: the hyperfine arguments need --runs N (as two words)", file=sys.stderr)
        return 2
    at = args.index("--runs")
    runs = int(args[at + 1])
    batches = max(1, min(batches, runs // 3))  # at least 3 runs a batch (hyperfine's own statistics)
    merged = None
    batch_ratios = []
    with tempfile.TemporaryDirectory(prefix="torchx-alternate.") as scratch:
        for i in range(batches):
            # All N runs: the first N % BATCHES batches take one more.
            per_batch = runs // batches + (1 if i < runs % batches else 0)
            batch_args = args[:at] + ["--runs", str(per_batch)] + args[at + 2:]
            path = f"{scratch}/batch-{i}.json"
            done = subprocess.run(["hyperfine", *batch_args, "--export-json", path])
            if done.returncode != 0:
                print(f"bench/alternate.py: error: hyperfine exited {done.returncode} in batch {i + 1}", file=sys.stderr)
                return 1
            with open(path, encoding="utf-8") as f:
                results = json.load(f)["results"]
            if merged is None:
                merged = [{"command": r["command"], "times": []} for r in results]
            for m, r in zip(merged, results):
                m["times"] += r["times"]
            if len(results) >= 2:
                batch_ratios.append(statistics.median(results[1]["times"]) / statistics.median(results[0]["times"]))
    for m in merged:
        t = m["times"]
        m.update(median=statistics.median(t), mean=statistics.mean(t), min=min(t), max=max(t))
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"results": merged, "batches": batches, "batch_ratios": batch_ratios}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
