#!/usr/bin/env python3
"""TEST CODE: a stand-in for the Kubernetes API server (no cluster can run on these machines).

Serves what kubectl 1.32 and the torchx kubernetes plugin need, pinned to what kubectl really sends
(tests/k8s/kubectl-golden, tests/k8s/record-kubectl.sh): discovery (aggregated and plain), OpenAPI v3
stubs that advertise fieldValidation, create/get/list/watch/delete of batch/v1 Jobs, v1 Services, v1 Pods
(+ pods/log) and Volcano batch.volcano.sh/v1alpha1 Jobs, with the real server's Status errors
(404/409/422/400/401/403). A small simulation runs the controllers: Jobs create pods, pods go
Pending -> Running -> Succeeded/Failed, Job status follows. Python 3.11 stdlib only.

    python3 standin.py --dir DIR [--tls] [--token TOKEN] [--no-volcano] [--client-ca] [--speed F]

DIR receives: ca.crt/ca.key, server.crt/server.key (and client.crt/client.key with --client-ca),
kubeconfig, requests.jsonl (one JSON object per API request) and, last, `port` when ready.
Pod simulation (container env): STANDIN_EXIT_CODE=N, STANDIN_RUN_SECONDS=S, STANDIN_LOG_LINES=N,
STANDIN_PENDING_SECONDS=S.
Control endpoints (no auth, not logged): see README.md beside this file.
What it knows of the API (resources, discovery, selectors, validation) is in api_model.py.
It is not a Kubernetes server: no admission, no RBAC, no PATCH/PUT beyond what tests need.
"""
import argparse, copy, datetime, http.server, json, os, random, re, shlex, signal, ssl, string, subprocess
import sys, threading, time, urllib.parse, uuid

from api_model import (RESOURCES, SelectorError, aggregated, api_resource_list, field_errors, field_match, group_prefix,
                       groups, label_match, openapi_v3_group, openapi_v3_root, parse_field_selector, parse_label_selector,
                       served, unknown_fields)
import api_model

ARGS = None
LOCK = threading.Condition()
STATE = {}  # reset by reset_state()
DEFAULT_PENDING_S, DEFAULT_RUN_S = 0.5, 1.0
USER = "standin-user"

# ---------------------------------------------------------------- state
def now():
    return time.time()


def rfc3339(t, nano=False):
    dt = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    if nano:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}000Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", text or "")
    if not m:
        return None
    dt = datetime.datetime.fromisoformat(m.group(1) + (m.group(3) if m.group(3) != "Z" else "+00:00"))
    return dt.timestamp() + (float("0" + m.group(2)) if m.group(2) else 0.0)


def reset_state():
    with LOCK:
        STATE.clear()
        STATE.update(objects={}, sim={}, events=[], rv=1000, ip=10, holds=set())
        LOCK.notify_all()


def rand5():
    return "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))


def put(gvr, obj, etype):
    """Store (or remove, for DELETED) an object and record the watch event. Caller holds LOCK."""
    STATE["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(STATE["rv"])
    key = (gvr, obj["metadata"]["namespace"], obj["metadata"]["name"])
    if etype == "DELETED":
        STATE["objects"].pop(key, None)
    else:
        STATE["objects"][key] = obj
    STATE["events"].append((STATE["rv"], etype, gvr, copy.deepcopy(obj)))
    del STATE["events"][:-20000]
    LOCK.notify_all()


def objects_of(gvr, ns=None):
    return [o for (g, n, _), o in sorted(STATE["objects"].items(), key=lambda kv: kv[0][1:]) if g == gvr and ns in (None, n)]


def with_kind(gvr, obj):
    out = copy.deepcopy(obj)
    return {"apiVersion": group_prefix(gvr), "kind": RESOURCES[gvr][0], **out}


# ---------------------------------------------------------------- the simulation (controllers and kubelet)
def container_plan(c):
    env = {e.get("name"): str(e.get("value", "")) for e in c.get("env") or [] if isinstance(e, dict)}

    def num(key, default, conv):
        try:
            return conv(env[key])
        except (KeyError, ValueError):
            return default
    return {"exit": num("STANDIN_EXIT_CODE", 0, int), "run": num("STANDIN_RUN_SECONDS", DEFAULT_RUN_S, float),
            "pending": num("STANDIN_PENDING_SECONDS", DEFAULT_PENDING_S, float),
            "lines": max(0, min(num("STANDIN_LOG_LINES", 0, int), 100000))}


def make_pod(ns, name, template, labels, annotations, owner, extra_env=None, hostname=None, subdomain=None):
    t = copy.deepcopy(template or {})
    meta = t.get("metadata") or {}
    spec = t.get("spec") or {}
    for c in spec.get("containers") or []:
        if extra_env:
            c["env"] = (c.get("env") or []) + extra_env
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    pod = {"metadata": {"name": name, "namespace": ns, "labels": {**(meta.get("labels") or {}), **labels},
                        "annotations": {**(meta.get("annotations") or {}), **annotations}, "ownerReferences": [owner]},
           "spec": spec}
    return create_object(("", "v1", "pods"), ns, pod)


def create_object(gvr, ns, obj):
    """Assign server-side metadata, store, start the controllers. Caller holds LOCK."""
    meta = obj.setdefault("metadata", {})
    meta.update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=rfc3339(now()))
    meta.pop("resourceVersion", None)
    if gvr[2] != "pods" and gvr[2] != "services":
        meta["generation"] = 1
    obj.pop("apiVersion", None)
    obj.pop("kind", None)
    spec = obj.setdefault("spec", {})
    if gvr[2] == "pods":
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("schedulerName", "default-scheduler")
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        plans = [container_plan(c) for c in spec.get("containers") or []]
        STATE["sim"][meta["uid"]] = {"created": now(), "plans": plans, "phase": "Pending", "ends": None}
    elif gvr[2] == "services":
        if spec.get("clusterIP") != "None":
            STATE["ip"] += 1
            spec["clusterIP"] = f"10.96.0.{STATE['ip'] % 250 + 2}"
        spec["clusterIPs"] = [spec["clusterIP"]]
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        obj["status"] = {"loadBalancer": {}}
    elif gvr[0] == "batch":
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("completions", spec.get("parallelism", 1))
        spec.setdefault("parallelism", spec["completions"])
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": meta["uid"]}}
        tl = spec["template"].setdefault("metadata", {}).setdefault("labels", {})
        tl.update({"batch.kubernetes.io/controller-uid": meta["uid"], "batch.kubernetes.io/job-name": meta["name"],
                   "controller-uid": meta["uid"], "job-name": meta["name"]})
        obj["status"] = {}
    else:
        spec.setdefault("queue", "default")
        spec.setdefault("schedulerName", "volcano")
        spec.setdefault("minAvailable", sum(int(t.get("replicas", 1)) for t in spec.get("tasks") or []))
        obj["status"] = {}
    put(gvr, obj, "ADDED")
    if gvr[0] == "batch" or gvr[0] == "batch.volcano.sh":
        STATE["sim"][meta["uid"]] = {"failures": 0, "retries": 0, "version": 0, "t0": now(), "counted": set()}
        start_job_pods(gvr, obj)
    return obj


