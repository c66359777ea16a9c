"""TEST CODE: what the API-server stand-in (standin.py) knows of the real Kubernetes API: the resources
it serves and their discovery documents, an OpenAPI v3 stub, label/field selectors, and a subset of
the real validation (required fields, names, unknown fields). Pure functions, no state but
NO_VOLCANO (set once by configure() before serving)."""
import re

NO_VOLCANO = False
MAX_PODS = 1000  # per Job: the stand-in's own limit, so a hostile manifest cannot make it spin


def configure(no_volcano):
    global NO_VOLCANO
    NO_VOLCANO = no_volcano

# ---------------------------------------------------------------- resources and discovery
# (group, version, plural) -> kind, singular, short names, namespaced
RESOURCES = {
    ("", "v1", "pods"): ("Pod", "pod", ["po"]),
    ("", "v1", "services"): ("Service", "service", ["svc"]),
    ("batch", "v1", "jobs"): ("Job", "job", []),
    ("batch.volcano.sh", "v1alpha1", "jobs"): ("Job", "job", ["vcjob", "vj"]),
}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
SUBRESOURCES = {("", "v1", "pods"): [("log", "Pod", ["get"]), ("status", "Pod", ["get", "patch", "update"])],
                ("", "v1", "services"): [("status", "Service", ["get", "patch", "update"])],
                ("batch", "v1", "jobs"): [("status", "Job", ["get", "patch", "update"])],
                ("batch.volcano.sh", "v1alpha1", "jobs"): [("status", "Job", ["get", "patch", "update"])]}


def served(gvr):
    return gvr in RESOURCES and not (NO_VOLCANO and gvr[0] == "batch.volcano.sh")


def groups():
    """[(group, version)] served, core first."""
    out = [("", "v1"), ("batch", "v1")]
    return out + ([] if NO_VOLCANO else [("batch.volcano.sh", "v1alpha1")])


def group_prefix(gvr):
    return "batch.volcano.sh/v1alpha1" if gvr[0] == "batch.volcano.sh" else ("v1" if gvr[0] == "" else "batch/v1")


def api_resource_list(g, v):
    res = []
    for gvr, (kind, singular, short) in RESOURCES.items():
        if gvr[:2] != (g, v):
            continue
        entry = {"name": gvr[2], "singularName": singular, "namespaced": True, "kind": kind, "verbs": VERBS}
        if short:
            entry["shortNames"] = short
        if gvr[0] != "batch.volcano.sh":
            entry["categories"] = ["all"]
        res.append(entry)
        for sub, skind, sverbs in SUBRESOURCES[gvr]:
            res.append({"name": gvr[2] + "/" + sub, "singularName": "", "namespaced": True, "kind": skind, "verbs": sverbs})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{g}/{v}" if g else v, "resources": res}


