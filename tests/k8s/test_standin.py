"""Tests of the API-server stand-in itself (tests/k8s/standin): authentication, the real server's error
shapes, the pod/Job simulation, logs, watch and deletion. Run by ctest as "k8s: test_standin"."""
import copy, json, os, re, shutil, socket, ssl, subprocess, sys, time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "standin"))
from launch import Standin  # noqa: E402

TOKEN = "s3cret-token"
BATCH = "/apis/batch/v1/namespaces/default/jobs"
VOLCANO = "/apis/batch.volcano.sh/v1alpha1/namespaces/default/jobs"
PODS = "/api/v1/namespaces/default/pods"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Standin(tmp_path_factory.mktemp("standin"), tls=True, token=TOKEN, speed=5.0) as s:
        yield s


@pytest.fixture
def standin(server):
    """The module's stand-in, reset: no objects, no faults, the first token, an empty requests.jsonl."""
    assert server.json("POST", "/standin/reset")[0] == 200
    server.token = TOKEN
    return server


def container(name="main", command=("echo", "hello", "world"), **env):
    return {"name": name, "image": "busybox", "command": list(command),
            "env": [{"name": k, "value": str(v)} for k, v in env.items()]}


def batch_job(name, replicas=2, containers=None, backoff=0):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"completionMode": "Indexed", "completions": replicas, "parallelism": replicas, "backoffLimit": backoff,
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"restartPolicy": "Never", "containers": containers or [container()]}}}}


def volcano_job(name, tasks, **spec):
    return {"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job", "metadata": {"name": name},
            "spec": {"schedulerName": "volcano", "queue": "default", **spec,
                     "tasks": [{"name": t, "replicas": 1, "template": {"metadata": {"labels": {"app": name}},
                                "spec": {"restartPolicy": "Never", "containers": cs}}} for t, cs in tasks]}}