def owner_ref(gvr, obj):
    return {"apiVersion": group_prefix(gvr), "kind": "Job", "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}


def start_job_pods(gvr, job, only_index=None):
    meta, spec = job["metadata"], job["spec"]
    ns, name = meta["namespace"], meta["name"]
    if gvr[0] == "batch":
        indexed = spec.get("completionMode") == "Indexed"
        for i in range(int(spec.get("parallelism", 1))):
            if only_index is not None and i != only_index:
                continue
            labels, ann, env = {}, {}, None
            if indexed:
                labels = {"batch.kubernetes.io/job-completion-index": str(i)}
                ann = {"batch.kubernetes.io/job-completion-index": str(i)}
                env = [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                        "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}]
            pod_name = f"{name}-{i}-{rand5()}" if indexed else f"{name}-{rand5()}"
            sub = spec["template"].get("spec", {}).get("subdomain")
            make_pod(ns, pod_name, spec["template"], labels, ann, owner_ref(gvr, job), env,
                     hostname=f"{name}-{i}" if indexed and sub else None)
        return
    version = STATE["sim"][meta["uid"]]["version"]
    for task in spec.get("tasks") or []:
        for i in range(int(task.get("replicas", 1))):
            tname = task.get("name", "default")
            labels = {"volcano.sh/job-name": name, "volcano.sh/job-namespace": ns, "volcano.sh/queue-name": spec["queue"],
                      "volcano.sh/task-spec": tname, "volcano.sh/task-index": str(i)}
            ann = {"volcano.sh/job-name": name, "volcano.sh/job-version": str(version), "volcano.sh/queue-name": spec["queue"],
                   "volcano.sh/task-spec": tname, "volcano.sh/task-index": str(i),
                   "scheduling.k8s.io/group-name": f"{name}-{meta['uid']}"}
            tpl = copy.deepcopy(task.get("template") or {})
            tpl.setdefault("spec", {}).setdefault("schedulerName", spec["schedulerName"])
            make_pod(ns, f"{name}-{tname}-{i}", tpl, labels, ann, owner_ref(gvr, job),
                     hostname=f"{name}-{tname}-{i}", subdomain=name)


def pod_status(pod, sim, t):
    """Recompute a pod's status from its simulation record at time t; returns True when it changed."""
    speed = ARGS.speed
    spec, st = pod["spec"], pod["status"]
    old = json.dumps(st, sort_keys=True)
    pending = max([p["pending"] for p in sim["plans"]] or [DEFAULT_PENDING_S])
    if sim["phase"] == "Pending" and "held" not in sim and t >= sim["created"] + pending / speed:
        sim["phase"], sim["started"] = "Running", t
        sim["ends"] = [t + p["run"] / speed for p in sim["plans"]]
    if sim["phase"] == "Running" and "held" not in sim and all(e <= t for e in sim["ends"]):
        sim["phase"] = "Failed" if any(p["exit"] for p in sim["plans"]) else "Succeeded"
    created = rfc3339(sim["created"])
    spec.setdefault("nodeName", "standin-node")
    st.update(phase=sim["phase"], hostIP="10.0.0.1", hostIPs=[{"ip": "10.0.0.1"}], startTime=created)
    running = sim["phase"] == "Running"
    cond = lambda typ, ok: {"type": typ, "status": "True" if ok else "False", "lastProbeTime": None,
                            "lastTransitionTime": created}
    st["conditions"] = [cond("PodReadyToStartContainers", sim["phase"] != "Pending"), cond("Initialized", True),
                        cond("Ready", running), cond("ContainersReady", running), cond("PodScheduled", True)]
    if sim["phase"] != "Pending":
        st["podIP"] = "10.244.0.%d" % (int(pod["metadata"]["uid"][:2], 16) % 250 + 2)
        st["podIPs"] = [{"ip": st["podIP"]}]
    cstats = []
    for i, c in enumerate(spec.get("containers") or []):
        cs = {"name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": running, "restartCount": 0,
              "started": running}
        if sim["phase"] == "Pending":
            cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
        else:
            cs["containerID"] = "containerd://" + pod["metadata"]["uid"].replace("-", "") + str(i)
            started = rfc3339(sim["started"])
            end = sim.get("forced_end") or (sim["ends"][i] if sim.get("ends") else None)
            code = sim.get("forced_exit", sim["plans"][i]["exit"] if i < len(sim["plans"]) else 0)
            if sim["phase"] in ("Succeeded", "Failed") or (end is not None and end <= t and "held" not in sim):
                cs["state"] = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                              "startedAt": started, "finishedAt": rfc3339(end if end else t),
                                              "containerID": cs["containerID"]}}
                cs["ready"] = cs["started"] = False
            else:
                cs["state"] = {"running": {"startedAt": started}}
        cstats.append(cs)
    st["containerStatuses"] = cstats
    return json.dumps(st, sort_keys=True) != old


