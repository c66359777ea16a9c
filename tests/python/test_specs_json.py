# SPDX-License-Identifier: BSD-3-Clause
"""torchx.specs._json: the AppDef and AppStatus payloads of plugin-api/docs/payloads.md."""

import json

import pytest

import torchx.specs as specs
from torchx.specs import _json


def _full_app() -> specs.AppDef:
    return specs.AppDef(
        "demo",
        roles=[
            specs.Role(
                "trainer", "/tmp", min_replicas=1, entrypoint="echo", args=["hello", "wörld"],
                env={"A": "1"}, num_replicas=2, max_retries=3, retry_policy=specs.RetryPolicy.REPLICA,
                resource=specs.Resource(4, 1, 1024, capabilities={"k": [1, "x"]}, devices={"efa": 1},
                                        tags={"t": None}),
                port_map={"c10d": 29500}, metadata={"local_cwd.x": {"n": 1.5}},
                mounts=[specs.BindMount("/a", "/b", True), specs.VolumeMount("v", "/v"),
                        specs.DeviceMount("/dev/x", "/dev/y", "r")],
            ),
            specs.Role("ps", "img"),
        ],
        metadata={"m": "v"},
    )


def test_app_def_round_trip() -> None:
    app = _full_app()
    text = _json.to_json(app)
    assert _json.app_def_from_json(text) == app
    assert _json.app_def_from_json(text.encode()) == app


def test_app_def_payload_keys_and_values() -> None:
    d = _json.app_def_to_dict(_full_app())
    role = d["roles"][0]
    assert list(role) == ["name", "image", "min_replicas", "base_image", "entrypoint", "args", "env",
                          "num_replicas", "max_retries", "retry_policy", "resource", "port_map", "metadata",
                          "mounts", "overrides"]
    assert role["retry_policy"] == "REPLICA" and role["base_image"] is None
    assert role["resource"] == {"cpu": 4, "gpu": 1, "memMB": 1024, "capabilities": {"k": [1, "x"]},
                                "devices": {"efa": 1}, "tags": {"t": None}}
    assert role["mounts"] == [
        {"type": "bind", "src_path": "/a", "dst_path": "/b", "read_only": True},
        {"type": "volume", "src": "v", "dst_path": "/v", "read_only": False},
        {"type": "device", "src_path": "/dev/x", "dst_path": "/dev/y", "permissions": "r"},
    ]
    assert d["roles"][1]["resource"]["cpu"] == -1 and d["roles"][1]["entrypoint"] == "<MISSING>"


def test_defaults_for_missing_and_null_keys() -> None:
    app = _json.app_def_from_dict({"name": "a", "roles": [{"name": "r", "image": "i", "args": None,
                                                            "extra_key": 1}]})
    assert app == specs.AppDef("a", [specs.Role("r", "i")])
    assert _json.app_def_from_dict({"name": "a"}).roles == []
    device = _json.app_def_from_dict({"name": "a", "roles": [{"name": "r", "image": "i", "mounts": [
        {"type": "device", "src_path": "/dev/a"}]}]}).roles[0].mounts[0]
    assert device == specs.DeviceMount("/dev/a", "/dev/a", "rwm")


def test_overrides_are_resolved_before_encoding() -> None:
    role = specs.Role("r", "i", overrides={"num_replicas": lambda: 3})
    d = _json.role_to_dict(role)
    assert d["num_replicas"] == 3 and d["overrides"] == {}
    decoded = _json.role_from_dict({"name": "r", "image": "i", "overrides": {"image": "j"}})
    assert decoded.image == "j"


def test_encode_errors_name_the_path() -> None:
    app = specs.AppDef("a", [specs.Role("r", "i", args=["ok", 1])])
    with pytest.raises(_json.JsonEncodeError, match=r"^roles\[0\]\.args\[1\]: expected a string, found int 1$"):
        _json.app_def_to_dict(app)
    with pytest.raises(_json.JsonEncodeError, match=r"roles\[0\]\.num_replicas: expected an integer"):
        _json.app_def_to_dict(specs.AppDef("a", [specs.Role("r", "i", num_replicas="2")]))
    with pytest.raises(_json.JsonEncodeError, match=r"roles\[0\]\.metadata\.k: object .* is not JSON"):
        _json.app_def_to_dict(specs.AppDef("a", [specs.Role("r", "i", metadata={"k": object()})]))
    with pytest.raises(_json.JsonEncodeError, match=r"roles\[0\]\.resource: expected a Resource"):
        _json.app_def_to_dict(specs.AppDef("a", [specs.Role("r", "i", resource={"cpu": 1})]))
    with pytest.raises(_json.JsonEncodeError, match="expected an AppDef, found dict"):
        _json.app_def_to_dict({"name": "a"})
    with pytest.raises(_json.JsonEncodeError, match="out of range"):
        _json.resource_to_dict(specs.Resource(2**40, 0, 0))
    assert _json.resource_to_dict(specs.Resource(4.0, 0, 1024))["cpu"] == 4  # integral floats pass


def test_decode_reports_every_problem() -> None:
    with pytest.raises(_json.JsonDecodeError) as e:
        _json.app_def_from_dict({"roles": [{"name": 1, "image": "i", "num_replicas": "2",
                                            "retry_policy": "SOMETIMES", "mounts": [{"type": "nfs"}]}]})
    assert e.value.problems == [
        "roles[0].retry_policy: unknown retry policy 'SOMETIMES'",
        "roles[0].mounts[0].type: unknown mount type 'nfs' (expected bind, volume or device)",
        "roles[0].name: expected a string, found an integer",
        "roles[0].num_replicas: expected an integer, found a string",
        "name: is required",
    ]
    with pytest.raises(_json.JsonDecodeError, match="not valid JSON"):
        _json.app_def_from_json("{")
    with pytest.raises(_json.JsonDecodeError, match="not valid JSON"):
        _json.app_def_from_json(b"\xff")


def test_app_status_round_trip_names_and_numbers() -> None:
    status = specs.AppStatus(specs.AppState.RUNNING, num_restarts=1, msg="m", ui_url="http://x",
                             roles=[specs.RoleStatus("t", [specs.ReplicaStatus(0, specs.AppState.RUNNING, "t", "h")])])
    text = _json.to_json(status)
    assert json.loads(text)["state"] == "RUNNING" and json.loads(text)["roles"][0]["replicas"][0]["state"] == 3
    assert _json.app_status_from_json(text) == status
    by_name = _json.app_status_from_dict({"state": 4, "roles": [{"role": "t", "replicas": [
        {"id": 0, "state": "SUCCEEDED", "role": "t", "hostname": "h"}]}]})
    assert by_name.state == specs.AppState.SUCCEEDED
    assert by_name.roles[0].replicas[0].state == specs.AppState.SUCCEEDED
    with pytest.raises(_json.JsonDecodeError, match="state: expected an app state"):
        _json.app_status_from_dict({"state": "SLEEPING"})


def test_cfg_round_trip() -> None:
    cfg = {"s": "x", "i": 1, "f": 0.5, "b": True, "l": ["a"], "d": {"k": "v"}, "n": None}
    assert _json.cfg_from_json(json.dumps(_json.cfg_to_dict(cfg))) == cfg
    with pytest.raises(_json.JsonDecodeError, match="an array is no run option value"):
        _json.cfg_from_dict({"l": [1]})
