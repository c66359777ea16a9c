#!/usr/bin/env bash
# The site named-resources example: its presets are listed with their source and resolve `-h`.
# Usage: test-site-resources.sh TORCHX SITE_PLUGIN_DIR TEST_PLUGIN_DIR WORK
source "$(dirname "$0")/lib.sh"
torchx=$1 site=$2 test_plugins=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
hermetic_env "$work"
export TORCHX_PLUGIN_PATH=$site:$test_plugins
listing=$("$torchx" resources 2>&1)
expect_contains "$listing" "site.a100x8" "torchx resources lists the site presets"
line=$(grep '^site.a100x8 ' <<<"$listing")
expect_contains "$line" "96" "site.a100x8 has 96 cpus"
expect_contains "$line" "site_resources" "site.a100x8's source is the plugin"
dry=$("$torchx" run -s test_sched --dryrun --json dist.ddp -h site.a100x8 -j 1x8 --script train.py 2>&1)
expect_contains "$dry" '"cpu":96' "-h site.a100x8 gives the role 96 cpus"
expect_contains "$dry" '"gpu":8' "-h site.a100x8 gives the role 8 gpus"
expect_contains "$dry" '"vpc.amazonaws.com/efa":4' "-h site.a100x8 gives the role its devices"
out=$("$torchx" run -s test_sched --dryrun dist.ddp -h site.a100 -j 1x8 --script train.py 2>&1) && fail "a typo was accepted: $out"
expect_contains "$out" "did you mean 'site.a100x8'" "a typo in a preset name suggests the right one"
echo PASS