def wait_for(fn, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {fn.__doc__ or fn}")


def pods_of(s, selector):
    status, body = s.json("GET", f"{PODS}?labelSelector={selector}")
    assert status == 200
    return body["items"]


# ------------------------------------------------------------------ authentication and TLS
def test_tls_certificate_is_for_127_0_0_1_and_localhost(standin):
    for host in ("127.0.0.1", "localhost"):
        ctx = ssl.create_default_context(cafile=standin.ca)
        with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
    ctx = ssl.create_default_context()  # the system CAs do not know ours
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_token_is_required_and_checked(standin):
    for token in (False, "wrong-token", TOKEN + "x"):
        status, body = standin.json("GET", PODS, token=token)
        assert status == 401
        assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert standin.json("GET", PODS)[0] == 200
    recs = [r for r in standin.requests() if r["path"] == PODS]
    assert [(r["authorization_present"], r["authorization_ok"]) for r in recs] == \
        [(False, False), (True, False), (True, False), (True, True)]
    assert TOKEN not in open(os.path.join(standin.dir, "requests.jsonl")).read()


def test_plain_http_to_the_tls_port_gets_no_answer_and_the_server_survives(standin):
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as raw:
        raw.sendall(b"GET /api HTTP/1.1\r\nHost: x\r\n\r\n")
        assert raw.recv(100) in (b"",) or not raw.recv(100).startswith(b"HTTP/1.1 200")
    assert standin.json("GET", "/api")[0] == 200


def test_client_certificate_authenticates(tmp_path):
    with Standin(tmp_path / "s", client_ca=True) as s:
        cert = (os.path.join(s.dir, "client.crt"), os.path.join(s.dir, "client.key"))
        assert s.call("GET", PODS)[0] == 401
        assert s.call("GET", PODS, cert=cert)[0] == 200
        assert s.requests()[-1]["client_certificate"] == "standin-user"
        kubeconfig = open(s.kubeconfig).read()
        assert "client-certificate: " in kubeconfig and "certificate-authority: " in kubeconfig
        inline = open(os.path.join(s.dir, "kubeconfig-inline")).read()
        assert "client-certificate-data: LS0t" in inline and "certificate-authority-data: LS0t" in inline
        if shutil.which("kubectl"):  # the real client logs in with the certificate alone
            for config in (s.kubeconfig, os.path.join(s.dir, "kubeconfig-inline")):
                r = subprocess.run(["kubectl", "--cache-dir", str(tmp_path / "cache"), "get", "services", "-o", "name"],
                                   env={**os.environ, "KUBECONFIG": config}, capture_output=True, text=True, timeout=60)
                assert (r.returncode, r.stdout) == (0, ""), r.stderr
            assert s.requests()[-1]["client_certificate"] == "standin-user"


def test_kubeconfig_names_the_server_the_ca_and_the_token(standin):
    text = open(standin.kubeconfig).read()
    assert f"server: https://127.0.0.1:{standin.port}\n" in text
    assert f'certificate-authority: "{standin.ca}"' in text
    assert f'token: "{TOKEN}"' in text
    assert "current-context: standin\n" in text and "namespace: default\n" in text
    assert oct(os.stat(standin.kubeconfig).st_mode & 0o777) == "0o600"


# ------------------------------------------------------------------ discovery
def test_discovery_aggregated_and_plain_and_without_volcano(tmp_path, standin):
    agg = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    status, headers, data = standin.call("GET", "/apis", headers={"Accept": agg})
    assert headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    assert [i["metadata"]["name"] for i in json.loads(data)["items"]] == ["batch", "batch.volcano.sh"]
    status, body = standin.json("GET", "/apis")
    assert body["kind"] == "APIGroupList" and len(body["groups"]) == 2
    status, body = standin.json("GET", "/api/v1")
    assert {r["name"] for r in body["resources"]} >= {"pods", "pods/log", "services"}
    with Standin(tmp_path / "novc", tls=False, no_volcano=True) as s:
        status, body = s.json("GET", "/apis")
        assert [g["name"] for g in body["groups"]] == ["batch"]
        status, body = s.json("POST", VOLCANO, volcano_job("x", [("t", [container()])]))
        assert (status, body["reason"], body["message"]) == (404, "NotFound", "the server could not find the requested resource")
        assert "details" not in body  # as the real server's notfoundhandler writes it
        assert s.json("GET", "/apis/batch.volcano.sh/v1alpha1")[0] == 404


# ------------------------------------------------------------------ errors as the real server writes them
def test_not_found_and_already_exists(standin):
    status, body = standin.json("GET", BATCH + "/nope")
    assert status == 404
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": 'jobs.batch "nope" not found', "reason": "NotFound",
                    "details": {"name": "nope", "group": "batch", "kind": "jobs"}, "code": 404}
    assert standin.json("DELETE", VOLCANO + "/nope")[1]["message"] == 'jobs.batch.volcano.sh "nope" not found'
    assert standin.json("POST", BATCH, batch_job("dup"))[0] == 201
    status, body = standin.json("POST", BATCH, batch_job("dup"))
    assert (status, body["reason"], body["message"], body["details"]) == \
        (409, "AlreadyExists", 'jobs.batch "dup" already exists', {"name": "dup", "group": "batch", "kind": "jobs"})


def test_invalid_job_gets_422_with_causes(standin):
    job = batch_job("nocontainers")
    job["spec"]["template"]["spec"]["containers"] = []
    status, body = standin.json("POST", BATCH, job)
    assert status == 422 and body["reason"] == "Invalid"
    assert body["message"] == 'Job.batch "nocontainers" is invalid: spec.template.spec.containers: Required value'
    assert body["details"]["causes"] == [{"reason": "FieldValueRequired", "message": "Required value",
                                          "field": "spec.template.spec.containers"}]
    status, body = standin.json("POST", BATCH, batch_job("Bad_Name"))
    assert status == 422 and body["details"]["causes"][0]["field"] == "metadata.name"
    status, body = standin.json("POST", VOLCANO, volcano_job("notasks", []))
    assert status == 422 and "spec.tasks: Required value" in body["message"]


def test_unknown_field_strict_warn_ignore(standin):
    job = batch_job("strict")
    job["spec"]["template"]["spec"]["containers"][0]["bogus"] = 1
    status, body = standin.json("POST", BATCH + "?fieldValidation=Strict", job)
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == ('Job in version "v1" cannot be handled as a Job: strict decoding error: '
                               'unknown field "spec.template.spec.containers[0].bogus"')
    status, headers, _ = standin.call("POST", BATCH, job)  # the server's default: Warn
    assert status == 201 and headers["Warning"] == '299 - "unknown field \\"spec.template.spec.containers[0].bogus\\""'
    job["metadata"]["name"] = "ignored"
    status, headers, _ = standin.call("POST", BATCH + "?fieldValidation=Ignore", job)
    assert status == 201 and "Warning" not in headers