def aggregated(core):
    """apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (core) or /apis."""
    items = []
    for g, v in groups():
        if (g == "") != core:
            continue
        resources = []
        for gvr, (kind, singular, short) in RESOURCES.items():
            if gvr[:2] != (g, v):
                continue
            r = {"resource": gvr[2], "responseKind": {"group": g, "version": v, "kind": kind}, "scope": "Namespaced",
                 "singularResource": singular, "verbs": VERBS,
                 "subresources": [{"subresource": s, "responseKind": {"group": g, "version": v, "kind": k}, "verbs": vb}
                                  for s, k, vb in SUBRESOURCES[gvr]]}
            if short:
                r["shortNames"] = short
            if g != "batch.volcano.sh":
                r["categories"] = ["all"]
            resources.append(r)
        items.append({"metadata": {"name": g, "creationTimestamp": None},
                      "versions": [{"version": v, "resources": resources, "freshness": "Current"}]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


def openapi_v3_root():
    paths = {("api/v1" if g == "" else f"apis/{g}/{v}"): {"serverRelativeURL": ("/openapi/v3/api/v1" if g == "" else
             f"/openapi/v3/apis/{g}/{v}") + "?hash=STANDIN"} for g, v in groups()}
    return {"paths": paths}


def openapi_v3_group(g, v):
    """Just enough of an OpenAPI v3 document for kubectl: create (POST) and patch name their GVK and take
    fieldValidation; kubectl looks for it on the PATCH operation and, finding it, validates on the server
    (fieldValidation=Strict) instead of downloading schemas for client-side validation."""
    paths = {}
    for gvr, (kind, _, _) in RESOURCES.items():
        if gvr[:2] != (g, v):
            continue
        base = ("/api/v1" if g == "" else f"/apis/{g}/{v}") + "/namespaces/{namespace}/" + gvr[2]
        gvk = [{"group": g, "version": v, "kind": kind}]
        params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
                  for n in ("dryRun", "fieldManager", "fieldValidation", "pretty")]
        path_params = [{"name": "namespace", "in": "path", "required": True, "schema": {"type": "string"}}]
        for path, verb, action in ((base, "post", "post"), (base + "/{name}", "patch", "patch")):
            paths[path] = {verb: {"operationId": f"{action}{kind}", "parameters": params, "x-kubernetes-action": action,
                                  "x-kubernetes-group-version-kind": gvk[0], "responses": {"200": {"description": "OK"}}},
                           "parameters": path_params + ([{"name": "name", "in": "path", "required": True,
                                                          "schema": {"type": "string"}}] if verb == "patch" else [])}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0-standin"}, "paths": paths,
            "components": {"schemas": {}}}


# ---------------------------------------------------------------- selectors
class SelectorError(ValueError):
    pass


def parse_label_selector(text):
    """-> list of (key, op, values); ops: =, !=, in, notin, exists, !exists. Raises SelectorError."""
    reqs, i, s = [], 0, text or ""
    name = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
    while i < len(s):
        m = re.compile(r"\s*(!?)\s*(" + name + r")(\s*==|\s*!=|\s*=|\s+in(?=[\s(])|\s+notin(?=[\s(]))?\s*").match(s, i)
        if not m:
            raise SelectorError(f"unable to parse requirement: found '{s[i:i + 20]}', expected: identifier")
        bang, key, op = m.group(1), m.group(2), (m.group(4) or "").strip()
        op = "=" if op == "==" else op
        i = m.end()
        if bang:
            if op:
                raise SelectorError(f"unable to parse requirement: '!' must be followed by a key only: {key}")
            reqs.append((key, "!exists", []))
        elif op in ("in", "notin"):
            m2 = re.compile(r"\s*\(([^()]*)\)\s*").match(s, i)
            if not m2:
                raise SelectorError(f"unable to parse requirement: found '{s[i:i + 20]}', expected: '('")
            reqs.append((key, op, [v.strip() for v in m2.group(1).split(",")]))
            i = m2.end()
        elif op:
            m2 = re.compile(r"\s*([-A-Za-z0-9_.]*)\s*").match(s, i)
            reqs.append((key, op, [m2.group(1)]))
            i = m2.end()
        else:
            reqs.append((key, "exists", []))
        if i < len(s):
            if s[i] != ",":
                raise SelectorError(f"unable to parse requirement: found '{s[i:i + 20]}', expected: ','")
            i += 1
    return reqs


def label_match(reqs, labels):
    labels = labels or {}
    for key, op, vals in reqs:
        has = key in labels
        if ((op == "=" and labels.get(key) != vals[0]) or (op == "!=" and has and labels[key] == vals[0])
                or (op == "in" and labels.get(key) not in vals) or (op == "notin" and has and labels[key] in vals)
                or (op == "exists" and not has) or (op == "!exists" and has)):
            return False
    return True


def parse_field_selector(text, gvr):
    reqs = []
    for term in filter(None, (text or "").split(",")):
        m = re.fullmatch(r"\s*([a-zA-Z.]+)\s*(==|=|!=)\s*(.*?)\s*", term)
        allowed = {"metadata.name", "metadata.namespace"} | ({"status.phase", "spec.nodeName"} if gvr[2] == "pods" else set())
        if not m or m.group(1) not in allowed:
            raise SelectorError(f'field label not supported: {(m.group(1) if m else term)}')
        reqs.append((m.group(1), m.group(2) != "!=", m.group(3)))
    return reqs


