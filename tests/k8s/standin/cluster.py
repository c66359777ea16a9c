"""TEST CODE: the stand-in's cluster: the object store with its watch events (STATE, under LOCK) and a
simulation of the Job controller, Volcano's controller and the kubelet (tick(), run by
simulation_loop()), plus the log lines a container has written. Used by standin.py; configure() once
before serving. Every function that touches STATE expects the caller to hold LOCK unless it says so.
"""
import copy, datetime, json, os, random, re, shlex, sys, threading, time, uuid

from api_model import RESOURCES, group_prefix

CONFIG = {"speed": 1.0, "token": None}


def configure(speed, token):
    CONFIG.update(speed=speed, token=token)

LOCK = threading.Condition()  # guards STATE; notified on every change
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
        STATE.update(objects={}, sim={}, events=[], rv=1000, ip=10, faults=[], token=CONFIG["token"])
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


def default(d, key, value):
    """setdefault that also replaces an explicit null, as the API's defaulting does."""
    if d.get(key) is None:
        d[key] = value
    return d[key]


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
        default(spec, "restartPolicy", "Always")
        default(spec, "schedulerName", "default-scheduler")
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        plans = [container_plan(c) for c in spec.get("containers") or []]
        STATE["sim"][meta["uid"]] = {"created": now(), "plans": plans, "phase": "Pending", "ends": None}
    elif gvr[2] == "services":
        if spec.get("clusterIP") != "None":
            STATE["ip"] += 1
            spec["clusterIP"] = f"10.96.0.{STATE['ip'] % 250 + 2}"
        spec["clusterIPs"] = [spec["clusterIP"]]
        default(spec, "type", "ClusterIP")
        default(spec, "sessionAffinity", "None")
        obj["status"] = {"loadBalancer": {}}
    elif gvr[0] == "batch":
        default(spec, "backoffLimit", 6)
        default(spec, "completionMode", "NonIndexed")
        default(spec, "completions", spec.get("parallelism") or 1)
        default(spec, "parallelism", spec["completions"])
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": meta["uid"]}}
        tl = default(default(spec["template"], "metadata", {}), "labels", {})
        tl.update({"batch.kubernetes.io/controller-uid": meta["uid"], "batch.kubernetes.io/job-name": meta["name"],
                   "controller-uid": meta["uid"], "job-name": meta["name"]})
        obj["status"] = {}
    else:
        default(spec, "queue", "default")
        default(spec, "schedulerName", "volcano")
        default(spec, "minAvailable", sum(default(t, "replicas", 1) for t in spec.get("tasks") or []))
        obj["status"] = {}
    put(gvr, obj, "ADDED")
    if gvr[0] == "batch" or gvr[0] == "batch.volcano.sh":
        STATE["sim"][meta["uid"]] = {"failures": 0, "retries": 0, "version": 0, "t0": now(), "counted": set()}
        start_job_pods(gvr, obj)
    return obj


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


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
    speed = CONFIG["speed"]
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
    if sim["phase"] in ("Succeeded", "Failed"):  # final: the next ticks can skip it
        sim["reported"] = sim["phase"] + str(sim.get("forced_exit"))
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
        if bool(spec.get("suspend")) != sim.get("suspended", False):  # spec.suspend: pods go, or come back
            sim["suspended"] = bool(spec.get("suspend"))
            conds = [c for c in st.get("conditions", []) if c["type"] != "Suspended"]
            conds.append({"type": "Suspended", "status": "True" if sim["suspended"] else "False", "lastProbeTime": stamp,
                          "lastTransitionTime": stamp, "reason": "JobSuspended" if sim["suspended"] else "JobResumed",
                          "message": "Job suspended" if sim["suspended"] else "Job resumed"})
            st["conditions"] = conds
            if sim["suspended"]:
                for p in pods:
                    if p["status"]["phase"] in ("Pending", "Running"):
                        delete_object(("", "v1", "pods"), p)
                pods = [p for p in pods if p["status"]["phase"] not in ("Pending", "Running")]
                phases = [p["status"]["phase"] for p in pods]
            else:
                have = {p["metadata"]["labels"].get("batch.kubernetes.io/job-completion-index") for p in pods
                        if p["status"]["phase"] != "Failed"}
                for i in range(int(spec.get("parallelism", 1))):
                    if str(i) not in have:
                        start_job_pods(gvr, job, only_index=i)
        if sim.get("suspended"):
            st.pop("active", None)
            st["ready"] = 0
            return json.dumps(st, sort_keys=True) != old
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
    if phase == "Aborting":  # set through the status subresource (a cancel): the controller kills the pods
        st["state"] = {"phase": "Aborted", "reason": "Aborted", "lastTransitionTime": stamp}
        st.setdefault("conditions", []).append({"status": "Aborted", "lastTransitionTime": stamp})
        phase = "Aborted"
    if phase in ("Completed", "Failed", "Aborted", "Terminated"):
        for p in pods:  # a phase set from outside ends what still runs
            if p["status"]["phase"] in ("Pending", "Running"):
                delete_object(("", "v1", "pods"), p)
        return json.dumps(st, sort_keys=True) != old
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
        if action == "RestartJob" and sim["retries"] < int(default(spec, "maxRetry", 3)):
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
            if sim and sim.get("reported") != sim["phase"] + str(sim.get("forced_exit")) and pod_status(pod, sim, t):
                put(key[0], pod, "MODIFIED")
    owned = {}
    for (g, _, _), p in STATE["objects"].items():
        if g == ("", "v1", "pods"):
            for r in p["metadata"].get("ownerReferences") or []:
                owned.setdefault(r.get("uid"), []).append(p)
    for key, job in list(STATE["objects"].items()):
        if key[0][2] == "jobs":
            pods = owned.get(job["metadata"]["uid"], [])
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
            try:
                tick()
            except Exception as e:  # a bug must not stop the simulation of every other object
                sys.stderr.write(f"standin: simulation error: {e!r}\n")
            LOCK.wait(0.05 / max(CONFIG["speed"], 1.0))


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
    step = 0.1 / CONFIG["speed"]  # one line every 100 ms of simulated time, all written by the container's end
    ended = sim is None or sim["phase"] in ("Succeeded", "Failed")
    if end is None and ended:
        end = sim.get("forced_end") if sim else now()
    return [(min(start + k * step, end) if end else start + k * step, s) for k, s in enumerate(texts)], ended