def test_forbidden_namespace(standin):
    status, body = standin.json("POST", "/apis/batch/v1/namespaces/forbidden/jobs", batch_job("x"))
    assert status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == ('jobs.batch is forbidden: User "standin-user" cannot create resource "jobs" in API group '
                               '"batch" in the namespace "forbidden"')
    status, body = standin.json("GET", "/api/v1/namespaces/forbidden/pods/p/log")
    assert status == 403 and 'cannot get resource "pods/log" in API group ""' in body["message"]


def test_hostile_requests_get_one_clear_answer(standin):
    assert standin.json("POST", BATCH, b"{not json", headers={"Content-Type": "application/json"})[0] == 400
    status, body = standin.json("POST", BATCH, b"kind: Job", headers={"Content-Type": "application/yaml"})
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")
    assert standin.json("POST", BATCH, [1, 2])[0] == 400
    assert standin.json("POST", BATCH, {"apiVersion": "v1", "kind": "Job"})[0] == 400
    status, body = standin.json("POST", BATCH, batch_job("x" * 300))
    assert status == 422
    status, body = standin.json("GET", PODS + "?labelSelector=" + "a%20in%20(" * 1000)
    assert (status, body["reason"]) == (400, "BadRequest")
    status, body = standin.json("GET", PODS + "?fieldSelector=spec.bogus%3D1")
    assert status == 400 and "field label not supported" in body["message"]
    assert standin.call("GET", "/../../etc/passwd")[0] == 404
    assert standin.json("GET", PODS + "?watch=true&timeoutSeconds=abc")[0] == 400
    assert standin.json("DELETE", BATCH + "/x", {"propagationPolicy": "Sideways"})[0] in (404, 422)
    assert standin.json("GET", "/api")[0] == 200  # still serving