def job_status(gvr, job, pods, t):
    """Recompute a Job's status (and restart/recreate pods) from its pods; returns True when it changed."""
    st, spec, sim = job["status"], job["spec"], STATE["sim"][job["metadata"]["uid"]]
    old = json.dumps(st, sort_keys=True)
    phases = [p["status"]["phase"] for p in pods]
    stamp = rfc3339(t)
    if gvr[0] == "batch":
        st.setdefault("startTime", rfc3339(sim["t0"]))
        done = [c["type"] for c in st.get("conditions", [])]
        if "Complete" in done or "Failed" in done:
            return False
        new_failed = [p for p in pods if p["status"]["phase"] == "Failed" and p["metadata"]["uid"] not in sim["counted"]]
        for p in new_failed:
            sim["counted"].add(p["metadata"]["uid"])
            sim["failures"] += 1
        indexed = spec.get("completionMode") == "Indexed"
        succeeded_idx = sorted({int(p["metadata"]["labels"].get("batch.kubernetes.io/job-completion-index", 0))
                                for p in pods if p["status"]["phase"] == "Succeeded"})
        succeeded = len(succeeded_idx) if indexed else phases.count("Succeeded")
        active = sum(ph in ("Pending", "Running") for ph in phases)
        for k, v in (("active", active), ("succeeded", succeeded), ("failed", sim["failures"])):
            if v:
                st[k] = v
            else:
                st.pop(k, None)
        st["ready"] = phases.count("Running")
        st["terminating"] = 0
        st["uncountedTerminatedPods"] = {}
        if indexed and succeeded_idx:  # "0-2,5", as the controller writes it
            runs = []
            for i in succeeded_idx:
                if runs and runs[-1][1] == i - 1:
                    runs[-1][1] = i
                else:
                    runs.append([i, i])
            st["completedIndexes"] = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)
        cond = lambda typ, reason, msg: {"type": typ, "status": "True", "lastProbeTime": stamp,
                                         "lastTransitionTime": stamp, "reason": reason, "message": msg}
        if sim["failures"] > int(spec.get("backoffLimit", 6)):
            st["conditions"] = [cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                                cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")]
            for p in pods:
                if p["status"]["phase"] in ("Pending", "Running"):
                    delete_object(("", "v1", "pods"), p)
            st.pop("active", None)
        elif succeeded >= int(spec.get("completions", 1)):
            st["conditions"] = [cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                                cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods")]
            st["completionTime"] = stamp
        else:
            for p in new_failed:  # the controller replaces a failed pod (same index)
                idx = p["metadata"]["labels"].get("batch.kubernetes.io/job-completion-index")
                start_job_pods(gvr, job, only_index=int(idx) if idx is not None else 0)
        st["conditions"] = st.get("conditions", [])
        if not st["conditions"]:
            del st["conditions"]
        return json.dumps(st, sort_keys=True) != old
    # Volcano
    phase = (st.get("state") or {}).get("phase")
    if phase in ("Completed", "Failed", "Aborted", "Terminated"):
        return False
    counts = {}
    for p in pods:
        task = p["metadata"]["annotations"].get("volcano.sh/task-spec", "default")
        counts.setdefault(task, {"phase": {}})["phase"][p["status"]["phase"]] = \
            counts.get(task, {"phase": {}})["phase"].get(p["status"]["phase"], 0) + 1
    total = sum(int(tk.get("replicas", 1)) for tk in spec.get("tasks") or [])
    n = {ph: phases.count(ph) for ph in ("Pending", "Running", "Succeeded", "Failed")}
    new = "Pending"
    if n["Failed"]:
        actions = [pol.get("action") for pol in spec.get("policies") or [] if pol.get("event") in ("PodFailed", "*")]
        for tk in spec.get("tasks") or []:
            actions = [pol.get("action") for pol in tk.get("policies") or [] if pol.get("event") in ("PodFailed", "*")] + actions
        action = actions[0] if actions else None
        if action == "RestartJob" and sim["retries"] < int(spec.get("maxRetry", 3)):
            sim["retries"] += 1
            sim["version"] += 1
            for p in pods:
                delete_object(("", "v1", "pods"), p)
            st.update(retryCount=sim["retries"], version=sim["version"])
            st["state"] = {"phase": "Restarting", "reason": "PodFailed", "lastTransitionTime": stamp}
            st.setdefault("conditions", []).append({"status": "Restarting", "lastTransitionTime": stamp})
            start_job_pods(gvr, job)
            return True
        if action in ("AbortJob", "TerminateJob", "CompleteJob"):
            new = {"AbortJob": "Aborted", "TerminateJob": "Terminated", "CompleteJob": "Completed"}[action]
        elif action == "RestartJob" or n["Failed"] + n["Succeeded"] == total:
            new = "Failed"
        else:
            new = "Running"
    elif n["Succeeded"] == total and total:
        new = "Completed"
    elif n["Running"] + n["Succeeded"] >= int(spec.get("minAvailable", total)) and n["Running"]:
        new = "Running"
    st.update(pending=n["Pending"], running=n["Running"], succeeded=n["Succeeded"], failed=n["Failed"],
              minAvailable=int(spec.get("minAvailable", total)), taskStatusCount=counts,
              version=sim["version"], retryCount=sim["retries"])
    if phase != new:
        st["state"] = {"phase": new, "lastTransitionTime": stamp}
        st.setdefault("conditions", []).append({"status": new, "lastTransitionTime": stamp})
        if new in ("Completed", "Failed", "Aborted", "Terminated"):
            for p in pods:
                if p["status"]["phase"] in ("Pending", "Running"):
                    delete_object(("", "v1", "pods"), p)
    return json.dumps(st, sort_keys=True) != old


def tick():
    """One round of the kubelet and the controllers. Caller holds LOCK."""
    t = now()
    for key, pod in list(STATE["objects"].items()):
        if key[0] == ("", "v1", "pods"):
            sim = STATE["sim"].get(pod["metadata"]["uid"])
            if sim and pod_status(pod, sim, t):
                put(key[0], pod, "MODIFIED")
    for key, job in list(STATE["objects"].items()):
        if key[0][2] == "jobs":
            uid = job["metadata"]["uid"]
            pods = [p for (g, n, _), p in STATE["objects"].items() if g == ("", "v1", "pods") and n == key[1]
                    and any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])]
            if job_status(key[0], job, pods, t):
                put(key[0], job, "MODIFIED")


