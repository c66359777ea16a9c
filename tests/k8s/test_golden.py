"""Tests of tests/k8s/golden.py: normalize() and matches(), the one call with which the plugin's tests
assert that their client sent what kubectl sends. Run by ctest as "k8s: test_golden"."""
import copy, os, sys, time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "standin"))
import golden  # noqa: E402
from launch import Standin  # noqa: E402

JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "app-x1", "namespace": "team"},
       "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}


def create_request(**over):
    rec = {"method": "POST", "path": "/apis/batch/v1/namespaces/team/jobs",
           "query": {"fieldManager": ["torchx"], "fieldValidation": ["Strict"]},
           "content_type": "application/json", "accept": "application/json", "body": copy.deepcopy(JOB)}
    rec.update(over)
    return rec


def test_normalize_replaces_names_and_volatile_values():
    n = golden.normalize({"method": "GET", "path": "/api/v1/namespaces/team/pods",
                          "query": {"watch": ["true"], "resourceVersion": ["123"], "timeoutSeconds": ["30"],
                                    "fieldSelector": ["metadata.name=app-x1-0"],
                                    "labelSelector": ["app.kubernetes.io/managed-by=torchx.pytorch.org,"
                                                      "app.kubernetes.io/instance=app-x1,k in (a,b)"]},
                          "content_type": None, "accept": "application/json", "body": None})
    assert n == {"method": "GET", "path": "/api/v1/namespaces/{namespace}/pods",
                 "query": {"fieldSelector": "metadata.name={name}",
                           "labelSelector": "app.kubernetes.io/managed-by=torchx.pytorch.org,"
                                            "app.kubernetes.io/instance={value},k in ({value},{value})",
                           "resourceVersion": "{resourceVersion}", "timeoutSeconds": "{int}", "watch": "true"},
                 "content_type": None, "accept": "application/json", "body": None}
    assert golden.normalize(create_request())["body"] == {"apiVersion": "batch/v1", "kind": "Job",
                                                          "keys": ["apiVersion", "kind", "metadata", "spec"]}
    assert golden.normalize({**create_request(), "method": "DELETE", "body": {"propagationPolicy": "Background"}})["body"] \
        == {"propagationPolicy": "Background"}
    assert golden.normalize({**create_request(), "path": "/api/v1/namespaces/t/pods/p-0/log"})["path"] == \
        "/api/v1/namespaces/{namespace}/pods/{name}/log"


def test_matches_accepts_what_kubectl_sends():
    assert golden.matches([create_request()], "create-job") == []
    delete = {"method": "DELETE", "path": "/apis/batch/v1/namespaces/team/jobs/app-x1", "query": {},
              "content_type": "application/json", "accept": "application/json", "body": {"propagationPolicy": "Background"}}
    assert golden.matches([delete], "delete-job") == []  # kubectl's GET after the DELETE is not required


def test_matches_reports_each_difference():
    diffs = golden.matches([create_request(query={"fieldManager": ["torchx"]}, accept="*/*")], "create-job")
    assert diffs == ['create-job: POST /apis/batch/v1/namespaces/{namespace}/jobs: accept: kubectl sends '
                     '"application/json", got "*/*"',
                     'create-job: POST /apis/batch/v1/namespaces/{namespace}/jobs: query fieldValidation: kubectl sends '
                     '"Strict", got none']
    body = copy.deepcopy(JOB)
    body["status"] = {}
    assert len(golden.matches([create_request(body=body)], "create-job")) == 1
    assert golden.matches([create_request(query={})], "create-job", ignore_query=("fieldManager", "fieldValidation")) == []
    delete = {"method": "DELETE", "path": "/apis/batch/v1/namespaces/team/jobs/app-x1", "query": {},
              "content_type": None, "accept": "application/json", "body": None}
    assert golden.matches([delete], "delete-job") == [
        'delete-job: DELETE /apis/batch/v1/namespaces/{namespace}/jobs/{name}: content_type: kubectl sends '
        '"application/json", got null',
        'delete-job: DELETE /apis/batch/v1/namespaces/{namespace}/jobs/{name}: body: kubectl sends '
        '{"propagationPolicy": "Background"}, got null']
    missing = golden.matches([create_request()], "delete-job")
    assert len(missing) == 1 and missing[0].startswith("delete-job: no DELETE /apis/batch/v1/namespaces/{namespace}/jobs/{name}")
    with pytest.raises(FileNotFoundError, match="create-job"):
        golden.matches([], "no-such-op")


def test_every_golden_file_has_one_main_request_and_kubectl_version():
    names = [f[:-5] for f in os.listdir(golden.GOLDEN_DIR) if f.endswith(".json")]
    assert len(names) == 26
    for name in names:
        doc = golden.load(name)
        assert doc["kubectl_version"].startswith("v1.32"), name
        assert sum(r["main"] for r in doc["requests"]) == 1, name


def test_matches_on_requests_recorded_by_the_standin(tmp_path):
    with Standin(tmp_path / "s", tls=True, token="t") as s:
        status, _, _ = s.call("POST", "/apis/batch/v1/namespaces/default/jobs?fieldManager=torchx&fieldValidation=Strict",
                              {**JOB, "metadata": {"name": "app-x1"}}, headers={"Accept": "application/json"})
        assert status == 201
        assert golden.matches(os.path.join(s.dir, "requests.jsonl"), "create-job") == []
        assert golden.matches(s.requests(), "get-job") != []


