# SPDX-License-Identifier: BSD-3-Clause
"""torchx.specs: TorchX's names, field order, defaults and errors."""

import dataclasses

import pytest

import torchx
import torchx.specs as specs
import torchx.specs.api as api
from torchx.specs import builders


def test_package_version_and_image() -> None:
    from torchx import version

    assert torchx.__version__ == version.__version__
    assert torchx.__version__[0].isdigit()
    assert torchx.IMAGE == version.TORCHX_IMAGE == "ghcr.io/pytorch/torchx:0.8.0dev0"


def test_names_importable_from_specs_and_api() -> None:
    for name in [
        "AppDef", "Role", "Resource", "RetryPolicy", "AppState", "AppStatus", "ReplicaStatus",
        "RoleStatus", "ReplicaState", "macros", "BindMount", "VolumeMount", "DeviceMount",
        "NULL_RESOURCE", "MISSING", "NONE", "ALL", "parse_app_handle", "AppHandle", "CfgVal",
        "is_terminal", "is_started", "AppDryRunInfo", "UnknownAppException",
        "UnknownSchedulerException", "InvalidRunConfigException", "MalformedAppHandleException",
        "runopt", "runopts", "get_type_name",
    ]:
        assert getattr(specs, name) is getattr(api, name), name
    for name in ["parse_mounts", "resource", "get_named_resources", "named_resources", "make_app_handle",
                 "materialize_appdef", "GiB"]:
        assert hasattr(specs, name), name
    assert specs.parse_mounts is builders.parse_mounts


def test_role_fields_in_torchx_order_with_defaults() -> None:
    names = [f.name for f in dataclasses.fields(specs.Role)]
    assert names == ["name", "image", "min_replicas", "base_image", "entrypoint", "args", "env", "num_replicas",
                     "max_retries", "retry_policy", "resource", "port_map", "metadata", "mounts", "overrides"]
    role = specs.Role("trainer", "img")
    assert role.entrypoint == specs.MISSING == "<MISSING>"
    assert role.min_replicas is None and role.num_replicas == 1 and role.max_retries == 0
    assert role.retry_policy == specs.RetryPolicy.APPLICATION
    assert role.resource == specs.NULL_RESOURCE == specs.Resource(-1, -1, -1)
    assert role.args == [] and role.env == {} and role.mounts == [] and role.metadata == {}
    assert specs.Role("a", "i").args is not specs.Role("b", "i").args  # fresh defaults
    assert specs.AppDef("app").roles == []


def test_resource_positional_and_copy() -> None:
    r = specs.Resource(4, 1, 1024, capabilities={"a": 1}, devices={"d": 2}, tags={"t": "x"})
    assert (r.cpu, r.gpu, r.memMB) == (4, 1, 1024)
    c = specs.Resource.copy(r, b=2)
    assert c.capabilities == {"a": 1, "b": 2} and c.devices == {"d": 2} and c.tags == {}


def test_role_overrides_replace_fields_once() -> None:
    calls = []

    def image() -> str:
        calls.append(1)
        return "late"

    role = specs.Role("r", "early", overrides={"image": image})
    assert role.image == "late" and role.image == "late"
    assert calls == [1]


def test_app_state_str_repr_and_terminal() -> None:
    assert str(specs.AppState.FAILED) == "FAILED"
    assert repr(specs.AppState.FAILED) == "FAILED (5)"
    assert [s.value for s in specs.AppState] == list(range(8))
    assert specs.is_terminal(specs.AppState.CANCELLED) and not specs.is_terminal(specs.AppState.RUNNING)
    assert specs.is_started(specs.AppState.RUNNING)
    assert specs.ReplicaState is specs.AppState


def test_app_status_to_json_format_and_raise() -> None:
    status = specs.AppStatus(
        specs.AppState.FAILED,
        roles=[specs.RoleStatus("trainer", [specs.ReplicaStatus(1, specs.AppState.SUCCEEDED, "trainer", "h1"),
                                            specs.ReplicaStatus(0, specs.AppState.FAILED, "trainer", "h0")])],
    )
    assert status.to_json() == {
        "state": "FAILED", "num_restarts": 0, "msg": "", "structured_error_msg": "<NONE>", "url": None,
        "roles": [{"role": "trainer", "replicas": [
            {"id": 1, "state": 4, "role": "trainer", "hostname": "h1", "structured_error_msg": "<NONE>"},
            {"id": 0, "state": 5, "role": "trainer", "hostname": "h0", "structured_error_msg": "<NONE>"}]}],
    }
    assert status.to_json(filter_roles=["other"])["roles"] == []
    text = status.format()
    assert "State: FAILED" in text
    assert "\n *trainer[0]:FAILED (no reply file)\n  trainer[1]:SUCCEEDED" in text
    assert status.is_terminal()
    with pytest.raises(specs.AppStatusError) as e:
        status.raise_for_status()
    assert str(e.value).startswith("job did not succeed")
    specs.AppStatus(specs.AppState.SUCCEEDED).raise_for_status()