def delete_object(gvr, obj, propagation=None):
    """Delete an object and, unless Orphan, what it owns. Caller holds LOCK."""
    meta = obj["metadata"]
    if gvr[2] == "pods":
        meta["deletionTimestamp"] = rfc3339(now())
        meta["deletionGracePeriodSeconds"] = 0
    put(gvr, obj, "DELETED")
    STATE["sim"].pop(meta["uid"], None)
    if propagation != "Orphan":
        for key, child in list(STATE["objects"].items()):
            if any(r.get("uid") == meta["uid"] for r in child["metadata"].get("ownerReferences") or []):
                delete_object(key[0], child)
    elif propagation == "Orphan":
        for key, child in list(STATE["objects"].items()):
            refs = child["metadata"].get("ownerReferences") or []
            if any(r.get("uid") == meta["uid"] for r in refs):
                child["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != meta["uid"]]
                put(key[0], child, "MODIFIED")


def simulation_loop():
    while True:
        with LOCK:
            tick()
            LOCK.wait(0.05 / max(ARGS.speed, 1.0))


# ---------------------------------------------------------------- logs
def log_lines(pod, container, sim):
    """[(time, text)] the container has written, and whether it has ended."""
    c = next((c for c in pod["spec"].get("containers") or [] if c.get("name") == container), {})
    i = (pod["spec"].get("containers") or []).index(c) if c else 0
    argv = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
    texts = argv[1:] if argv and os.path.basename(argv[0]) == "echo" else ([shlex.join(argv)] if argv else [])
    plan = sim["plans"][i] if sim and i < len(sim["plans"]) else container_plan(c)
    texts += [f"line {k}" for k in range(1, plan["lines"] + 1)]
    start = sim.get("started", now()) if sim else now()
    end = (sim.get("forced_end") or (sim.get("ends") or [None] * (i + 1))[i]) if sim else None
    step = 0.1 / ARGS.speed  # one line every 100 ms of simulated time, all written by the container's end
    ended = sim is None or sim["phase"] in ("Succeeded", "Failed")
    if end is None and ended:
        end = sim.get("forced_end") if sim else now()
    return [(min(start + k * step, end) if end else start + k * step, s) for k, s in enumerate(texts)], ended


# ---------------------------------------------------------------- HTTP
PATH_RE = re.compile(r"^/(?:api/(?P<cv>v1)|apis/(?P<g>[^/]+)/(?P<v>[^/]+))(?:/namespaces/(?P<ns>[^/]+))?"
                     r"/(?P<res>[^/]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?$")


# The real server's last handler (apiserver notfoundhandler) answers any path it does not serve so:
# a Status without details.
NO_ROUTE = "the server could not find the requested resource"


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


def status_body(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


def qualified(gvr):
    return gvr[2] + ("." + gvr[0] if gvr[0] else "")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin-apiserver"

    def log_message(self, *_):
        pass

    def do_GET(self): self.handle_any("GET")
    def do_POST(self): self.handle_any("POST")
    def do_DELETE(self): self.handle_any("DELETE")
    def do_PUT(self): self.handle_any("PUT")
    def do_PATCH(self): self.handle_any("PATCH")

    # -- plumbing
    def send_json(self, code, body, ctype="application/json", headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def start_chunked(self, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def record(self, auth_present, auth_ok, body, cert):
        u = urllib.parse.urlsplit(self.path)
        rec = {"method": self.command, "path": u.path, "query": urllib.parse.parse_qs(u.query, keep_blank_values=True),
               "content_type": self.headers.get("Content-Type"), "accept": self.headers.get("Accept"),
               "authorization_present": auth_present, "authorization_ok": auth_ok,
               "client_certificate": dict(x[0] for x in cert.get("subject", ())).get("commonName") if cert else None,
               "user_agent": self.headers.get("User-Agent"), "body": body, "time": rfc3339(now(), nano=True)}
        line = json.dumps(rec) + "\n"
        with LOCK:
            with open(os.path.join(ARGS.dir, "requests.jsonl"), "a") as f:
                f.write(line)

    def read_body(self):
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ApiError(400, "BadRequest", "invalid Content-Length")
        if n > 64 << 20:
            raise ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
        return self.rfile.read(n) if n > 0 else b""

    def handle(self):
        try:
            super().handle()
        except (OSError, ssl.SSLError):  # a client that hung up or spoke no TLS: nothing to answer
            pass

    def handle_any(self, method):
        try:
            self.handle_request(method)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # a bug here must not look like a hang to the client under test
            self.close_connection = True
            sys.stderr.write(f"standin: internal error on {method} {self.path[:200]}: {e!r}\n")
            try:
                self.send_json(500, status_body(500, "InternalError", f"standin internal error: {e!r}"[:500]))
            except OSError:
                pass

    def handle_request(self, method):
        try:
            raw = self.read_body()
        except ApiError as e:
            self.close_connection = True
            return self.send_json(e.code, status_body(e.code, e.reason, e.message))
        u = urllib.parse.urlsplit(self.path)
        if u.path.startswith("/standin/"):
            return self.control(method, u, raw)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"_unparsed": raw[:200].decode("utf-8", "replace")}
        auth = self.headers.get("Authorization")
        token_ok = ARGS.token is not None and auth == "Bearer " + ARGS.token
        cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        self.record(auth is not None, token_ok, body, cert)
        if ARGS.token is not None or ARGS.client_ca:
            if not (token_ok or cert):
                return self.send_json(401, status_body(401, "Unauthorized", "Unauthorized"))
        try:
            self.route(method, u, raw, body)
        except ApiError as e:
            self.send_json(e.code, status_body(e.code, e.reason, e.message, e.details))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def route(self, method, u, raw, body):
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        p = u.path.rstrip("/") or "/"
        accept = self.headers.get("Accept") or ""
        if method == "GET" and p in ("/api", "/apis"):
            if "as=APIGroupDiscoveryList" in accept and "v=v2;" in accept.replace(" ", "") + ";":
                return self.send_json(200, aggregated(p == "/api"),
                                      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
            if p == "/api":
                return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % self.server.server_address[1]}]})
            gl = [{"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                   "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v}} for g, v in groups() if g]
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": gl})
        if method == "GET" and p == "/version":
            return self.send_json(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-standin", "platform": "linux/amd64"})
        if method == "GET" and p == "/openapi/v3":
            return self.send_json(200, openapi_v3_root())
        m = re.fullmatch(r"/openapi/v3/(?:api/(v1)|apis/([^/]+)/([^/]+))", p)
        if method == "GET" and m:
            g, v = ("", "v1") if m.group(1) else (m.group(2), m.group(3))
            if (g, v) in groups():
                return self.send_json(200, openapi_v3_group(g, v))
        m = re.fullmatch(r"/api/v1|/apis/([^/]+)/([^/]+)", p)
        if method == "GET" and m:
            g, v = (m.group(1), m.group(2)) if m.group(1) else ("", "v1")
            if (g, v) in groups():
                return self.send_json(200, api_resource_list(g, v))
            raise ApiError(404, "NotFound", NO_ROUTE)
        m = PATH_RE.match(p)
        if not m:
            raise ApiError(404, "NotFound", NO_ROUTE)
        gvr = (m.group("g") or "", m.group("v") or "v1", m.group("res"))
        if not served(gvr) or (m.group("sub") and m.group("sub") not in ("log", "status")):
            raise ApiError(404, "NotFound", NO_ROUTE)
        ns, name, sub = m.group("ns"), m.group("name"), m.group("sub")
        if ns == "forbidden":
            verb = {"GET": "watch" if q.get("watch") in ("true", "1") else ("get" if name else "list"), "POST": "create",
                    "DELETE": "delete", "PUT": "update", "PATCH": "patch"}[method]
            what = f'resource "{gvr[2]}{"/" + sub if sub else ""}" in API group "{gvr[0]}"'
            raise ApiError(403, "Forbidden", f'{qualified(gvr)}{" " + repr(name).replace(chr(39), chr(34)) if name else ""} '
                           f'is forbidden: User "{USER}" cannot {verb} {what} in the namespace "forbidden"',
                           {**({"name": name} if name else {}), "group": gvr[0], "kind": gvr[2]})
        if ns is None and method != "GET":
            raise ApiError(404, "NotFound", NO_ROUTE)
        if method == "POST" and not name:
            return self.create(gvr, ns, raw, body, q)
        if method == "GET" and not name:
            if q.get("watch") in ("true", "1"):
                return self.watch(gvr, ns, q)
            return self.list(gvr, ns, q)
        if method == "GET" and sub == "log":
            return self.logs(ns, name, q)
        if method == "GET" and name:
            with LOCK:
                obj = STATE["objects"].get((gvr, ns, name))
                if obj is None:
                    raise self.not_found(gvr, name)
                return self.send_json(200, with_kind(gvr, obj))
        if method == "DELETE" and name and not sub:
            return self.delete(gvr, ns, name, body, q)
        raise ApiError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource", {})

    def not_found(self, gvr, name):
        return ApiError(404, "NotFound", f'{qualified(gvr)} "{name}" not found', {"name": name, "group": gvr[0], "kind": gvr[2]})

    # -- verbs
    def create(self, gvr, ns, raw, body, q):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            raise ApiError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted '
                           f'media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf')
        kind = RESOURCES[gvr][0]
        if not isinstance(body, dict) or "_unparsed" in body:
            raise ApiError(400, "BadRequest", f"Object '{kind}' is invalid: couldn't get version/kind; json parse error")
        if body.get("apiVersion") != group_prefix(gvr) or body.get("kind") != kind:
            raise ApiError(400, "BadRequest", f"the API version in the data ({body.get('apiVersion')}) does not match the "
                           f"expected API version ({group_prefix(gvr)})" if body.get("kind") == kind else
                           f"{kind} in version \"{gvr[1]}\" cannot be handled as a {kind}: no kind \"{body.get('kind')}\" "
                           f"is registered for version \"{body.get('apiVersion')}\"")
        meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        if meta.get("namespace") not in (None, "", ns):
            raise ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on "
                           "the request")
        headers = {}
        unknown = unknown_fields(gvr, body)
        mode = q.get("fieldValidation", "Warn")
        if mode not in ("Strict", "Warn", "Ignore"):
            raise ApiError(400, "BadRequest", f'fieldValidation parameter unsupported: "{mode}"')
        if unknown and mode == "Strict":
            raise ApiError(400, "BadRequest", f'{kind} in version "{gvr[1]}" cannot be handled as a {kind}: strict '
                           f'decoding error: ' + ", ".join(f'unknown field "{f}"' for f in unknown))
        if unknown and mode == "Warn":
            headers["Warning"] = ", ".join(f'299 - "unknown field \\"{f}\\""' for f in unknown)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + rand5()
            body["metadata"] = meta
        errs = field_errors(gvr, body)
        name = meta.get("name", "")
        if errs:
            group_kind = kind + ("." + gvr[0] if gvr[0] else "")
            raise ApiError(422, "Invalid", f'{group_kind} "{name}" is invalid: ' + ", ".join(f"{f}: {m}" for f, _, m in errs)
                           if len(errs) == 1 else f'{group_kind} "{name}" is invalid: [' +
                           ", ".join(f"{f}: {m}" for f, _, m in errs) + "]",
                           {"name": name, "group": gvr[0], "kind": kind,
                            "causes": [{"reason": r, "message": m, "field": f} for f, r, m in errs]})
        with LOCK:
            if (gvr, ns, name) in STATE["objects"]:
                raise ApiError(409, "AlreadyExists", f'{qualified(gvr)} "{name}" already exists',
                               {"name": name, "group": gvr[0], "kind": gvr[2]})
            if q.get("dryRun") == "All":
                obj = copy.deepcopy(body)
                obj["metadata"].update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=rfc3339(now()))
                return self.send_json(201, obj, headers=headers)
            obj = create_object(gvr, ns, copy.deepcopy(body))
            obj["metadata"]["managedFields"] = [{"manager": q.get("fieldManager") or (self.headers.get("User-Agent") or
                                                 "unknown").split("/")[0], "operation": "Update", "apiVersion":
                                                 group_prefix(gvr), "time": obj["metadata"]["creationTimestamp"],
                                                 "fieldsType": "FieldsV1", "fieldsV1": {}}]
            return self.send_json(201, with_kind(gvr, obj), headers=headers)

    def selectors(self, gvr, q):
        try:
            return parse_label_selector(q.get("labelSelector", "")), parse_field_selector(q.get("fieldSelector", ""), gvr)
        except SelectorError as e:
            raise ApiError(400, "BadRequest", str(e))

    def list(self, gvr, ns, q):
        ls, fs = self.selectors(gvr, q)
        with LOCK:
            items = [copy.deepcopy(o) for o in objects_of(gvr, ns) if label_match(ls, o["metadata"].get("labels"))
                     and field_match(fs, o)]
            if gvr[0] == "batch.volcano.sh":
                items = [with_kind(gvr, o) for o in items]
            kind = RESOURCES[gvr][0] + "List"
            return self.send_json(200, {"kind": kind, "apiVersion": group_prefix(gvr),
                                        "metadata": {"resourceVersion": str(STATE["rv"])}, "items": items})

    def watch(self, gvr, ns, q):
        ls, fs = self.selectors(gvr, q)
        try:
            timeout = min(float(q.get("timeoutSeconds") or 1800), 1800)
        except ValueError:
            raise ApiError(400, "BadRequest", f'invalid timeoutSeconds: "{q.get("timeoutSeconds")}"')
        rv = q.get("resourceVersion", "")
        deadline = time.monotonic() + timeout
        match = lambda g, o: g == gvr and ns in (None, o["metadata"]["namespace"]) and \
            label_match(ls, o["metadata"].get("labels")) and field_match(fs, o)
        self.start_chunked("application/json")
        with LOCK:
            if rv in ("", "0"):
                initial = [copy.deepcopy(o) for o in objects_of(gvr, ns) if match(gvr, o)]
                cursor = STATE["rv"]
            else:
                initial = []
                try:
                    cursor = int(rv)
                except ValueError:
                    cursor = -1
                oldest = STATE["events"][0][0] if STATE["events"] else STATE["rv"]
                if cursor < 0 or cursor < oldest - 1:
                    err = status_body(410, "Expired", f"too old resource version: {rv} ({STATE['rv']})")
                    self.chunk(json.dumps({"type": "ERROR", "object": err}).encode() + b"\n")
                    return self.chunk(b"")
        for o in initial:
            self.chunk(json.dumps({"type": "ADDED", "object": with_kind(gvr, o)}).encode() + b"\n")
        while True:
            with LOCK:
                pending = [(r, t, o) for r, t, g, o in STATE["events"] if r > cursor and match(g, o)]
                if STATE["events"]:
                    cursor = max(cursor, STATE["events"][-1][0])
                if not pending:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    LOCK.wait(min(left, 1.0))
                    continue
            for _, etype, o in pending:
                self.chunk(json.dumps({"type": etype, "object": with_kind(gvr, o)}).encode() + b"\n")
        self.chunk(b"")

    def delete(self, gvr, ns, name, body, q):
        opts = body if isinstance(body, dict) else {}
        prop = q.get("propagationPolicy") or opts.get("propagationPolicy")
        if prop not in (None, "Orphan", "Background", "Foreground"):
            raise ApiError(422, "Invalid", f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
                           f'"{prop}": supported values: "Foreground", "Background", "Orphan", "nil"')
        headers = {}
        if prop is None and gvr == ("batch", "v1", "jobs"):  # the legacy default of batch/v1 Jobs: orphan the pods
            prop = "Orphan"
            headers["Warning"] = ('299 - "child pods are preserved by default when jobs are deleted; set '
                                  'propagationPolicy=Background to remove them or set propagationPolicy=Orphan to '
                                  'suppress this warning"')
        with LOCK:
            obj = STATE["objects"].get((gvr, ns, name))
            if obj is None:
                raise self.not_found(gvr, name)
            if q.get("dryRun") == "All":
                return self.send_json(200, with_kind(gvr, obj), headers=headers)
            delete_object(gvr, obj, prop)
            if gvr[2] in ("pods", "services"):
                return self.send_json(200, with_kind(gvr, obj), headers=headers)
            return self.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                        "details": {"name": name, "group": gvr[0], "kind": gvr[2],
                                                    "uid": obj["metadata"]["uid"]}}, headers=headers)

    def logs(self, ns, name, q):
        gvr = ("", "v1", "pods")
        with LOCK:
            pod = STATE["objects"].get((gvr, ns, name))
            if pod is None:
                raise self.not_found(gvr, name)
            names = [c.get("name") for c in pod["spec"].get("containers") or []]
            container = q.get("container") or (names[0] if len(names) == 1 else None)
            if container is None:
                raise ApiError(400, "BadRequest", f"a container name must be specified for pod {name}, choose one of: "
                               f"[{' '.join(names)}]")
            if container not in names:
                raise ApiError(400, "BadRequest", f"container {container} is not valid for pod {name}")
            sim = STATE["sim"].get(pod["metadata"]["uid"])
            if sim and sim["phase"] == "Pending":
                raise ApiError(400, "BadRequest", f'container "{container}" in pod "{name}" is waiting to start: '
                               "ContainerCreating")
        since = None
        try:
            if q.get("sinceSeconds"):
                since = now() - int(q["sinceSeconds"])
                if int(q["sinceSeconds"]) < 1:
                    raise ValueError
            elif q.get("sinceTime"):
                since = parse_rfc3339(q["sinceTime"])
                if since is None:
                    raise ValueError
            tail = int(q["tailLines"]) if q.get("tailLines") else None
        except ValueError:
            raise ApiError(400, "BadRequest", "invalid log options: sinceSeconds must be a positive integer, sinceTime "
                           "RFC3339, tailLines an integer")
        stamps = q.get("timestamps") in ("true", "1")
        follow = q.get("follow") in ("true", "1")
        fmt = lambda t, s: ((rfc3339(t, nano=True) + " ") if stamps else "") + s + "\n"
        self.start_chunked("text/plain")
        sent = 0
        while True:
            with LOCK:
                pod = STATE["objects"].get((gvr, ns, name))
                sim = STATE["sim"].get(pod["metadata"]["uid"]) if pod else None
                lines, ended = log_lines(pod, container, sim) if pod else ([], True)
            t = now()
            visible = [(lt, s) for lt, s in lines if lt <= t or ended]
            if sent == 0 and tail is not None:
                visible = visible[-tail:] if tail > 0 else []
                sent = len([1 for lt, s in lines if lt <= t or ended]) - len(visible)
                visible_new = visible
            else:
                visible_new = visible[sent:]
            out = "".join(fmt(lt, s) for lt, s in visible_new if since is None or lt >= since)
            if out:
                self.chunk(out.encode())
            sent += len(visible_new)
            if not follow or ended:
                break
            with LOCK:
                LOCK.wait(0.05)
        self.chunk(b"")

    # -- control endpoints (test helpers)
    def control(self, method, u, raw):
        p = u.path
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self.send_json(400, {"error": "body is not JSON"})
        with LOCK:
            if p == "/standin/reset" and method == "POST":
                STATE.update(objects={}, sim={}, events=[])
                LOCK.notify_all()
                return self.send_json(200, {"ok": True})
            if p == "/standin/objects" and method == "GET":
                return self.send_json(200, [{"resource": qualified(g), "namespace": n, **with_kind(g, o)}
                                            for (g, n, _), o in sorted(STATE["objects"].items(), key=lambda kv: kv[0][1:])])
            m = re.fullmatch(r"/standin/pods/([^/]+)/([^/]+)/phase", p)
            if m and method == "POST":
                pod = STATE["objects"].get((("", "v1", "pods"), m.group(1), m.group(2)))
                phase = body.get("phase")
                if pod is None or phase not in ("Pending", "Running", "Succeeded", "Failed"):
                    return self.send_json(404 if pod is None else 400, {"error": "no such pod" if pod is None else
                                                                        "phase: Pending|Running|Succeeded|Failed"})
                sim = STATE["sim"][pod["metadata"]["uid"]]
                sim.update(phase=phase, held=True)
                if phase != "Pending":
                    sim.setdefault("started", now())
                    sim.setdefault("ends", [None] * len(sim["plans"]))
                if phase in ("Succeeded", "Failed"):
                    sim["forced_end"] = now()
                    sim["forced_exit"] = int(body.get("exitCode", 0 if phase == "Succeeded" else 1))
                tick()
                return self.send_json(200, with_kind(("", "v1", "pods"), pod))
        return self.send_json(404, {"error": f"unknown control endpoint {method} {p}"})


