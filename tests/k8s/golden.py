"""TEST CODE: compare requests that reached the API-server stand-in with what kubectl sends.

The golden files (tests/k8s/kubectl-golden/<op>.json, written by record-kubectl.sh) hold kubectl's
requests for each operation, normalized by normalize(). A plugin test asserts "our client sent what
kubectl sends" with one call:

    from golden import matches
    assert matches(standin.requests(), "create-job") == []

normalize(request) -> dict: a requests.jsonl record reduced to what must agree:
  method; path with the namespace and object name replaced by {namespace} and {name}; query as
  {key: value} with volatile values replaced (resourceVersion other than "" and "0", fieldManager,
  timeouts, sinceSeconds/sinceTime/tailLines, container, the name in fieldSelector, label values in
  labelSelector other than TorchX's managed-by value); content_type; accept; body: null, the whole
  body of a DELETE (DeleteOptions) or a PATCH, else {"apiVersion", "kind", "keys": sorted top-level keys}.
matches(recorded, golden_name, ignore_query=()) -> [difference, ...]: every request the golden file
  marks "main" (the one that does the operation; kubectl's extra requests, such as the GET of a pod
  before its log, are not required) must have been sent, agreeing in everything normalize() keeps,
  except the query keys named in ignore_query. [] means it matches.
Pure functions of their arguments (plus reading the golden file); no thread-safety concerns.
From another language (the plugin's C++ tests): `python3 tests/k8s/golden.py requests.jsonl create-job
[more ops] [--ignore-query limit]` prints the differences and exits 1, or exits 0.
"""
import json, os, re

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kubectl-golden")
PATH_RE = re.compile(r"^(?P<prefix>/(?:api/v1|apis/[^/]+/[^/]+))(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>[^/]+)"
                     r"(?:/(?P<name>[^/]+)(?P<sub>/[^/]+)?)?$")
KEPT_LABEL_VALUES = {"torchx.pytorch.org"}


def is_discovery(request):
    """True for discovery, OpenAPI and /version requests (they depend on kubectl's cache, not the operation)."""
    p = request["path"].rstrip("/")
    return (p in ("/api", "/apis", "/version", "/api/v1") or p.startswith("/openapi")
            or re.fullmatch(r"/apis/[^/]+/[^/]+", p) is not None)


def normalize_path(path):
    m = PATH_RE.match(path)
    if not m:
        return path
    out = m.group("prefix") + ("/namespaces/{namespace}" if m.group("ns") else "") + "/" + m.group("res")
    if m.group("name"):
        out += "/{name}" + (m.group("sub") or "")
    return out


def normalize_label_selector(text):
    def value(v):
        v = v.strip()
        return v if v in KEPT_LABEL_VALUES else "{value}"
    out = []
    for term in re.findall(r"(?:[^,(]|\([^)]*\))+", text):
        m = re.fullmatch(r"\s*([^!=\s]+)\s*(==|!=|=)\s*(.*)", term)
        if m:
            out.append(m.group(1) + m.group(2) + value(m.group(3)))
            continue
        m = re.fullmatch(r"\s*(\S+)\s+(in|notin)\s*\((.*)\)\s*", term)
        if m:
            out.append(f"{m.group(1)} {m.group(2)} (" + ",".join(value(v) for v in m.group(3).split(",")) + ")")
            continue
        out.append(term.strip())
    return ",".join(out)


def normalize_query(query):
    out = {}
    for key, values in sorted(query.items()):
        v = values[-1] if isinstance(values, list) else values
        if key == "resourceVersion" and v not in ("", "0"):
            v = "{resourceVersion}"
        elif key in ("fieldManager",):
            v = "{fieldManager}"
        elif key in ("timeoutSeconds", "sinceSeconds", "tailLines", "limitBytes") and re.fullmatch(r"-?\d+", v):
            v = "{int}"
        elif key in ("timeout", "sinceTime", "container", "continue"):
            v = "{" + key + "}"
        elif key == "fieldSelector":
            v = re.sub(r"(metadata\.name|metadata\.namespace)(==|!=|=)[^,]*", r"\1\2{name}", v)
        elif key == "labelSelector":
            v = normalize_label_selector(v)
        out[key] = v
    return out


