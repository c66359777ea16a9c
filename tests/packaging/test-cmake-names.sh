#!/usr/bin/env bash
# torchx_add_plugin() writes a valid manifest whatever the description holds, and refuses a name
# that would break file names or JSON. Usage: test-cmake-names.sh CMAKE TORCHX_PLUGIN_CMAKE WORK
source "$(dirname "$0")/lib.sh"
cmake=$1 module=$2 work=$3
src=$(dirname "$0")/cmake-names
rm -rf "$work" && mkdir -p "$work"
"$cmake" -S "$src" -B "$work/ok" -DTORCHX_PLUGIN_CMAKE="$module" >"$work/ok.log" 2>&1 || { cat "$work/ok.log"; fail "configure failed"; }
manifest=$work/ok/share/torchx/plugins.d/fine_name.json
description=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plugin"]["description"])' "$manifest") ||
  fail "the manifest is not valid JSON: $(cat "$manifest")"
[[ $description == 'Our "fast" cluster: C:\queue\new, tab'$'\t''here' ]] || fail "description changed: [$description]"
echo "ok: quotes, backslashes and a tab in DESCRIPTION survive as JSON"
if "$cmake" -S "$src" -B "$work/bad" -DTORCHX_PLUGIN_CMAKE="$module" '-DBAD_NAME=bad"name' >"$work/bad.log" 2>&1; then
  fail "a name with a quote was accepted"
fi
expect_contains "$(cat "$work/bad.log")" "is not a valid name or version" "a name with a quote is refused at configure time"
echo PASS