def test_macros_values_substitute_and_apply() -> None:
    values = specs.macros.Values(img_root="/img", app_id="app-1", replica_id="3", rank0_env="RANK0")
    assert values.substitute("${app_id}/$replica_id/${unknown}/$$x") == "app-1/3/${unknown}/$x"
    assert values.substitute("$${${rank0_env}:=localhost}") == "${RANK0:=localhost}"
    role = specs.Role("r", "${img_root}", entrypoint="${app_id}", args=["--id", specs.macros.app_id],
                      env={"R": specs.macros.replica_id}, metadata={"k": {"n": ["${app_id}", 1]}})
    applied = values.apply(role)
    assert applied.args == ["--id", "app-1"] and applied.env == {"R": "3"}
    assert applied.metadata == {"k": {"n": ["app-1", 1]}}
    assert applied.image == "${img_root}" and applied.entrypoint == "${app_id}"  # not substituted
    assert role.args == ["--id", "${app_id}"]  # a copy
    assert specs.macros.rank0_env == "${rank0_env}" and specs.macros.img_root == "${img_root}"


def test_parse_app_handle() -> None:
    assert specs.parse_app_handle("local_cwd://torchx/echo-x") == ("local_cwd", "torchx", "echo-x")
    assert specs.parse_app_handle("k8s:///foo") == ("k8s", "", "foo")
    assert specs.parse_app_handle("k8s://a/b/c") == ("k8s", "a/b", "c")
    with pytest.raises(specs.MalformedAppHandleException) as e:
        specs.parse_app_handle("not-a-handle")
    assert str(e.value) == "not-a-handle is not of the form: <scheduler_backend>://<session_name>/<app_id>"
    assert specs.make_app_handle("slurm", "torchx", "12") == "slurm://torchx/12"


def test_resource_helper_and_named_resources() -> None:
    assert specs.resource(cpu=4) == specs.Resource(4, 0, 1024)
    assert specs.resource() == specs.Resource(2, 0, 1024)
    assert specs.resource(cpu=0, memMB=0) == specs.Resource(2, 0, 1024)  # TorchX: 0 means the default
    assert specs.resource(cpu=1, h="gpu.small") == specs.Resource(8, 1, 32768)
    assert specs.named_resources["cpu.nano"] == specs.Resource(1, 0, 512)
    assert specs.get_named_resources("NULL") == specs.NULL_RESOURCE
    p4d = specs.named_resources["aws_p4d.24xlarge"]
    assert (p4d.cpu, p4d.gpu, p4d.memMB) == (96, 8, 1152 * 983)
    assert p4d.capabilities == {"node.kubernetes.io/instance-type": "p4d.24xlarge"}
    assert p4d.devices == {"vpc.amazonaws.com/efa": 4}
    assert specs.named_resources["aws_trn1.32xlarge"].devices == {"vpc.amazonaws.com/efa": 8,
                                                                  "aws.amazon.com/neurondevice": 16}
    assert "gpu.small" in specs.named_resources and "nope" not in specs.named_resources
    assert specs.named_resources["gpu.small"] is not specs.named_resources["gpu.small"]  # fresh
    with pytest.raises(KeyError) as e:
        specs.named_resources["gpu.smal"]
    assert str(e.value.args[0]) == "no named resource 'gpu.smal': did you mean 'gpu.small'? (see: torchx resources)"
    with pytest.raises(NotImplementedError):
        iter(specs.named_resources)


def test_named_resource_modules_are_the_native_tables() -> None:
    from torchx.specs import named_resources_aws, named_resources_generic

    assert len(named_resources_generic.NAMED_RESOURCES) == 10
    assert len(named_resources_aws.NAMED_RESOURCES) == 40
    assert named_resources_aws.aws_g4dn_metal() == specs.named_resources["aws_g4dn.metal"]
    with pytest.raises(AttributeError):
        named_resources_aws.aws_nope_2xlarge


