#!/usr/bin/env python3
"""TEST CODE: run the real kubectl against the API-server stand-in, one operation at a time, and record
what it sent (tests/k8s/kubectl-golden/<op>.json), or check that it still sends exactly that.

    python3 tests/k8s/kubectl_ops.py --record [--kubectl PATH]   # what record-kubectl.sh runs
    python3 tests/k8s/kubectl_ops.py --check  [--kubectl PATH]   # the ctest: fails on any drift

Each operation is one kubectl command line (OPS below), run with -v=8; its requests are taken from
the stand-in's requests.jsonl (discovery and OpenAPI requests left out: they depend on kubectl's
cache, and the plugin does not make them), normalized by golden.normalize(). The -v=8 log of each
is kept beside the golden files (evidence/<op>.log) when recording. Without kubectl, --check
prints TORCHX_TEST_SKIPPED and exits 0.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "standin"))
import golden  # noqa: E402
from launch import Standin  # noqa: E402

JOB, VCJOB = "echo-k8sgolden", "trainer-k8sgolden"
MANAGED = "app.kubernetes.io/managed-by=torchx.pytorch.org"

# (name, what it pins, kubectl arguments, None or, for a stream, how long to let it run once its main
# request has been sent before stopping it)
# {m} is the manifests directory, {pod} the first pod of the batch/v1 Job, {vcpod} Volcano's pod.
OPS = [
    ("create-job", "create a batch/v1 Job", ["create", "-f", "{m}/job.yaml"], None),
    ("create-service", "create the headless Service", ["create", "-f", "{m}/service.yaml"], None),
    ("create-vcjob", "create a Volcano Job", ["create", "-f", "{m}/vcjob.yaml"], None),
    ("get-job", "get a batch/v1 Job", ["get", "jobs.batch", JOB, "-o", "json"], None),
    ("get-service", "get a Service", ["get", "service", JOB, "-o", "json"], None),
    ("get-vcjob", "get a Volcano Job", ["get", "jobs.batch.volcano.sh", VCJOB, "-o", "json"], None),
    ("get-pod", "get a pod", ["get", "pod", "{pod}", "-o", "json"], None),
    ("get-job-status", "get a batch/v1 Job's status subresource",
     ["get", "jobs.batch", JOB, "--subresource=status", "-o", "json"], None),
    ("get-vcjob-status", "get a Volcano Job's status subresource (TorchX's describe)",
     ["get", "jobs.batch.volcano.sh", VCJOB, "--subresource=status", "-o", "json"], None),
    ("list-jobs", "list batch/v1 Jobs by TorchX's label", ["get", "jobs.batch", "-l", MANAGED, "-o", "json"], None),
    ("list-vcjobs", "list Volcano Jobs by TorchX's label", ["get", "jobs.batch.volcano.sh", "-l", MANAGED, "-o", "json"],
     None),
    ("list-services", "list Services by TorchX's label", ["get", "services", "-l", MANAGED, "-o", "json"], None),
    ("list-pods", "list an app's pods by label", ["get", "pods", "-l", "app.kubernetes.io/instance=" + JOB, "-o", "json"],
     None),
    ("watch-pod", "watch one pod by name", ["get", "pod", "{pod}", "--watch", "-o", "json"], 1.0),
    ("watch-job", "watch one batch/v1 Job by name", ["get", "jobs.batch", JOB, "--watch", "-o", "json"], 1.0),
    ("watch-vcjob", "watch one Volcano Job by name", ["get", "jobs.batch.volcano.sh", VCJOB, "--watch", "-o", "json"],
     1.0),
    ("logs", "a pod's log", ["logs", "{pod}"], None),
    ("logs-follow", "a pod's log, followed", ["logs", "-f", "{pod}"], 1.0),
    ("logs-since", "a pod's log since 10 s", ["logs", "--since=10s", "{pod}"], None),
    ("logs-timestamps", "a pod's log with timestamps", ["logs", "--timestamps", "{pod}"], None),
    ("logs-container", "one container's log", ["logs", "{vcpod}", "-c", "sidecar"], None),
    ("patch-job-suspend", "suspend a batch/v1 Job (a cancel that keeps it)",
     ["patch", "jobs.batch", JOB, "--type=merge", "-p", '{"spec":{"suspend":true}}'], None),
    ("patch-vcjob-abort", "abort a Volcano Job through its status subresource (newer TorchX's cancel)",
     ["patch", "jobs.batch.volcano.sh", VCJOB, "--subresource=status", "--type=merge", "-p",
      '{"status":{"state":{"phase":"Aborting"}}}'], None),
    ("delete-job", "delete a batch/v1 Job", ["delete", "jobs.batch", JOB], None),
    ("delete-service", "delete a Service", ["delete", "service", JOB], None),
    ("delete-vcjob", "delete a Volcano Job", ["delete", "jobs.batch.volcano.sh", VCJOB], None),
]


def is_main(op, request):
    """Whether a request is the one that does the operation (the rest are kubectl's own extras)."""
    if op.startswith("create"):
        return request["method"] == "POST"
    if op.startswith("delete"):
        return request["method"] == "DELETE"
    if op.startswith("patch"):
        return request["method"] == "PATCH"
    if op.startswith("logs"):
        return request["path"].endswith("/log")
    if op.startswith("watch"):
        return request["query"].get("watch") in ("true", "1")
    return request["method"] == "GET"


def substitute(arg, subs):
    """{m}, {pod}, {vcpod} in an argument (not str.format: patches hold JSON braces)."""
    for key, value in subs.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def kubectl_version(kubectl):
    out = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout)["clientVersion"]["gitVersion"]