# ------------------------------------------------------------------ simulation
def test_indexed_job_pods_names_labels_and_completion(standin):
    assert standin.json("POST", BATCH, batch_job("ok", replicas=2))[0] == 201
    pods = wait_for(lambda: len(pods_of(standin, "job-name=ok")) == 2 and pods_of(standin, "job-name=ok"))
    assert sorted(re.fullmatch(r"ok-(\d)-[a-z0-9]{5}", p["metadata"]["name"]).group(1) for p in pods) == ["0", "1"]
    for p in pods:
        labels = p["metadata"]["labels"]
        idx = labels["batch.kubernetes.io/job-completion-index"]
        assert p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == idx
        assert labels["app"] == "ok" and labels["batch.kubernetes.io/job-name"] == "ok"
        assert p["metadata"]["ownerReferences"][0]["kind"] == "Job"
    job = wait_for(lambda: (lambda j: "completionTime" in j["status"] and j)(standin.json("GET", BATCH + "/ok")[1]))
    assert [c["type"] for c in job["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert job["status"]["succeeded"] == 2 and job["status"]["completedIndexes"] == "0-1" and "active" not in job["status"]
    for p in pods_of(standin, "job-name=ok"):
        term = p["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (p["status"]["phase"], term["exitCode"], term["reason"]) == ("Succeeded", 0, "Completed")


def test_failing_job_reports_exit_code_and_backoff_limit(standin):
    job = batch_job("bad", replicas=1, containers=[container(STANDIN_EXIT_CODE=3)], backoff=1)
    assert standin.json("POST", BATCH, job)[0] == 201
    job = wait_for(lambda: (lambda j: j["status"].get("conditions") and j)(standin.json("GET", BATCH + "/bad")[1]))
    assert [c["type"] for c in job["status"]["conditions"]] == ["FailureTarget", "Failed"]
    assert job["status"]["conditions"][1]["reason"] == "BackoffLimitExceeded" and job["status"]["failed"] == 2
    pods = pods_of(standin, "job-name=bad")
    assert len(pods) == 2  # one retry (backoffLimit 1), same index
    for p in pods:
        term = p["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (p["status"]["phase"], term["exitCode"], term["reason"]) == ("Failed", 3, "Error")


def test_running_seconds_keep_a_pod_running(standin):
    standin.json("POST", BATCH, batch_job("slow", replicas=1, containers=[container(STANDIN_RUN_SECONDS=10)]))
    pod = wait_for(lambda: [p for p in pods_of(standin, "job-name=slow") if p["status"]["phase"] == "Running"])[0]
    assert "running" in pod["status"]["containerStatuses"][0]["state"]
    status, job = standin.json("GET", BATCH + "/slow")
    assert job["status"]["active"] == 1 and job["status"]["ready"] == 1
    wait_for(lambda: pods_of(standin, "job-name=slow")[0]["status"]["phase"] == "Succeeded")


def test_volcano_pods_status_and_failure(standin):
    vj = volcano_job("vc", [("trainer-0", [container()]), ("trainer-1", [container()])])
    assert standin.json("POST", VOLCANO, vj)[0] == 201
    pods = wait_for(lambda: len(pods_of(standin, "volcano.sh/job-name=vc")) == 2 and pods_of(standin, "volcano.sh/job-name=vc"))
    assert sorted(p["metadata"]["name"] for p in pods) == ["vc-trainer-0-0", "vc-trainer-1-0"]
    labels = pods[0]["metadata"]["labels"]
    assert labels["volcano.sh/task-spec"] == "trainer-0" and labels["app"] == "vc" and labels["volcano.sh/job-namespace"] == "default"
    job = wait_for(lambda: (lambda j: j["status"].get("state", {}).get("phase") == "Completed" and j)(
        standin.json("GET", VOLCANO + "/vc")[1]))
    assert job["status"]["taskStatusCount"] == {"trainer-0": {"phase": {"Succeeded": 1}}, "trainer-1": {"phase": {"Succeeded": 1}}}
    assert job["status"]["succeeded"] == 2 and job["apiVersion"] == "batch.volcano.sh/v1alpha1"
    retry = volcano_job("vcfail", [("a-0", [container(STANDIN_EXIT_CODE=2)])], maxRetry=1,
                        policies=[{"event": "PodFailed", "action": "RestartJob"}])
    standin.json("POST", VOLCANO, retry)
    job = wait_for(lambda: (lambda j: j["status"].get("state", {}).get("phase") == "Failed" and j)(
        standin.json("GET", VOLCANO + "/vcfail")[1]))
    assert job["status"]["retryCount"] == 1 and job["status"]["version"] == 1
    assert "Restarting" in [c["status"] for c in job["status"]["conditions"]]


def test_control_endpoint_holds_a_pod_in_a_phase(standin):
    standin.json("POST", BATCH, batch_job("held", replicas=1))
    name = wait_for(lambda: pods_of(standin, "job-name=held"))[0]["metadata"]["name"]
    status, pod = standin.json("POST", f"/standin/pods/default/{name}/phase", {"phase": "Failed", "exitCode": 7})
    assert status == 200 and pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 7
    assert standin.json("POST", "/standin/pods/default/nope/phase", {"phase": "Running"})[0] == 404
    assert standin.json("POST", f"/standin/pods/default/{name}/phase", {"phase": "Bogus"})[0] == 400
    assert all(not r["path"].startswith("/standin/") for r in standin.requests())


# ------------------------------------------------------------------ logs
def test_logs_lines_timestamps_since_tail_and_container(standin):
    c = container(command=("python", "-m", "train", "--lr=0.1"), STANDIN_LOG_LINES=3)
    standin.json("POST", BATCH, batch_job("lg", replicas=1, containers=[c, container("side")]))
    name = wait_for(lambda: pods_of(standin, "job-name=lg"))[0]["metadata"]["name"]
    log = f"{PODS}/{name}/log"
    standin.json("POST", BATCH, batch_job("pend", replicas=1, containers=[container(STANDIN_PENDING_SECONDS=1000)]))
    pending = wait_for(lambda: pods_of(standin, "job-name=pend"))[0]["metadata"]["name"]
    status, body = standin.json("GET", f"{PODS}/{pending}/log")
    assert status == 400 and body["message"] == f'container "main" in pod "{pending}" is waiting to start: ContainerCreating'
    wait_for(lambda: pods_of(standin, "job-name=lg")[0]["status"]["phase"] == "Succeeded")
    status, body = standin.json("GET", log)
    assert status == 400 and body["message"] == f"a container name must be specified for pod {name}, choose one of: [main side]"
    assert standin.call("GET", log + "?container=main")[2] == b"python -m train --lr=0.1\nline 1\nline 2\nline 3\n"
    assert standin.call("GET", log + "?container=side")[2] == b"hello\nworld\n"
    assert standin.call("GET", log + "?container=main&tailLines=2")[2] == b"line 2\nline 3\n"
    text = standin.call("GET", log + "?container=main&timestamps=true")[2].decode()
    assert re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z [^\n]+\n){4}", text)
    assert standin.call("GET", log + "?container=main&sinceTime=2999-01-01T00:00:00Z")[2] == b""
    assert standin.call("GET", log + "?container=main&sinceSeconds=600")[2].count(b"\n") == 4
    assert standin.json("GET", log + "?container=nope")[1]["message"] == f"container nope is not valid for pod {name}"
    assert standin.json("GET", log + "?container=main&sinceSeconds=x")[0] == 400


def test_logs_follow_streams_until_the_pod_ends(standin):
    c = container(command=("train",), STANDIN_LOG_LINES=5, STANDIN_RUN_SECONDS=20)  # 4 s at speed 5
    standin.json("POST", BATCH, batch_job("fl", replicas=1, containers=[c]))
    name = wait_for(lambda: [p for p in pods_of(standin, "job-name=fl") if p["status"]["phase"] == "Running"])[0]["metadata"]["name"]
    conn = standin.connection(timeout=30)
    conn.request("GET", f"{PODS}/{name}/log?follow=true", headers={"Authorization": "Bearer " + TOKEN})
    r = conn.getresponse()
    assert r.getheader("Transfer-Encoding") == "chunked"
    start = time.monotonic()
    first = r.readline()
    got_first_at = time.monotonic() - start
    rest = r.read()
    ended_at = time.monotonic() - start
    assert first == b"train\n" and rest == b"line 1\nline 2\nline 3\nline 4\nline 5\n"
    assert got_first_at < 1.0 and ended_at > 1.0  # the first line came at once, the stream ended with the pod
    assert pods_of(standin, "job-name=fl")[0]["status"]["phase"] == "Succeeded"


# ------------------------------------------------------------------ watch, list, delete
def test_list_label_selectors_and_resource_version(standin):
    for name, team in (("a", "x"), ("b", "y"), ("c", None)):
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"app": "t", **({"team": team} if team else {})}},
               "spec": {"clusterIP": "None", "selector": {"app": name}}}
        assert standin.json("POST", "/api/v1/namespaces/default/services", svc)[0] == 201
    names = lambda sel: [i["metadata"]["name"] for i in standin.json("GET", "/api/v1/namespaces/default/services?labelSelector=" + sel)[1]["items"]]
    assert names("team%3Dx") == ["a"] and names("team!%3Dx") == ["b", "c"] and names("team%20in%20(x,y)") == ["a", "b"]
    assert names("team") == ["a", "b"] and names("!team") == ["c"] and names("app%3Dt,team%20notin%20(x)") == ["b", "c"]
    status, body = standin.json("GET", "/api/v1/namespaces/default/services")
    assert body["kind"] == "ServiceList" and int(body["metadata"]["resourceVersion"]) > 0
    assert "kind" not in body["items"][0]  # a built-in list's items carry no kind, as the real server's


