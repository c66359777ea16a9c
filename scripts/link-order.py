#!/usr/bin/env python3
# Writes cmake/link-order/<target>.txt: the functions the common commands run, in the order
# callgrind first names them (close to the order they first run), for the linker to place side by side (cmake/TorchxBuild.cmake, torchx_link_order;
# bench/README.md "Hot code packed by link order"). A short command touches a few hundred
# functions spread over megabytes of code; each 4 KiB page of it it touches costs a page fault
# (the kernel maps 64 KiB around it), so packing them saves faults on every command.
#
# Usage: scripts/link-order.py [BUILD_DIR] [OUT_DIR]   (defaults: build, cmake/link-order)
# Needs valgrind (callgrind) and a Release build configured with TORCHX_LINK_ORDER (the objects
# compiled with -ffunction-sections, so that each function has a section of its own to place).
# Runs each command once under callgrind in a scratch state directory (local_cwd apps, the
# discovery cache), then keeps, per program or plugin, the functions that ran. The Slurm commands
# run when `sbatch` reaches a cluster (tests/slurm/start-local-slurm.sh), else only the dryrun.
# The file is an input of the link, not of correctness: a stale file only packs less (names that
# are gone are ignored by the linker), and tests/support/check_link_order.py says when the packing
# fell apart. Regenerate it when the commands' paths change much (new verbs, a new parser).
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The programs and plugins that get an order file, by the file name the build gives them.
TARGETS = {
    "bin/torchx": "torchx",
    "lib/torchx/libexec/torchx-local-supervisor": "torchx-local-supervisor",
    "lib/torchx/plugins/libtorchx_plugin_local.so": "torchx_local",
    "lib/torchx/plugins/libtorchx_plugin_builtins.so": "torchx_builtins",
    "lib/torchx/plugins/libtorchx_plugin_slurm.so": "torchx_slurm",
}

HEADER = """# Link order of {target}: the functions the common commands ran, in first-run order, as input
# section names for the linker (gold --section-ordering-file). Written by scripts/link-order.py;
# do not edit by hand. Stale names are ignored; tests/support/check_link_order.py guards the result.
"""

OBJ_RE = re.compile(r"^(c?)ob=\((\d+)\)(?: (.*))?$")
FN_RE = re.compile(r"^(c?)fn=\((\d+)\)(?: (.*))?$")