def test_command_line_for_other_languages(tmp_path):
    import json, subprocess
    log = tmp_path / "requests.jsonl"
    log.write_text(json.dumps(create_request()) + "\n")
    run = lambda *a: subprocess.run([sys.executable, os.path.join(HERE, "golden.py"), str(log), *a],
                                    capture_output=True, text=True, timeout=30)
    assert (run("create-job").returncode, run("create-job").stdout) == (0, "")
    r = run("create-job", "get-job")
    assert r.returncode == 1 and r.stdout.startswith("get-job: no GET /apis/batch/v1/namespaces/{namespace}/jobs/{name}")
    assert run("nope").returncode == 2  # no such golden file
    missing = subprocess.run([sys.executable, os.path.join(HERE, "golden.py"), str(tmp_path / "missing.jsonl"), "create-job"],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "missing.jsonl" in missing.stdout


def test_a_client_written_from_the_golden_files_matches_every_one(tmp_path):
    """A reference for the plugin's client: each operation as kubectl sends it, by hand (urllib-level),
    against the stand-in, and golden.matches() finds no difference for any golden file."""
    import json as _json
    names = sorted(f[:-5] for f in os.listdir(golden.GOLDEN_DIR) if f.endswith(".json"))
    with Standin(tmp_path / "s", tls=True, token="t", speed=5.0) as s:
        ns = "/namespaces/default"
        batch, core, vc = "/apis/batch/v1" + ns, "/api/v1" + ns, "/apis/batch.volcano.sh/v1alpha1" + ns
        create = "?fieldManager=torchx&fieldValidation=Strict"
        send_json = {"Content-Type": "application/json", "Accept": "application/json"}
        get_json = {"Accept": "application/json"}
        logs = {"Accept": "application/json, */*"}
        job = {**JOB, "metadata": {"name": "ref"}}
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ref"}, "spec": {"clusterIP": "None"}}
        vcjob = {"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job", "metadata": {"name": "ref"},
                 "spec": {"queue": "default", "tasks": [{"name": "t-0", "replicas": 1, "template": {"spec": {
                     "restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}]}}
        assert s.call("POST", batch + "/jobs" + create, job, headers=send_json)[0] == 201
        assert s.call("POST", core + "/services" + create, svc, headers=send_json)[0] == 201
        assert s.call("POST", vc + "/jobs" + create, vcjob, headers=send_json)[0] == 201
        pod = "ref-t-0-0"
        label = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dtorchx.pytorch.org&limit=500"
        time.sleep(0.5)  # the pods run (speed 5)
        calls = [("GET", batch + "/jobs/ref", get_json), ("GET", core + "/services/ref", get_json),
                 ("GET", vc + "/jobs/ref", get_json), ("GET", core + "/pods/" + pod, get_json),
                 ("GET", batch + "/jobs/ref/status", get_json), ("GET", vc + "/jobs/ref/status", get_json),
                 ("GET", batch + "/jobs" + label, get_json), ("GET", vc + "/jobs" + label, get_json),
                 ("GET", core + "/services" + label, get_json),
                 ("GET", core + "/pods?labelSelector=app.kubernetes.io%2Finstance%3Dref&limit=500", get_json)]
        for kind, path in (("pods", core + "/pods"), ("jobs", batch + "/jobs"), ("vcjobs", vc + "/jobs")):
            calls.append(("GET", path + "?fieldSelector=metadata.name%3D" + (pod if kind == "pods" else "ref")
                          + "&resourceVersion=0&watch=true&timeoutSeconds=1", get_json))
        for q in ("", "&follow=true", "&sinceSeconds=10", "&timestamps=true"):
            calls.append(("GET", core + f"/pods/{pod}/log?container=c" + q, logs))
        for method, path, headers in calls:
            assert s.call(method, path, headers=headers, timeout=30)[0] == 200, path
        patch = {"Content-Type": "application/merge-patch+json", "Accept": "application/json"}
        assert s.call("PATCH", batch + "/jobs/ref?fieldManager=torchx", {"spec": {"suspend": True}}, headers=patch)[0] == 200
        assert s.call("PATCH", vc + "/jobs/ref/status?fieldManager=torchx", {"status": {"state": {"phase": "Aborting"}}},
                      headers=patch)[0] == 200
        for path in (batch + "/jobs/ref", core + "/services/ref", vc + "/jobs/ref"):
            status, _, _ = s.call("DELETE", path, _json.dumps({"propagationPolicy": "Background"}).encode(), headers=send_json)
            assert status == 200
        recorded = s.requests()
    # kubectl's watch has no timeoutSeconds (it waits for ^C); a client that bounds its watch says so
    differences = {n: golden.matches(recorded, n, ignore_query=("timeoutSeconds",) if n.startswith("watch") else ())
                   for n in names}
    assert {n: d for n, d in differences.items() if d} == {}
    assert len(names) == 26