def test_watch_by_name_streams_added_modified_deleted(standin):
    status, body = standin.json("GET", BATCH)
    rv = body["metadata"]["resourceVersion"]
    conn = standin.connection(timeout=30)
    conn.request("GET", f"{BATCH}?watch=true&resourceVersion={rv}&fieldSelector=metadata.name%3Dw&timeoutSeconds=20",
                 headers={"Authorization": "Bearer " + TOKEN})
    r = conn.getresponse()
    standin.json("POST", BATCH, batch_job("w", replicas=1))
    standin.json("POST", BATCH, batch_job("other", replicas=1))
    events = []
    while not events or events[-1]["object"]["status"].get("conditions") is None:
        events.append(json.loads(r.readline()))
    standin.json("DELETE", BATCH + "/w", {"propagationPolicy": "Background"})
    while events[-1]["type"] != "DELETED":
        events.append(json.loads(r.readline()))
    assert events[0]["type"] == "ADDED" and {e["type"] for e in events[1:-1]} == {"MODIFIED"}
    assert {e["object"]["metadata"]["name"] for e in events} == {"w"} and events[0]["object"]["kind"] == "Job"
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs)
    status, _, data = standin.call("GET", f"{BATCH}?watch=true&timeoutSeconds=1&resourceVersion=0")  # ends on its own
    initial = [json.loads(line) for line in data.splitlines()]  # resourceVersion=0: the current state first
    assert status == 200 and (initial[0]["type"], initial[0]["object"]["metadata"]["name"]) == ("ADDED", "other")
    start = time.monotonic()
    conn = standin.connection(timeout=30)
    conn.request("GET", f"{PODS}?watch=true&timeoutSeconds=1", headers={"Authorization": "Bearer " + TOKEN})
    conn.getresponse().read()
    assert 0.9 < time.monotonic() - start < 5