def field_match(reqs, obj):
    for path, eq, value in reqs:
        cur = obj
        for part in path.split("."):
            cur = cur.get(part, "") if isinstance(cur, dict) else ""
        if (cur == value) != eq:
            return False
    return True


# ---------------------------------------------------------------- validation (a subset of the real schemas)
META = {"name", "generateName", "namespace", "labels", "annotations", "uid", "resourceVersion", "creationTimestamp",
        "generation", "ownerReferences", "finalizers", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds",
        "selfLink"}
POD_SPEC = {"containers", "initContainers", "restartPolicy", "volumes", "nodeSelector", "serviceAccountName",
            "serviceAccount", "priorityClassName", "hostname", "subdomain", "schedulerName", "affinity", "tolerations",
            "securityContext", "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "hostNetwork",
            "hostIPC", "hostPID", "imagePullSecrets", "nodeName", "priority", "enableServiceLinks", "shareProcessNamespace",
            "automountServiceAccountToken", "runtimeClassName", "setHostnameAsFQDN", "topologySpreadConstraints",
            "ephemeralContainers", "hostAliases", "dnsConfig", "preemptionPolicy", "overhead", "readinessGates",
            "os", "schedulingGates", "resourceClaims", "hostUsers"}
CONTAINER = {"name", "image", "command", "args", "env", "envFrom", "ports", "resources", "volumeMounts", "workingDir",
             "securityContext", "imagePullPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
             "stdin", "stdinOnce", "tty", "terminationMessagePath", "terminationMessagePolicy", "volumeDevices",
             "resizePolicy", "restartPolicy"}
JOB_SPEC = {"template", "completions", "parallelism", "completionMode", "backoffLimit", "backoffLimitPerIndex",
            "maxFailedIndexes", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "selector", "manualSelector",
            "suspend", "podFailurePolicy", "podReplacementPolicy", "successPolicy", "managedBy"}
VC_SPEC = {"schedulerName", "minAvailable", "volumes", "tasks", "policies", "plugins", "runningEstimate", "queue",
           "maxRetry", "ttlSecondsAfterFinished", "priorityClassName", "minSuccess", "networkTopology"}
VC_TASK = {"name", "replicas", "minAvailable", "template", "policies", "topologyPolicy", "maxRetry", "dependsOn"}
SVC_SPEC = {"ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP",
            "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort",
            "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy",
            "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution"}
TOP = {"apiVersion", "kind", "metadata", "spec", "status"}


def unknown_fields(gvr, obj):
    """Dotted paths of fields the real schema does not know (checked down to containers)."""
    out = []

    def check(d, allowed, path):
        if isinstance(d, dict):
            out.extend(f"{path}{k}" for k in d if k not in allowed)

    def pod_template(t, path):
        if not isinstance(t, dict):
            return
        check(t, {"metadata", "spec"}, path)
        check(t.get("metadata"), META, path + "metadata.")
        spec = t.get("spec")
        check(spec, POD_SPEC, path + "spec.")
        for i, c in enumerate((spec or {}).get("containers") or [] if isinstance(spec, dict) else []):
            check(c, CONTAINER, f"{path}spec.containers[{i}].")

    check(obj, TOP, "")
    check(obj.get("metadata"), META, "metadata.")
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if gvr[2] == "pods":
        pod_template({"spec": spec}, "")
    elif gvr[2] == "services":
        check(spec, SVC_SPEC, "spec.")
    elif gvr[0] == "batch":
        check(spec, JOB_SPEC, "spec.")
        pod_template(spec.get("template"), "spec.template.")
    else:
        check(spec, VC_SPEC, "spec.")
        for i, t in enumerate(spec.get("tasks") or []):
            check(t, VC_TASK, f"spec.tasks[{i}].")
            pod_template(t.get("template") if isinstance(t, dict) else None, f"spec.tasks[{i}].template.")
    return out


