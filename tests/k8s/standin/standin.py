#!/usr/bin/env python3
"""TEST CODE: a stand-in for the Kubernetes API server (no cluster can run on these machines).

Serves what kubectl 1.32 and the torchx kubernetes plugin need, pinned to what kubectl really sends
(tests/k8s/kubectl-golden, tests/k8s/record-kubectl.sh): discovery (aggregated and plain), OpenAPI v3
stubs that advertise fieldValidation, create/get/list/watch/patch/delete of batch/v1 Jobs, v1 Services, v1 Pods
(+ pods/log) and Volcano batch.volcano.sh/v1alpha1 Jobs, with the real server's Status errors
(404/409/422/400/401/403). A small simulation runs the controllers: Jobs create pods, pods go
Pending -> Running -> Succeeded/Failed, Job status follows. Python 3.11 stdlib only.

    python3 standin.py --dir DIR [--tls] [--token TOKEN] [--no-volcano] [--client-ca] [--speed F]

DIR receives: ca.crt/ca.key, server.crt/server.key (and client.crt/client.key with --client-ca),
kubeconfig, requests.jsonl (one JSON object per API request) and, last, `port` when ready.
Pod simulation (container env): STANDIN_EXIT_CODE=N, STANDIN_RUN_SECONDS=S, STANDIN_LOG_LINES=N,
STANDIN_PENDING_SECONDS=S.
Control endpoints (no auth, not logged): see README.md beside this file.
What it knows of the API (resources, discovery, selectors, validation) is in api_model.py; the object
store, watch events and the simulated controllers in cluster.py; this file is the HTTP server.
It is not a Kubernetes server: no admission, no RBAC, no PUT, PATCH only as merge patches.
"""
import argparse, base64, copy, http.server, json, os, re, signal, ssl, subprocess
import socket, sys, threading, time, urllib.parse, uuid

from api_model import (RESOURCES, SelectorError, aggregated, api_resource_list, decode_errors, field_errors, field_match,
                       group_prefix, groups, label_match, openapi_v3_group, openapi_v3_root, parse_field_selector,
                       parse_label_selector, served, unknown_fields)
import api_model
import cluster
from cluster import (LOCK, STATE, USER, create_object, delete_object, log_lines, merge_patch, now, objects_of,
                     parse_rfc3339, put, rand5, reset_state, rfc3339, simulation_loop, tick, with_kind)

