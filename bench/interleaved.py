#!/usr/bin/env python3
# Interleaved A/B timing: runs each command once per round, in turn (the order reversed every
# other round), so that a change of load on a shared machine falls on every command alike; then
# prints, per command, the median, the first quartile, the minimum and the mean of the fastest
# quarter, and each median as a ratio to the first command's (the floor). hyperfine runs one
# command's runs back to back, which on a machine whose load swings (other builds) can favour
# whichever command ran in a quiet minute.
#
# Usage: bench/interleaved.py ROUNDS NAME=COMMAND...   (COMMAND split on spaces, no shell)
# Every command must exit 0 (a failure stops the run with its name and exit status).
# Example (bench/README.md, "local_cwd run after a static supervisor"):
#   TORCHX_LOCAL_DIR=$(mktemp -d) LOGLEVEL=ERROR bench/interleaved.py 300 \
#     "floor=build/bench/floors/torchx_launch_floor build/bench/floors/torchx_launch_floor_helper hello world" \
#     "before=/tmp/before/bin/torchx run -s local_cwd utils.echo" "after=build/bin/torchx run -s local_cwd utils.echo"
import statistics
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        print("usage: bench/interleaved.py ROUNDS NAME=COMMAND...", file=sys.stderr)
        return 2
    rounds = int(sys.argv[1])
    commands = []
    for spec in sys.argv[2:]:
        name, eq, command = spec.partition("=")
        if not eq or not name or not command.split():
            print(f"bench/interleaved.py: error: '{spec}' is not NAME=COMMAND", file=sys.stderr)
            return 2
        commands.append((name, command.split()))
    times = {name: [] for name, _ in commands}
    for i in range(rounds):
        for name, argv in commands if i % 2 == 0 else list(reversed(commands)):
            start = time.perf_counter()
            rc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            times[name].append(time.perf_counter() - start)
            if rc != 0:
                print(f"bench/interleaved.py: error: '{name}' exited {rc}", file=sys.stderr)
                return 1
    floor = statistics.median(times[commands[0][0]])
    print(f"{'command':<10} {'median':>9} {'p25':>9} {'min':>9} {'fastest 1/4':>12} {'ratio':>7}")
    for name, _ in commands:
        t = sorted(times[name])
        quarter = t[: max(1, len(t) // 4)]
        med = statistics.median(t)
        print(f"{name:<10} {med * 1e3:7.2f}ms {t[len(t) // 4] * 1e3:7.2f}ms {t[0] * 1e3:7.2f}ms "
              f"{statistics.mean(quarter) * 1e3:10.2f}ms {med / floor:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