def body_shape(body, method):
    if not isinstance(body, dict):
        return body
    if method in ("DELETE", "PATCH") or body.get("kind") == "DeleteOptions":  # DeleteOptions; a patch is the operation
        return body
    return {"apiVersion": body.get("apiVersion"), "kind": body.get("kind"), "keys": sorted(body)}


def normalize(request):
    """A requests.jsonl record (or a golden request, unchanged) -> its normalized dict."""
    return {"method": request["method"], "path": normalize_path(request["path"]),
            "query": normalize_query(request.get("query") or {}), "content_type": request.get("content_type"),
            "accept": request.get("accept"), "body": body_shape(request.get("body"), request["method"])}


def differences(want, got, ignore_query=()):
    """Differences between two normalized requests, as lines."""
    out = []
    for field in ("method", "path", "content_type", "accept", "body"):
        if want.get(field) != got.get(field):
            out.append(f"{field}: kubectl sends {json.dumps(want.get(field))}, got {json.dumps(got.get(field))}")
    wq = {k: v for k, v in want["query"].items() if k not in ignore_query}
    gq = {k: v for k, v in got["query"].items() if k not in ignore_query}
    for k in sorted(set(wq) | set(gq)):
        if wq.get(k) != gq.get(k):
            out.append(f"query {k}: kubectl sends {json.dumps(wq.get(k))}, got {json.dumps(gq.get(k))}"
                       .replace("sends null", "sends no such parameter").replace("got null", "got none"))
    return out


def compare(want_list, got_list):
    """Request-by-request differences between two lists of normalized requests (for the kubectl check)."""
    out = []
    for i in range(max(len(want_list), len(got_list))):
        if i >= len(want_list):
            out.append(f"request {i + 1}: new: {json.dumps(got_list[i])}")
        elif i >= len(got_list):
            out.append(f"request {i + 1}: no longer sent: {json.dumps(want_list[i])}")
        else:
            g = {k: v for k, v in got_list[i].items() if k != "main"}
            out += [f"request {i + 1} ({want_list[i]['method']} {want_list[i]['path']}): {d}"
                    for d in differences(want_list[i], g)]
    return out


def load(golden_name, golden_dir=GOLDEN_DIR):
    path = os.path.join(golden_dir, golden_name + ".json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no golden file '{golden_name}' in {golden_dir}: one of " +
                                ", ".join(sorted(f[:-5] for f in os.listdir(golden_dir) if f.endswith(".json"))))
    with open(path) as f:
        return json.load(f)


def matches(recorded_requests, golden_name, ignore_query=(), golden_dir=GOLDEN_DIR):
    """[] when every main request of the golden file was sent as kubectl sends it; else the differences.

    recorded_requests: requests.jsonl records (dicts), or the path of a requests.jsonl file."""
    if isinstance(recorded_requests, str):
        with open(recorded_requests) as f:
            recorded_requests = [json.loads(line) for line in f if line.strip()]
    got = [normalize(r) for r in recorded_requests if not is_discovery(r)]
    out = []
    for want in load(golden_name, golden_dir)["requests"]:
        if not want.get("main"):
            continue
        same = [g for g in got if g["method"] == want["method"] and g["path"] == want["path"]]
        if not same:
            seen = sorted({f"{g['method']} {g['path']}" for g in got}) or ["nothing"]
            out.append(f"{golden_name}: no {want['method']} {want['path']} request (kubectl sends one); sent: "
                       + ", ".join(seen))
            continue
        best = min((differences(want, g, ignore_query) for g in same), key=len)
        out += [f"{golden_name}: {want['method']} {want['path']}: {d}" for d in best]
    return out


def main(argv):
    """CLI for tests in other languages: golden.py REQUESTS_JSONL OP [OP...] [--ignore-query KEY]...
    Prints each difference and exits 1, or exits 0 when every operation matches; 2 on bad usage."""
    import argparse
    ap = argparse.ArgumentParser(prog="golden.py", description="did the client send what kubectl sends?")
    ap.add_argument("requests", help="the stand-in's requests.jsonl")
    ap.add_argument("ops", nargs="+", help="golden operation names, e.g. create-job")
    ap.add_argument("--ignore-query", action="append", default=[], metavar="KEY")
    a = ap.parse_args(argv)
    try:
        diffs = [d for op in a.ops for d in matches(a.requests, op, tuple(a.ignore_query))]
    except (OSError, ValueError) as e:
        print(f"golden.py: {e}")
        return 2
    for d in diffs:
        print(d)
    return 1 if diffs else 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