def test_delete_propagation(standin):
    standin.json("POST", BATCH, batch_job("orphan", replicas=1))
    wait_for(lambda: pods_of(standin, "job-name=orphan"))
    status, headers, data = standin.call("DELETE", BATCH + "/orphan")  # batch/v1's legacy default: orphan
    assert status == 200 and json.loads(data)["status"] == "Success"
    assert headers["Warning"].startswith('299 - "child pods are preserved by default when jobs are deleted')
    assert len(pods_of(standin, "job-name=orphan")) == 1
    standin.json("POST", BATCH, batch_job("bg", replicas=2))
    wait_for(lambda: len(pods_of(standin, "job-name=bg")) == 2)
    assert standin.json("DELETE", BATCH + "/bg", {"propagationPolicy": "Background"})[0] == 200
    assert pods_of(standin, "job-name=bg") == []
    standin.json("POST", VOLCANO, volcano_job("vcdel", [("t", [container()])]))
    wait_for(lambda: pods_of(standin, "volcano.sh/job-name=vcdel"))
    assert standin.json("DELETE", VOLCANO + "/vcdel?propagationPolicy=Background")[0] == 200
    assert pods_of(standin, "volcano.sh/job-name=vcdel") == []
    assert standin.json("GET", VOLCANO + "/vcdel")[0] == 404


# ------------------------------------------------------------------ lifetime
def test_exits_on_sigterm_and_when_its_parent_dies(tmp_path):
    s = Standin(tmp_path / "term", tls=False)
    s.proc.terminate()
    assert s.proc.wait(5) == 0
    script = (f"import subprocess, sys, time\n"
              f"p = subprocess.Popen([sys.executable, {os.path.join(os.path.dirname(__file__), 'standin', 'standin.py')!r},"
              f" '--dir', {str(tmp_path / 'orphan')!r}])\n"
              f"while True:\n"
              f"    try:\n        open({str(tmp_path / 'orphan' / 'port')!r}); break\n"
              f"    except OSError: time.sleep(0.02)\n"
              f"print(p.pid)\n")
    import subprocess
    child = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30).stdout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists(f"/proc/{child}") and \
            open(f"/proc/{child}/stat").read().split(")")[1].split()[0] != "Z":
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split(")")[1].split()[0] == "Z"


def test_token_rotation_and_injected_faults(standin):
    assert standin.json("POST", "/standin/token", {"token": "fresh"})[0] == 200
    assert standin.json("GET", PODS)[0] == 401  # the old token is now refused, as an expired one
    assert standin.json("GET", PODS, token="fresh")[0] == 200
    standin.token = "fresh"
    fault = {"path_prefix": BATCH, "method": "POST", "status": 503, "count": 1, "message": "etcd is sad"}
    assert standin.json("POST", "/standin/inject", fault)[0] == 200
    assert standin.json("GET", BATCH)[0] == 200  # another method: untouched
    status, body = standin.json("POST", BATCH, batch_job("f"))
    assert (status, body["reason"], body["message"]) == (503, "ServiceUnavailable", "etcd is sad")
    assert standin.json("POST", BATCH, batch_job("f"))[0] == 201  # count 1: only once
    standin.json("POST", "/standin/inject", {"path_prefix": PODS, "delay_seconds": 3})
    with pytest.raises(TimeoutError):
        standin.call("GET", PODS, timeout=0.5)
    assert standin.json("POST", "/standin/inject", {"count": "many"})[0] == 400