ARGS = None

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

    def setup(self):
        super().setup()
        # headers and body go out as separate writes: without this, Nagle and the client's delayed ACK
        # add ~40 ms to every answer on a kept-alive connection
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

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
        with LOCK:
            token = STATE["token"]
        token_ok = token is not None and auth == "Bearer " + token
        cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        self.record(auth is not None, token_ok, body, cert)
        if ARGS.token is not None or ARGS.client_ca:
            if not (token_ok or cert):
                return self.send_json(401, status_body(401, "Unauthorized", "Unauthorized"))
        with LOCK:  # a failure injected by a test (/standin/inject), first match wins
            fault = next((f for f in STATE["faults"] if f["count"] != 0 and u.path.startswith(f["path_prefix"])
                          and f["method"] in ("", method)), None)
            if fault:
                fault["count"] -= 1
        if fault:
            time.sleep(fault["delay_seconds"])
            if fault["status"]:
                code = fault["status"]
                reason = {500: "InternalError", 503: "ServiceUnavailable", 429: "TooManyRequests", 504: "Timeout",
                          401: "Unauthorized", 403: "Forbidden"}.get(code, "InternalError")
                return self.send_json(code, status_body(code, reason, fault["message"] or f"injected {code}"))
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
        if method == "GET" and name:  # the object itself, or its status subresource: the whole object too
            with LOCK:
                obj = STATE["objects"].get((gvr, ns, name))
                if obj is None:
                    raise self.not_found(gvr, name)
                return self.send_json(200, with_kind(gvr, obj))
        if method == "DELETE" and name and not sub:
            return self.delete(gvr, ns, name, body, q)
        if method == "PATCH" and name and sub in (None, "status"):
            return self.patch(gvr, ns, name, sub, body, q)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})

    def not_found(self, gvr, name):
        return ApiError(404, "NotFound", f'{qualified(gvr)} "{name}" not found', {"name": name, "group": gvr[0], "kind": gvr[2]})

    # -- verbs
    def create(self, gvr, ns, raw, body, q):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            raise ApiError(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - accepted '
                           'media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf')
        kind = RESOURCES[gvr][0]
        if not isinstance(body, dict) or "_unparsed" in body:
            raise ApiError(400, "BadRequest", f"Object '{kind}' is invalid: couldn't get version/kind; json parse error")
        if body.get("apiVersion") != group_prefix(gvr) or body.get("kind") != kind:
            raise ApiError(400, "BadRequest", f"the API version in the data ({body.get('apiVersion')}) does not match the "
                           f"expected API version ({group_prefix(gvr)})" if body.get("kind") == kind else
                           f"{kind} in version \"{gvr[1]}\" cannot be handled as a {kind}: no kind \"{body.get('kind')}\" "
                           f"is registered for version \"{body.get('apiVersion')}\"")
        decode = decode_errors(gvr, body)
        if decode:
            raise ApiError(400, "BadRequest", f'{kind} in version "{gvr[1]}" cannot be handled as a {kind}: {decode}')
        meta = body.get("metadata") or {}
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

    def patch(self, gvr, ns, name, sub, body, q):
        """JSON merge patch (strategic merge patch is applied as one: no list merging) of an object or
        of its status subresource; the other part of the patch is ignored, as the real server does."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype not in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                           "media types include: application/merge-patch+json, application/strategic-merge-patch+json "
                           "(the stand-in does not do application/json-patch+json or application/apply-patch+yaml)")
        if ctype == "application/strategic-merge-patch+json" and gvr[0] == "batch.volcano.sh":
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                           "media types include: application/json-patch+json, application/merge-patch+json, "
                           "application/apply-patch+yaml")  # no strategic merge for custom resources
        if not isinstance(body, dict) or "_unparsed" in body:
            raise ApiError(400, "BadRequest", "error decoding patch: the patch is not a JSON object")
        kind = RESOURCES[gvr][0]
        with LOCK:
            obj = STATE["objects"].get((gvr, ns, name))
            if obj is None:
                raise self.not_found(gvr, name)
            patched = merge_patch(with_kind(gvr, obj), body)
            keep = ("status",) if sub != "status" else ("spec", "metadata", "apiVersion", "kind")
            for k in keep:  # the main resource ignores status, the status subresource everything else
                if k in obj or k in ("apiVersion", "kind"):
                    patched[k] = with_kind(gvr, obj)[k]
                else:
                    patched.pop(k, None)
            for k in ("name", "namespace", "uid", "creationTimestamp", "resourceVersion"):
                patched.setdefault("metadata", {})[k] = obj["metadata"].get(k)
            decode = decode_errors(gvr, patched)
            if decode:
                raise ApiError(400, "BadRequest", f'{kind} in version "{gvr[1]}" cannot be handled as a {kind}: {decode}')
            unknown = unknown_fields(gvr, patched)
            if unknown and q.get("fieldValidation") == "Strict":
                raise ApiError(400, "BadRequest", f'{kind} in version "{gvr[1]}" cannot be handled as a {kind}: strict '
                               f'decoding error: ' + ", ".join(f'unknown field "{f}"' for f in unknown))
            headers = {"Warning": ", ".join(f'299 - "unknown field \\"{f}\\""' for f in unknown)} \
                if unknown and q.get("fieldValidation", "Warn") == "Warn" else {}
            errs = field_errors(gvr, patched)
            if errs:
                group_kind = kind + ("." + gvr[0] if gvr[0] else "")
                raise ApiError(422, "Invalid", f'{group_kind} "{name}" is invalid: ' + ", ".join(f"{f}: {m}" for f, _, m in errs),
                               {"name": name, "group": gvr[0], "kind": kind,
                                "causes": [{"reason": r, "message": m, "field": f} for f, r, m in errs]})
            if q.get("dryRun") == "All":
                return self.send_json(200, patched, headers=headers)
            patched.pop("apiVersion")
            patched.pop("kind")
            if patched.get("spec") != obj.get("spec") and "generation" in obj["metadata"]:
                patched["metadata"]["generation"] = obj["metadata"]["generation"] + 1
            obj.clear()
            obj.update(patched)
            put(gvr, obj, "MODIFIED")
            tick()
            return self.send_json(200, with_kind(gvr, obj), headers=headers)

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
            if tail is not None and tail < 0:
                raise ValueError
        except ValueError:
            raise ApiError(400, "BadRequest", "invalid log options: sinceSeconds must be a positive integer, sinceTime "
                           "RFC3339, tailLines a non-negative integer")
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
            if p == "/standin/token" and method == "POST" and isinstance(body.get("token"), str):
                STATE["token"] = body["token"]  # the old token now gets 401, as an expired one
                return self.send_json(200, {"ok": True})
            if p == "/standin/inject" and method == "POST":
                try:
                    fault = {"path_prefix": str(body.get("path_prefix", "/")), "method": str(body.get("method", "")),
                             "status": int(body.get("status", 0)), "count": int(body.get("count", 1)),
                             "delay_seconds": min(float(body.get("delay_seconds", 0)), 600.0),
                             "message": str(body.get("message", ""))}
                except (TypeError, ValueError) as e:
                    return self.send_json(400, {"error": f"bad fault: {e}"})
                STATE["faults"].append(fault)
                return self.send_json(200, {"ok": True})
            if p == "/standin/reset" and method == "POST":
                STATE.update(objects={}, sim={}, events=[], faults=[], token=ARGS.token)
                open(os.path.join(ARGS.dir, "requests.jsonl"), "w").close()
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


def write_kubeconfig(d, scheme, port, inline):
    """DIR/kubeconfig names the CA and client files; DIR/kubeconfig-inline carries them as *-data (base64)."""
    q = json.dumps

    def ref(key, name):
        path = os.path.join(d, name)
        if not inline:
            return f"{key}: {q(path)}"
        with open(path, "rb") as f:
            return f"{key}-data: {base64.b64encode(f.read()).decode()}"
    user = []
    if ARGS.token is not None:
        user.append(f"    token: {q(ARGS.token)}")
    if ARGS.client_ca:
        user += ["    " + ref("client-certificate", "client.crt"), "    " + ref("client-key", "client.key")]
    ca = f"    {ref('certificate-authority', 'ca.crt')}\n" if scheme == "https" else ""
    text = (f"apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n    server: {scheme}://127.0.0.1:{port}\n"
            f"{ca}users:\n- name: standin\n  user:{'' if user else ' {}'}\n" + "".join(u + "\n" for u in user) +
            "contexts:\n- name: standin\n  context:\n    cluster: standin\n    user: standin\n    namespace: default\n"
            "current-context: standin\n")
    path = os.path.join(d, "kubeconfig-inline" if inline else "kubeconfig")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


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
    cluster.configure(ARGS.speed, ARGS.token)
    reset_state()
    ARGS.dir = os.path.abspath(ARGS.dir)
    os.makedirs(ARGS.dir, exist_ok=True)
    for f in ("port", "requests.jsonl"):
        if os.path.exists(os.path.join(ARGS.dir, f)):
            os.unlink(os.path.join(ARGS.dir, f))
    open(os.path.join(ARGS.dir, "requests.jsonl"), "w").close()
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
    for inline in (False, True):
        write_kubeconfig(ARGS.dir, "https" if ARGS.tls else "http", port, inline)
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
