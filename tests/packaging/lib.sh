# Helpers of the packaging and consumer tests (bash). Each assertion prints what it checked;
# the first failure prints what was expected and what came, and exits 1.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_contains TEXT NEEDLE WHAT
expect_contains() {
  [[ $1 == *"$2"* ]] || fail "$3: expected to find '$2' in:"$'\n'"$1"
  echo "ok: $3"
}

# expect_not_contains TEXT NEEDLE WHAT
expect_not_contains() {
  [[ $1 != *"$2"* ]] || fail "$3: did not expect '$2' in:"$'\n'"$1"
  echo "ok: $3"
}

# expect_file PATH...
expect_file() {
  local f
  for f in "$@"; do [[ -f $f ]] || fail "missing file $f"; done
  echo "ok: $# files present"
}

# run_job TORCHX SCHEDULER: runs utils.echo with a hostile message and waits; prints its log.
# Checks the message came back byte for byte and the app SUCCEEDED.
run_echo_job() {
  local torchx=$1 scheduler=$2 msg='hello; $(rm -rf /) `id` && | > "quoted" '\''single'\'''
  local out handle status
  out=$("$torchx" run -s "$scheduler" --wait --log utils.echo --msg "$msg" 2>&1) || fail "run -s $scheduler failed: $out"
  expect_contains "$out" "$msg" "the $scheduler job printed the message unchanged"
  handle=$(grep -o "^$scheduler://[^ ]*" <<<"$out" | head -n1)
  [[ -n $handle ]] || fail "no app handle in: $out"
  status=$("$torchx" status "$handle" 2>&1) || fail "status $handle: $status"
  expect_contains "$status" "State: SUCCEEDED" "the $scheduler job SUCCEEDED"
}

# run_python_component TORCHX: runs the concepts page's component file with the installed
# Python package (the python3 on PATH evaluates it) and checks its AppDef.
run_python_component() {
  local torchx=$1 out
  printf '%s\n' 'import torchx.specs as specs' '' \
    'def ddp(name: str, nnodes: int, image: str, entrypoint: str, *args: str) -> specs.AppDef:' \
    '    return specs.AppDef(name=name, roles=[specs.Role(name="trainer", entrypoint=entrypoint, image=image,' \
    '        resource=specs.Resource(cpu=4, gpu=1, memMB=1024), args=list(args), num_replicas=nnodes)])' \
    >my_component.py
  out=$("$torchx" run --dryrun --json -s local_cwd my_component.py:ddp --name demo --nnodes 2 --image /tmp \
    --entrypoint echo hello world 2>&1) || fail "run my_component.py:ddp failed: $out"
  expect_contains "$out" '"args":["hello","world"]' "a Python component file runs with the installed package"
}

# A hermetic environment: no user or system plugin directories of this machine, no site policy,
# none of its TORCHX_* or XDG_* settings (every one is unset, whatever its name), a fresh state dir.
hermetic_env() {
  local root=$1 name
  mkdir -p "$root/home" "$root/xdg-empty"
  for name in $(compgen -e); do
    case $name in TORCHX_* | XDG_*) unset "$name" ;; esac
  done
  unset TORCHXCONFIG LOGLEVEL
  export HOME=$root/home XDG_DATA_HOME=$root/home/.local/share XDG_STATE_HOME=$root/home/.local/state
  export XDG_CONFIG_HOME=$root/home/.config XDG_DATA_DIRS=$root/xdg-empty TORCHX_LOCAL_DIR=$root/local-apps
  export TORCHX_PLUGIN_POLICY=  # not this machine's /etc/torchx/plugins.conf
  cd "$root"
}

# run_python_runner PREFIX: the prefix's Python package (lib/python3/dist-packages) loads the
# prefix's libtorchx_runtime.so (torchx/_native_path.py), which finds the prefix's bundled plugins
# from its own file (dladdr), not from the interpreter; a local job runs through torchx.runner.
run_python_runner() {
  local prefix=$1 out
  expect_file "$prefix/lib/python3/dist-packages/torchx/runner/api.py" "$prefix/lib/libtorchx_runtime.so" \
    "$prefix/include/torchx/runner_c.h"
  out=$(PYTHONPATH=$prefix/lib/python3/dist-packages /usr/bin/python3 -c '
from torchx import _native
from torchx.runner import get_runner
print(_native.library_path())
with get_runner() as runner:
    h = runner.run_component("utils.echo", ["--msg", "from python"], scheduler="local_cwd")
    print(runner.wait(h, wait_interval=0.1).state.name, "".join(runner.log_lines(h, "echo")).strip())
' 2>&1) || fail "torchx.runner over $prefix: $out"
  expect_contains "$out" "$prefix/lib/libtorchx_runtime.so" "the package loads the library of its own prefix"
  expect_contains "$out" "SUCCEEDED from python" "torchx.runner runs a job over the prefix's plugins"
}
