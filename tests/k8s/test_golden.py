"""Tests of tests/k8s/golden.py: normalize() and matches(), the one call with which the plugin's tests
assert that their client sent what kubectl sends. Run by ctest as "k8s: test_golden"."""
import copy, os, sys

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
    assert len(names) >= 20
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