DNS1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def field_errors(gvr, obj):
    """[(field, reason, message)] as the real validation reports them (a subset)."""
    errs, meta = [], obj.get("metadata") or {}
    name = meta.get("name", "")
    if not name:
        errs.append(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"))
    elif gvr[2] == "services" and not (len(name) <= 63 and DNS1035.fullmatch(name)):
        errs.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": a DNS-1035 label must consist of lower '
                     "case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric "
                     "character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"))
    elif not (len(name) <= 253 and DNS1123.fullmatch(name)):
        errs.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must '
                     "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                     "character (e.g. 'example.com', regex used for validation is "
                     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
    elif gvr == ("batch", "v1", "jobs") and len(name) > 63:
        errs.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": must be no more than 63 characters'))
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}

    def pod_spec(ps, path, job):
        ps = ps if isinstance(ps, dict) else {}
        cs = ps.get("containers")
        if not cs:
            errs.append((path + "containers", "FieldValueRequired", "Required value"))
        for i, c in enumerate(cs or []):
            if not isinstance(c, dict) or not c.get("name"):
                errs.append((f"{path}containers[{i}].name", "FieldValueRequired", "Required value"))
            if not isinstance(c, dict) or not c.get("image"):
                errs.append((f"{path}containers[{i}].image", "FieldValueRequired", "Required value"))
        if job and ps.get("restartPolicy") not in ("Never", "OnFailure"):
            errs.append((path + "restartPolicy", "FieldValueRequired" if "restartPolicy" not in ps else "FieldValueNotSupported",
                         ("Required value" if "restartPolicy" not in ps else f'Unsupported value: "{ps["restartPolicy"]}"')
                         + ': valid values: "OnFailure", "Never"'))

    if gvr[2] == "pods":
        pod_spec(spec, "spec.", False)
    elif gvr[2] == "services":
        if spec.get("clusterIP") != "None" and not spec.get("ports"):
            errs.append(("spec.ports", "FieldValueRequired", "Required value"))
    elif gvr[0] == "batch":
        pod_spec((spec.get("template") or {}).get("spec"), "spec.template.spec.", True)
        if spec.get("completionMode") == "Indexed" and spec.get("completions") is None:
            errs.append(("spec.completions", "FieldValueRequired", "Required value: when completion mode is Indexed"))
        for k in ("completions", "parallelism", "backoffLimit"):
            v = spec.get(k)
            if v is not None and v < 0:
                errs.append((f"spec.{k}", "FieldValueInvalid", f"Invalid value: {v}: must be greater than or equal to 0"))
            elif v is not None and k != "backoffLimit" and v > MAX_PODS:
                errs.append((f"spec.{k}", "FieldValueInvalid", f"Invalid value: {v}: must be less than or equal to "
                             f"{MAX_PODS} (a limit of the stand-in; the real one is 100000 when Indexed)"))
    else:  # Volcano: its admission webhook
        if not spec.get("tasks"):
            errs.append(("spec.tasks", "FieldValueRequired", "Required value: No task specified in job spec"))
        total = 0
        for i, t in enumerate(spec.get("tasks") or []):
            t = t if isinstance(t, dict) else {}
            replicas = t.get("replicas") if t.get("replicas") is not None else 1
            total += max(replicas, 0)
            if replicas < 0:
                errs.append((f"spec.tasks[{i}].replicas", "FieldValueInvalid", "Invalid value: 'replicas' < 0 in task: "
                             f"{t.get('name')}"))
            pod_spec((t.get("template") or {}).get("spec"), f"spec.tasks[{i}].template.spec.", False)
        if total > MAX_PODS:
            errs.append(("spec.tasks", "FieldValueInvalid", f"Invalid value: {total} pods: must be at most {MAX_PODS} "
                         "(a limit of the stand-in)"))
        names = [t.get("name") for t in spec.get("tasks") or [] if isinstance(t, dict)]
        if len(set(names)) != len(names):
            errs.append(("spec.tasks", "FieldValueDuplicate", "Duplicate value: duplicated task name"))
    return errs


# ---------------------------------------------------------------- decoding (JSON types, as Go's decoder checks them)
def _json_type(v):
    return {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}.get(type(v), "number")