# ---------------------------------------------------------------- start-up
def make_certs(d, client):
    def run(*cmd):
        subprocess.run(cmd, check=True, capture_output=True, cwd=d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3", "-subj", "/CN=standin-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    specs = [("server", "/CN=standin-apiserver", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")]
    if client:
        specs.append(("client", f"/O=standin-group/CN={USER}", "extendedKeyUsage=clientAuth\n"))
    for name, subj, ext in specs:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + ext)
        run("openssl", "req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", subj)
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".crt", "-days", "3", "-extfile", name + ".ext")


def write_kubeconfig(d, scheme, port):
    q = json.dumps
    user = []
    if ARGS.token is not None:
        user.append(f"    token: {q(ARGS.token)}")
    if ARGS.client_ca:
        user += [f"    client-certificate: {q(os.path.join(d, 'client.crt'))}",
                 f"    client-key: {q(os.path.join(d, 'client.key'))}"]
    ca = f"    certificate-authority: {q(os.path.join(d, 'ca.crt'))}\n" if scheme == "https" else ""
    text = (f"apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n    server: {scheme}://127.0.0.1:{port}\n"
            f"{ca}users:\n- name: standin\n  user:{'' if user else ' {}'}\n" + "".join(u + "\n" for u in user) +
            "contexts:\n- name: standin\n  context:\n    cluster: standin\n    user: standin\n    namespace: default\n"
            "current-context: standin\n")
    with open(os.path.join(d, "kubeconfig"), "w") as f:
        f.write(text)
    os.chmod(os.path.join(d, "kubeconfig"), 0o600)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description="TEST CODE: a Kubernetes API server stand-in")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--token")
    ap.add_argument("--no-volcano", action="store_true")
    ap.add_argument("--client-ca", action="store_true", help="accept client certificates signed by the CA (implies --tls)")
    ap.add_argument("--speed", type=float, default=1.0, help="time factor of the simulation (2 = twice as fast)")
    ap.add_argument("--port", type=int, default=0)
    ARGS = ap.parse_args()
    if ARGS.speed <= 0:
        ap.error("--speed must be positive")
    ARGS.tls = ARGS.tls or ARGS.client_ca
    api_model.configure(ARGS.no_volcano)
    ARGS.dir = os.path.abspath(ARGS.dir)
    os.makedirs(ARGS.dir, exist_ok=True)
    for f in ("port", "requests.jsonl"):
        if os.path.exists(os.path.join(ARGS.dir, f)):
            os.unlink(os.path.join(ARGS.dir, f))
    open(os.path.join(ARGS.dir, "requests.jsonl"), "w").close()
    reset_state()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    if ARGS.tls:
        make_certs(ARGS.dir, ARGS.client_ca)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(ARGS.dir, "server.crt"), os.path.join(ARGS.dir, "server.key"))
        ctx.set_alpn_protocols(["http/1.1"])
        if ARGS.client_ca:
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(os.path.join(ARGS.dir, "ca.crt"))
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    port = server.server_address[1]
    write_kubeconfig(ARGS.dir, "https" if ARGS.tls else "http", port)
    parent = os.getppid()

    def watchdog():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=watchdog, daemon=True).start()
    threading.Thread(target=simulation_loop, daemon=True).start()
    with open(os.path.join(ARGS.dir, "port.tmp"), "w") as f:
        f.write(f"{port}\n")
    os.replace(os.path.join(ARGS.dir, "port.tmp"), os.path.join(ARGS.dir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