def run_ops(kubectl, work, only=None):
    """Run OPS against a fresh stand-in; -> {op: (normalized requests, -v=8 log text, exit code)}."""
    results = {}
    with Standin(os.path.join(work, "standin"), tls=True, token="golden-token", speed=1.0) as s:
        env = {**os.environ, "KUBECONFIG": s.kubeconfig, "HOME": work}
        cache = os.path.join(work, "cache")
        subs = {"m": os.path.join(HERE, "manifests")}
        for name, _, args, stop_after in OPS:
            if name == "get-job":  # the Job's pods exist from here on; name them
                time.sleep(1.0)
                pods = [o["metadata"]["name"] for o in s.json("GET", "/standin/objects")[1] if o["kind"] == "Pod"]
                subs["pod"] = (sorted(p for p in pods if p.startswith(JOB + "-0-")) or [JOB + "-0-missing"])[0]
                subs["vcpod"] = VCJOB + "-trainer-0-0"
            before = len(s.requests())
            argv = [kubectl, "-v=8", "--cache-dir", cache] + [substitute(a, subs) for a in args]
            logf = open(os.path.join(work, name + ".log"), "w+")
            proc = subprocess.Popen(argv, env=env, stdout=logf, stderr=subprocess.STDOUT, text=True)
            if stop_after:  # a stream: stop it once its main request has been answered for a while
                deadline = time.monotonic() + 60
                while proc.poll() is None and time.monotonic() < deadline and not any(
                        is_main(name, golden.normalize(r)) for r in s.requests()[before:]):
                    time.sleep(0.05)
                time.sleep(stop_after)
            try:
                proc.wait(timeout=0.01 if stop_after else 60)
                code = proc.returncode
            except subprocess.TimeoutExpired:
                code = "still running"
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
                code = "stopped"
            logf.seek(0)
            log = logf.read()
            logf.close()
            time.sleep(0.1)
            reqs = [golden.normalize(r) for r in s.requests()[before:] if not golden.is_discovery(r)]
            for r in reqs:
                r["main"] = is_main(name, r)
            results[name] = (reqs, log, code)
    return results


def golden_doc(name, what, args, reqs, version, code):
    return {"operation": what, "kubectl": "kubectl " + " ".join(args), "kubectl_version": version,
            "kubectl_exit": code, "requests": reqs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--kubectl", default=shutil.which("kubectl") or "/usr/bin/kubectl")
    ap.add_argument("--golden-dir", default=os.path.join(HERE, "kubectl-golden"))
    a = ap.parse_args()
    if not os.access(a.kubectl, os.X_OK):
        print(f"TORCHX_TEST_SKIPPED: no kubectl at {a.kubectl}")
        return 0 if a.check else 1
    version = kubectl_version(a.kubectl)
    with tempfile.TemporaryDirectory(prefix="kubectl-ops-") as work:
        results = run_ops(a.kubectl, work)
    failures = []
    for name, what, args, _ in OPS:
        reqs, log, code = results[name]
        if a.record:
            os.makedirs(os.path.join(a.golden_dir, "evidence"), exist_ok=True)
            with open(os.path.join(a.golden_dir, name + ".json"), "w") as f:
                json.dump(golden_doc(name, what, args, reqs, version, code), f, indent=2, sort_keys=False)
                f.write("\n")
            with open(os.path.join(a.golden_dir, "evidence", name + ".log"), "w") as f:
                f.write(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", log))
            print(f"recorded {name}: {len(reqs)} request(s), kubectl exit {code}")
            continue
        path = os.path.join(a.golden_dir, name + ".json")
        if not os.path.exists(path):
            failures.append(f"{name}: no golden file {path} (run tests/k8s/record-kubectl.sh)")
            continue
        want = json.load(open(path))
        if want["requests"] != reqs or str(want["kubectl_exit"]) != str(code):
            failures.append(f"{name}: kubectl {version} now sends something else than {path} records:\n"
                            + "\n".join("  " + d for d in golden.compare(want["requests"], reqs))
                            + (f"\n  kubectl exit: golden {want['kubectl_exit']}, now {code}"
                               if str(want["kubectl_exit"]) != str(code) else "")
                            + "\n  kubectl -v=8 output (tail):\n" + "\n".join("    " + l for l in log.splitlines()[-15:]))
    for f in failures:
        print(f)
    if a.check:
        print(f"{len(OPS) - len(failures)} of {len(OPS)} kubectl operations send what the golden files record")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