def decode_errors(gvr, obj):
    """The first JSON type mismatch on the paths the stand-in reads, as the real decoder words it; or None."""
    problems = []

    def want(v, typ, path, go_type):
        ok = {"object": isinstance(v, dict), "array": isinstance(v, list), "string": isinstance(v, str),
              "int": isinstance(v, int) and not isinstance(v, bool)}[typ]
        if v is not None and not ok:
            problems.append(f"json: cannot unmarshal {_json_type(v)} into Go struct field {path} of type {go_type}")
        return v if ok else None

    def str_map(v, path):
        for k, x in (want(v, "object", path, "map[string]string") or {}).items():
            want(x, "string", f"{path}.{k}", "string")

    def meta(m, path):
        m = want(m, "object", path, "v1.ObjectMeta") or {}
        for k in ("name", "generateName", "namespace"):
            want(m.get(k), "string", f"{path}.{k}", "string")
        str_map(m.get("labels"), path + ".labels")
        str_map(m.get("annotations"), path + ".annotations")

    def pod_spec(s, path):
        s = want(s, "object", path, "v1.PodSpec") or {}
        for i, c in enumerate(want(s.get("containers"), "array", path + ".containers", "[]v1.Container") or []):
            c = want(c, "object", f"{path}.containers", "v1.Container") or {}
            for k in ("name", "image"):
                want(c.get(k), "string", f"{path}.containers.{k}", "string")
            for k in ("command", "args"):
                for a in want(c.get(k), "array", f"{path}.containers.{k}", "[]string") or []:
                    want(a, "string", f"{path}.containers.{k}", "string")
            for e in want(c.get("env"), "array", f"{path}.containers.env", "[]v1.EnvVar") or []:
                e = want(e, "object", f"{path}.containers.env", "v1.EnvVar") or {}
                want(e.get("name"), "string", f"{path}.containers.env.name", "string")
                want(e.get("value"), "string", f"{path}.containers.env.value", "string")

    def template(t, path):
        t = want(t, "object", path, "v1.PodTemplateSpec") or {}
        meta(t.get("metadata"), path + ".metadata")
        pod_spec(t.get("spec"), path + ".spec")

    kind = RESOURCES[gvr][0]
    meta(obj.get("metadata"), "metadata")
    spec = want(obj.get("spec"), "object", "spec", f"{kind}Spec") or {}
    if gvr[2] == "pods":
        pod_spec(spec, "spec")
    elif gvr[2] == "services":
        for k in ("clusterIP", "type"):
            want(spec.get(k), "string", "spec." + k, "string")
        str_map(spec.get("selector"), "spec.selector")
        want(spec.get("ports"), "array", "spec.ports", "[]v1.ServicePort")
    elif gvr[0] == "batch":
        for k in ("completions", "parallelism", "backoffLimit"):
            want(spec.get(k), "int", "spec." + k, "int32")
        want(spec.get("completionMode"), "string", "spec.completionMode", "v1.CompletionMode")
        template(spec.get("template"), "spec.template")
    else:
        for k in ("queue", "schedulerName"):
            want(spec.get(k), "string", "spec." + k, "string")
        for k in ("minAvailable", "maxRetry"):
            want(spec.get(k), "int", "spec." + k, "int32")
        for pol in want(spec.get("policies"), "array", "spec.policies", "[]v1alpha1.LifecyclePolicy") or []:
            want(pol, "object", "spec.policies", "v1alpha1.LifecyclePolicy")
        for t in want(spec.get("tasks"), "array", "spec.tasks", "[]v1alpha1.TaskSpec") or []:
            t = want(t, "object", "spec.tasks", "v1alpha1.TaskSpec") or {}
            want(t.get("name"), "string", "spec.tasks.name", "string")
            want(t.get("replicas"), "int", "spec.tasks.replicas", "int32")
            for pol in want(t.get("policies"), "array", "spec.tasks.policies", "[]v1alpha1.LifecyclePolicy") or []:
                want(pol, "object", "spec.tasks.policies", "v1alpha1.LifecyclePolicy")
            template(t.get("template"), "spec.tasks.template")
    return problems[0] if problems else None
