# SPDX-License-Identifier: BSD-3-Clause
"""Bad input to torchx.runner is a Python exception with TorchX's type and a clear message, never
a crash."""

import pytest

import torchx.runner as tr
from torchx import specs
from torchx.runner import get_runner


@pytest.fixture
def runner():
    with get_runner() as r:
        yield r


def test_unknown_scheduler_names_the_known_ones(runner):
    with pytest.raises(tr.UnknownSchedulerException, match="unknown scheduler 'local_cwdd': did you mean 'local_cwd'"):
        runner.run_component("utils.echo", [], scheduler="local_cwdd")
    assert type(tr.UnknownSchedulerException).__name__ == "type"
    assert tr.UnknownSchedulerException.__module__ == "torchx.specs.api"


def test_malformed_handle(runner):
    with pytest.raises(tr.MalformedAppHandleException):
        runner.status("not a handle")


def test_unknown_app_status_is_none_and_log_lines_raise(runner):
    assert runner.status("local_cwd://torchx/nope-123") is None
    assert runner.describe("local_cwd://torchx/nope-123") is None
    runner.cancel("local_cwd://torchx/nope-123")  # TorchX: does nothing for an unknown app
    with pytest.raises(tr.UnknownAppException, match="nope-123"):
        runner.log_lines("local_cwd://torchx/nope-123", "echo")
    with pytest.raises(tr.UnknownAppException):
        runner.delete("local_cwd://torchx/nope-123")


def test_cfg_value_that_is_no_run_option_value(runner):
    with pytest.raises(tr.InvalidRunConfigException, match="run option 'log_dir'") as e:
        runner.dryrun_component("utils.echo", [], scheduler="local_cwd", cfg={"log_dir": object()})
    assert e.value.cfg_key == "log_dir"
    with pytest.raises(tr.InvalidRunConfigException):
        runner.dryrun_component("utils.echo", [], scheduler="local_cwd", cfg={"log_dir": float("nan")})


def test_cfg_of_the_wrong_type_for_the_scheduler(runner):
    with pytest.raises(tr.InvalidRunConfigException):
        runner.dryrun_component("utils.echo", [], scheduler="slurm", cfg={"nomem": "yes please"})


def test_unknown_component_and_bad_component_args(runner):
    with pytest.raises(tr.ComponentNotFoundException, match="component 'utils.ech' not found: did you mean 'utils.echo'"):
        runner.dryrun_component("utils.ech", [], scheduler="local_cwd")
    with pytest.raises(tr.ComponentArgsError, match="--msgg"):
        runner.dryrun_component("utils.echo", ["--msgg", "x"], scheduler="local_cwd")
    with pytest.raises(ValueError):  # ComponentArgsError is a ValueError
        runner.dryrun_component("utils.echo", ["--num_replicas", "many"], scheduler="local_cwd")


def test_invalid_regex(runner):
    with pytest.raises(tr.InvalidLogRegexError):
        runner.log_lines("local_cwd://torchx/x", "echo", regex="(a")


def test_workspace_that_does_not_exist(runner):
    with pytest.raises(tr.WorkspaceError, match="does not exist"):
        runner.dryrun_component("utils.echo", [], scheduler="local_cwd", workspace="/no/such/dir")


def test_closed_runner_raises():
    runner = get_runner()
    runner.close()
    runner.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        runner.status("local_cwd://torchx/x")


def test_context_manager_closes_and_reraises():
    with pytest.raises(KeyError):
        with get_runner() as runner:
            raise KeyError("inside")
    with pytest.raises(RuntimeError, match="closed"):
        runner.scheduler_backends()


def test_bad_arguments_never_crash(runner):
    with pytest.raises(TypeError):
        runner.dryrun(specs.AppDef(name="x", roles=[]), scheduler="local_cwd", cfg="not a mapping")
    with pytest.raises(TypeError, match="expected a torchx.specs.AppDef"):
        runner.dryrun({"name": "x"}, scheduler="local_cwd")
    with pytest.raises(ValueError):
        runner.log_lines("local_cwd://torchx/x", "echo", streams="both")
    with pytest.raises(tr.AppDefValidationError):
        runner.dryrun(specs.AppDef(name="x", roles=[]), scheduler="local_cwd")
    with pytest.raises(tr.InvalidRequestError, match="unknown method"):
        runner._native.call("no_such_method")


def test_scheduler_params_are_accepted_and_ignored(caplog):
    with get_runner(foo="bar") as runner:
        assert "local_cwd" in runner.scheduler_backends()
    assert "foo" in caplog.text


def test_custom_name_warns_and_names_handles():
    with pytest.warns(FutureWarning):
        with get_runner("mine") as runner:
            info = runner.dryrun_component("utils.echo", [], scheduler="local_cwd")
            assert runner.name() == "mine"
            assert info._app.roles[0].env["TORCHX_JOB_ID"] == "local_cwd://mine/${app_id}"


def test_text_that_is_not_utf8_is_a_value_error_naming_it(runner):
    """A lone surrogate (from a filename read with surrogateescape, say) cannot cross as UTF-8:
    a ValueError saying so, not the C++ JSON parser's complaint about an escape."""
    with pytest.raises(ValueError, match=r"^the arguments of status hold text that is not valid UTF-8: '\\udc80'"):
        runner.status("local_cwd://torchx/\udc80")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        runner.dryrun(specs.AppDef("x", [specs.Role("r", "/tmp", entrypoint="echo", args=["\udcff"])]), "local_cwd")