def test_mutated_manifests_never_break_the_server(standin):
    """Random type changes anywhere in valid manifests: a clear 4xx or a 201, never a 500, and the simulation
    keeps running."""
    import random
    rng = random.Random(1717)
    junk = [None, 0, -1, 10 ** 12, 1.5, True, "", "x" * 5000, [], [1, "a"], {}, {"a": {"b": []}}, "\u202e\u0000"]
    templates = [(BATCH, batch_job("m")), (VOLCANO, volcano_job("m", [("t", [container()])])),
                 ("/api/v1/namespaces/default/services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "m"},
                                                          "spec": {"clusterIP": "None", "selector": {"a": "b"}}})]

    def paths(node, prefix=()):
        yield prefix
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for k, v in items:
            yield from paths(v, prefix + (k,))

    codes = {}
    for i in range(300):
        path, manifest = templates[i % 3]
        doc = copy.deepcopy(manifest)
        target = rng.choice(list(paths(doc))[1:])
        node = doc
        for k in target[:-1]:
            node = node[k]
        node[target[-1]] = rng.choice(junk)
        if isinstance(doc.get("metadata"), dict):
            doc["metadata"]["name"] = f"m{i}"
        status, body = standin.json("POST", path, doc)
        codes[status] = codes.get(status, 0) + 1
        assert status in (201, 400, 409, 422), (status, target, body)
        assert status == 201 or (body["kind"] == "Status" and body["message"]), body
    assert codes.get(400) and codes.get(422) and codes.get(201)  # each kind of answer was exercised
    standin.json("POST", BATCH, batch_job("after", replicas=1))
    wait_for(lambda: (lambda j: "completionTime" in j["status"])(standin.json("GET", BATCH + "/after")[1]))
    assert "simulation error" not in open(os.path.join(standin.dir, "stderr")).read()


def test_patch_suspends_a_job_and_aborts_a_volcano_job(standin):
    merge = {"Content-Type": "application/merge-patch+json"}
    standin.json("POST", BATCH, batch_job("sus", replicas=2, containers=[container(STANDIN_RUN_SECONDS=60)]))
    wait_for(lambda: len(pods_of(standin, "job-name=sus")) == 2)
    status, job = standin.json("PATCH", BATCH + "/sus", {"spec": {"suspend": True}}, headers=merge)
    assert status == 200 and job["metadata"]["generation"] == 2
    assert pods_of(standin, "job-name=sus") == []
    cond = standin.json("GET", BATCH + "/sus")[1]["status"]["conditions"][-1]
    assert (cond["type"], cond["status"], cond["reason"]) == ("Suspended", "True", "JobSuspended")
    standin.json("PATCH", BATCH + "/sus", {"spec": {"suspend": False}}, headers=merge)
    assert len(pods_of(standin, "job-name=sus")) == 2
    # the main resource ignores a status in the patch; strict validation; unknown kinds of patch
    standin.json("PATCH", BATCH + "/sus", {"status": {"succeeded": 9}}, headers=merge)
    assert "succeeded" not in standin.json("GET", BATCH + "/sus")[1]["status"]
    status, body = standin.json("PATCH", BATCH + "/sus?fieldValidation=Strict", {"spec": {"bogus": 1}}, headers=merge)
    assert status == 400 and 'unknown field "spec.bogus"' in body["message"]
    status, body = standin.json("PATCH", BATCH + "/sus", [{"op": "add"}], headers={"Content-Type": "application/json-patch+json"})
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")
    status, body = standin.json("PATCH", BATCH + "/sus", {"spec": {"template": {"spec": {"containers": None}}}}, headers=merge)
    assert status == 422 and "spec.template.spec.containers: Required value" in body["message"]
    assert standin.json("PATCH", BATCH + "/nope", {"spec": {}}, headers=merge)[0] == 404

    standin.json("POST", VOLCANO, volcano_job("ab", [("t", [container(STANDIN_RUN_SECONDS=60)])]))
    wait_for(lambda: pods_of(standin, "volcano.sh/job-name=ab"))
    assert standin.json("PATCH", VOLCANO + "/ab", {"spec": {}}, headers={"Content-Type": "application/strategic-merge-patch+json"})[0] == 415
    status, job = standin.json("PATCH", VOLCANO + "/ab/status", {"status": {"state": {"phase": "Aborting"}},
                                                                 "spec": {"queue": "ignored"}}, headers=merge)
    assert status == 200 and job["status"]["state"]["phase"] == "Aborted" and job["spec"]["queue"] == "default"
    assert pods_of(standin, "volcano.sh/job-name=ab") == []
