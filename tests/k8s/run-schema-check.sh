#!/usr/bin/env bash
# The schema check (tests/k8s/CMakeLists.txt): renders every AppDef in cases/ for both job kinds
# with the test tool, validates the YAML with validate.mjs (all documents must pass), shows that
# the bad AppDefs (cases/bad-*.json) are refused with one line, and that every broken manifest in
# broken/ fails validation with the problem its first line names (`# expect: TEXT`). The valid
# documents are also checked with an unknown field added at each object (validate.mjs --mutate).
# Usage: run-schema-check.sh RENDER_TOOL CHECK_DIR (setup-schema-check.sh's DIR) WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$1 check_dir=$2 work=$3
crd="$here/schemas/batch.volcano.sh_jobs.yaml"
rm -rf "$work" && mkdir -p "$work"
fail=0
rendered=()
for case in "$here"/cases/*.json; do
  name=$(basename "$case" .json)
  for kind in volcano batch; do
    out="$work/$name-$kind.yaml"
    if [[ $name == bad-* ]]; then
      if "$tool" render --kind "$kind" --name "app-$name" --queue default <"$case" >"$out" 2>"$out.err"; then
        echo "FAIL $name ($kind): rendered, expected it to be refused"; fail=1
      elif [ "$(wc -l <"$out.err")" -ne 1 ] || ! grep -q 'error: role ' "$out.err"; then
        echo "FAIL $name ($kind): expected one 'error: role ...' line, got:"; cat "$out.err"; fail=1
      else
        echo "refused $name ($kind): $(cat "$out.err")"
      fi
      continue
    fi
    appname=$(printf '%s' "$name" | tr -cd 'a-z0-9-')-x7k2q9w3b5m1z
    [ "$name" = digit-name ] && appname=123-x7k2q9w3b5m1z
    if ! "$tool" render --kind "$kind" --name "$appname" --namespace team-a --queue default \
      --service-account trainer --priority-class high <"$case" >"$out" 2>"$out.err"; then
      echo "FAIL $name ($kind): not rendered: $(cat "$out.err")"; fail=1
      continue
    fi
    rendered+=("$out")
  done
done
docs=$(cat "${rendered[@]}" | grep -c '^apiVersion:' || true)
# Every document valid, and in each an unknown field refused at every object but maps (--mutate).
if ! node "$check_dir/validate.mjs" --crd "$crd" --mutate "${rendered[@]}" >"$work/valid.log" 2>&1; then
  echo "FAIL: rendered manifests do not validate:"; cat "$work/valid.log"; fail=1
else
  ok=$(grep -c '^OK ' "$work/valid.log" || true)
  cat "$work/valid.log"
  if [ "$ok" -ne "$docs" ]; then echo "FAIL: $ok documents passed, $docs rendered"; fail=1; fi
fi
# Each broken manifest fails, saying what its first line expects.
broken=("$here"/broken/*.yaml)
if ! node "$check_dir/validate.mjs" --crd "$crd" --expect-fail "${broken[@]}" >"$work/broken.log" 2>&1; then fail=1; fi
cat "$work/broken.log"
if [ "$(grep -c '^REJECTED ' "$work/broken.log" || true)" -ne ${#broken[@]} ]; then
  echo "FAIL: not every broken manifest was rejected as expected"; fail=1
fi
[ $fail -eq 0 ] && echo "schema check: ${#rendered[@]} files, $docs documents valid; bad AppDefs refused; ${#broken[@]} broken manifests rejected"
exit $fail