def die(message: str) -> None:
    print(f"link-order.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def functions_by_object(profile: Path, wanted: dict[str, str], found: dict[str, list[str]]) -> None:
    """Adds, per wanted object, the functions of one callgrind file that ran, in first-seen order."""
    objects: dict[str, str] = {}
    names: dict[str, str] = {}
    current = None
    callee_object = None
    seen = {target: set(found[target]) for target in found}
    with profile.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            m = OBJ_RE.match(line)
            if m:
                is_callee, ident, name = m.groups()
                if name is not None:
                    objects[ident] = name
                if is_callee:
                    callee_object = objects.get(ident)
                else:
                    current, callee_object = objects.get(ident), None
                continue
            m = FN_RE.match(line)
            if not m:
                continue
            is_callee, ident, name = m.groups()
            if name is not None:
                names[ident] = name
            obj = (callee_object or current) if is_callee else current
            if is_callee:
                callee_object = None
            target = wanted.get(obj or "")
            fn = function_name(names.get(ident) or "")
            if target and fn and fn not in seen[target]:
                seen[target].add(fn)
                found[target].append(fn)


def function_name(name: str) -> str | None:
    """The symbol of a callgrind function name, or None for what is no symbol: callgrind marks
    recursion levels with 'N ("f'2") and names code without a symbol "0x..." or "(below main)"."""
    name = re.sub(r"'\d+$", "", name)
    if not name or name.startswith(("(", "0x")):
        return None
    return name


def sections(fn: str) -> list[str]:
    """The input sections GCC gives a function with -ffunction-sections. A complete-object
    constructor or destructor (C1/D1) is an alias of the base one (C2/D2), whose section it is;
    the cold part of f, "f.cold", is in .text.unlikely.f."""
    if fn.endswith(".cold"):
        return [f".text.unlikely.{fn[:-len('.cold')]}"]
    base = re.sub(r"([CD])1([EI])", r"\g<1>2\2", fn)
    out = []
    for name in dict.fromkeys([fn, base]):
        out += [f".text.{name}", f".text.startup.{name}"]
    return out


def main() -> int:
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build").resolve()
    out_dir = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "cmake/link-order")
    torchx = build / "bin/torchx"
    if not torchx.is_file():
        die(f"no {torchx}: build first (scripts/build.sh {build})")
    if shutil.which("valgrind") is None:
        die("valgrind is not installed (apt-get install valgrind)")
    wanted = {str(build / rel): target for rel, target in TARGETS.items()}
    found: dict[str, list[str]] = {target: [] for target in TARGETS.values()}

    with tempfile.TemporaryDirectory(prefix="torchx-link-order.") as scratch:
        # The user's own settings (TORCHXCONFIG, TORCHX_PLUGIN_PATH, trackers...) are left out:
        # the order is of the product's paths.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHX")}
        env.update(LOGLEVEL="ERROR", TORCHX_LOCAL_DIR=f"{scratch}/apps", XDG_CACHE_HOME=f"{scratch}/cache",
                   HOME=scratch)
        def plain(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([str(torchx), *args], env=env, cwd=scratch, capture_output=True, text=True)
        first = plain("run", "-s", "local_cwd", "utils.echo")
        if first.returncode != 0:
            die(f"torchx run -s local_cwd utils.echo failed: {first.stderr.strip()}")
        handle = first.stdout.strip().splitlines()[0]
        plain("--help")  # the discovery cache, as users have it after their first command
        slurm = shutil.which("sbatch") is not None and subprocess.run(
            ["sinfo", "-h"], capture_output=True).returncode == 0
        commands = [
            ["--version"], ["--help"], ["status", handle], ["describe", handle], ["log", handle],
            ["list", "-s", "local_cwd"], ["run", "-s", "local_cwd", "utils.echo"],
            ["run", "--dryrun", "-s", "local_cwd", "dist.ddp", "-j", "2x2", "--script", "train.py"],
            ["run", "--dryrun", "-s", "slurm", "utils.echo"], ["plugins"], ["builtins"], ["run", "--help"],
        ]
        if slurm:
            commands.append(["run", "-s", "slurm", "--detach", "utils.echo"])
        else:
            print("link-order.py: no Slurm cluster answers sinfo: the Slurm submit is left out", file=sys.stderr)
        for i, args in enumerate(commands):
            profile = f"{scratch}/cg.{i}.%p"
            done = subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--trace-children=yes",
                                   "--trace-children-skip=*sbatch,*squeue,*sinfo,*scancel,*echo,*python*",
                                   f"--callgrind-out-file={profile}", str(torchx), *args],
                                  env=env, cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if done.returncode != 0:
                print(f"link-order.py: warning: torchx {' '.join(args)} exited {done.returncode} under callgrind: "
                      "its functions up to there are kept", file=sys.stderr)
        profiles = sorted(Path(scratch).glob("cg.*"), key=lambda p: [int(x) for x in p.name.split(".")[1:]])
        if not profiles:
            die("callgrind wrote no profile")
        for profile in profiles:
            functions_by_object(profile, wanted, found)

    out_dir.mkdir(parents=True, exist_ok=True)
    for target, fns in found.items():
        if not fns:
            print(f"link-order.py: {target}: no function ran; its file is left as it was", file=sys.stderr)
            continue
        # First the static constructors of archives built without a section per function
        # (yaml-cpp's, Program_options'): each object's are one ".text.startup" section, and every
        # command runs them all before main.
        lines = [".text.startup"] + [line for fn in fns for line in sections(fn)]
        (out_dir / f"{target}.txt").write_text(HEADER.format(target=target) + "\n".join(lines) + "\n")
        print(f"link-order.py: {out_dir / (target + '.txt')}: {len(fns)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