def test_native_named_resource_hook_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    def native(name: str) -> specs.Resource:
        if name == "site.big":
            return specs.Resource(64, 8, 1 << 20)
        raise KeyError(f"no named resource '{name}'")

    monkeypatch.setattr(specs, "_native_named_resource", native)
    assert specs.resource(h="site.big") == specs.Resource(64, 8, 1 << 20)
    assert "site.big" in specs.named_resources and "gpu.small" not in specs.named_resources
    with pytest.raises(KeyError, match="no named resource 'x'"):
        specs.named_resources["x"]


def test_parse_mounts() -> None:
    mounts = specs.parse_mounts(["type=bind", "src=/a", "dst=/b", "readonly", "type=volume", "src=vol",
                                 "target=/v", "type=device", "source=/dev/fuse", "perm=rw"])
    assert mounts == [specs.BindMount("/a", "/b", True), specs.VolumeMount("vol", "/v", False),
                      specs.DeviceMount("/dev/fuse", "/dev/fuse", "rw")]
    assert specs.parse_mounts(["type=bind", "src=/a", "dst=/b", "readonly=false"]) == [specs.BindMount("/a", "/b")]
    with pytest.raises(KeyError, match="type must be specified first"):
        specs.parse_mounts(["src=/a"])
    with pytest.raises(KeyError, match="unknown mount option foo"):
        specs.parse_mounts(["type=bind", "foo=1"])
    with pytest.raises(ValueError, match="invalid mount type 'nfs', must be one of"):
        specs.parse_mounts(["type=nfs"])
    with pytest.raises(ValueError, match="x is not a valid permission"):
        specs.parse_mounts(["type=device", "src=/dev/a", "perm=rx"])
    with pytest.raises(KeyError, match="missing 'dst"):
        specs.parse_mounts(["type=bind", "src=/a"])


def test_runopts_resolve_and_cfg_from_str() -> None:
    from typing import Dict, List

    opts = specs.runopts()
    opts.add("foo", type_=List[str], default=["a"], help="a list")
    opts.add("bar", type_=str, required=True, help="required")
    opts.add("env", type_=Dict[str, str], help="a dict")
    opts.add("flag", type_=bool, default=False, help="a flag")
    assert opts.cfg_from_str("foo=v1;v2,bar=v3,flag=True,env=a:1;b:2") == {
        "foo": ["v1", "v2"], "bar": "v3", "flag": True, "env": {"a": "1", "b": "2"}}
    assert opts.cfg_from_str("unknown=1") == {}
    assert opts.resolve({"bar": "x"}) == {"bar": "x", "foo": ["a"], "env": None, "flag": False}
    with pytest.raises(specs.InvalidRunConfigException) as e:
        opts.resolve({})
    assert str(e.value) == "Required run option: bar, must be provided and not `None`. Given: <EMPTY>"
    assert e.value.cfg_key == "bar"
    with pytest.raises(specs.InvalidRunConfigException, match="must be of type: str, but was: 1 \\(int\\)"):
        opts.resolve({"bar": 1})
    with pytest.raises(ValueError):
        opts.add("x", type_=str, default="d", required=True, help="")
    with pytest.raises(TypeError):
        opts.add("x", type_=int, default="d", help="")
    assert "usage:\n        bar=BAR,[foo=FOO]" in repr(opts)


def test_dryrun_info_prints_with_fmt() -> None:
    info = specs.AppDryRunInfo({"a": 1}, lambda r: f"request {r['a']}")
    assert str(info) == "request 1" and info._app is None and info._scheduler is None


def test_exception_messages() -> None:
    assert "Unknown app = local://t/x. Did you forget" in str(specs.UnknownAppException("local://t/x"))
    assert str(specs.InvalidRunConfigException("bad", "k", {"k": 1})) == "bad. Given: {'k': 1}"
    assert str(specs.UnknownSchedulerException("x")).startswith("Scheduler backend: x does not exist.")


def test_file_linter_and_util_types() -> None:
    from torchx.specs.file_linter import get_fn_docstring
    from torchx.util.types import to_dict, to_list

    def comp(a: str, b: int = 1) -> specs.AppDef:
        """Short.

        Args:
            a: the a
        """
        raise AssertionError

    assert get_fn_docstring(comp) == ("Short.", {"a": "the a", "b": " "})
    assert to_dict("a=1,b=x;y,c='p=q'") == {"a": "1", "b": "x;y", "c": "p=q"}
    assert to_dict("") == {}
    assert to_list("a, b,c") == ["a", "b", "c"] and to_list("") == []
    with pytest.raises(ValueError, match="expected at least one 'key=value' pair"):
        to_dict("novalue")
