# SPDX-License-Identifier: BSD-3-Clause
"""The kubernetes plugin's YAML (`torchx run -s kubernetes --dryrun` prints it) is byte for byte
what TorchX prints with PyYAML's `yaml.dump`, and reads back as the same value. Drives the C++
printer through the test tool tests/k8s/render_tool.cpp (`yaml` command: JSON in, YAML out)."""

import json
import os
import random
import subprocess

import pytest

import yaml  # python3-yaml (scripts/setup-debian.sh): a missing PyYAML fails, not skips

TOOL = os.path.join(os.environ.get("TORCHX_BUILD_DIR", "build"), "bin", "torchx_k8s_render_tool")
CASES = os.path.join(os.path.dirname(__file__), "..", "k8s", "cases")

TRICKY = [
    "", " ", "  ", "a", "yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~", "<<", "=",
    "0", "-0", "+1", "007", "08", "0b101", "0x1F", "0o17", "1_000", "1:30", "190:20:30", "1.5", "-.5", ".5", "1.",
    "1e3", "1.0e+3", "1e+3", ".inf", "-.Inf", ".NaN", "nan", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "2001-1-1", "12-14", "- x", "-x", "-", "--", "---", "--- x", "...", "a: b", "a:b",
    ":a", ": a", "?", "? a", "?a", "#x", "x #y", "x#y", "[a]", "{a}", "a,b", "a, b", "&a", "*a", "!a", "|", ">",
    "'", '"', "%", "@", "`", "a'b", 'a"b', "a\\b", "two\nlines", "\nlead", "trail\n", "a\n\nb", "a \nb", "a\n b",
    "tab\there", "\t", "caf\u00e9", "\u00a0", "\u2603", "\U0001F600", "\x85", "\u2028", "\ufeff", "\x00", "\x07",
    "\x1b[31m", "\x7f", "${replica_id}", "$${VC_TRAIN_0_HOSTS:=localhost}:29500", "[FIELD_PATH]status.podIP",
    "key: value # comment", "http://x.y/z?a=b#c", "a" * 200, "w " * 100, "w  " * 60 + "end", "x" * 79 + " y",
    ("long-word" * 12 + " ") * 3, "é " * 60, "'" * 90, "a\\" * 50, "\n" * 3, " \n ", "line one\nline two " * 10,
]
ALPHABET = list(" :#-'\"\\\n\t.e_xyn~?[{,!&*%@`|>0123456789aZ") + ["\u00e9", "\u2028", "\x85", "\U0001F600", "  "]


def dump(value, documents=False):
    args = [TOOL, "yaml"] + (["--documents"] if documents else [])
    r = subprocess.run(args, input=json.dumps(value).encode(), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def corpus(n, seed):
    rng = random.Random(seed)
    out = list(TRICKY)
    for _ in range(n):
        out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, rng.choice([4, 20, 120])))))
    return out


def test_strings_as_values_keys_and_list_items_match_pyyaml():
    strings = corpus(3000, seed=17)
    value = {
        "list": strings,
        "map": {s: s for s in strings},
        "nested": [{"k": [s, [s]], "n": i, "b": i % 2 == 0, "z": None} for i, s in enumerate(strings[:300])],
        "empty": {"a": [], "m": {}},
    }
    out = dump(value)
    expected = yaml.dump(value)
    if out != expected:  # show the first line that differs, not 1 MB of text
        for i, (a, b) in enumerate(zip(out.splitlines(), expected.splitlines())):
            assert a == b, f"line {i + 1}"
        assert len(out) == len(expected)
    assert yaml.safe_load(out) == value


def test_each_string_alone_at_the_root_matches_pyyaml():
    strings = TRICKY[:60]
    outs = [dump(s) for s in strings]
    assert outs == [yaml.dump(s) for s in strings]


FLOATS = [0.0, -0.0, 0.5, -2.25, 100.0, 1e15, 1e16, 1.5e16, 1e-4, 1e-5, 2.5e-7, 1e100, 123456.125, 0.1, 3.14]


def random_value(rng, depth):
    kind = rng.randrange(8 if depth < 6 else 5)
    if kind == 0:
        return rng.choice(TRICKY)
    if kind == 1:
        return rng.choice([0, -1, 7, 2**31, -(2**62), 29500])
    if kind == 2:
        return rng.choice(FLOATS)
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
    if kind in (5, 6):
        return {rng.choice(TRICKY + ALPHABET): random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]


def test_random_documents_match_dump_all():
    rng = random.Random(5)
    docs = [random_value(rng, 0) for _ in range(400)]
    assert dump(docs, documents=True) == yaml.dump_all(docs)


def test_documents_match_dump_all():
    docs = [{"apiVersion": "v1", "kind": "Service"}, {"b": [1, {"c": "d"}]}, {}, []]
    assert dump(docs, documents=True) == yaml.dump_all(docs)
    assert list(yaml.safe_load_all(dump(docs, documents=True))) == docs


def render(case, kind, *extra):
    with open(os.path.join(CASES, case + ".json"), "rb") as f:
        app = f.read()
    args = [TOOL, "render", "--kind", kind, "--name", "app-x7k2q9w3b5m1z", "--queue", "default", *extra]
    r = subprocess.run(args, input=app, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


@pytest.mark.parametrize("case", ["ddp-2x2", "full", "minimal", "digit-name"])
@pytest.mark.parametrize("kind", ["volcano", "batch"])
def test_rendered_manifests_read_back_as_the_objects(case, kind):
    text = render(case, kind)
    docs = list(yaml.safe_load_all(text))
    assert docs == json.loads(render(case, kind, "--json"))
    # TorchX prints yaml.dump(resource): the same objects print exactly as we printed them.
    assert yaml.dump_all(docs) == text


def test_not_utf8_is_one_line_not_a_crash():
    r = subprocess.run([TOOL, "yaml"], input=b'"\\ud800"', capture_output=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.decode().count("\n") == 1 and "error:" in r.stderr.decode()
