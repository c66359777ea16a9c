"""Components of the demo package: `demo.echo` and `demo.train` (entry point `demo`)."""
from typing import Dict, List, Optional

import torchx.specs as specs
from torchx.specs import AppDef, Role


def echo(msg: str = "hello from a package", image: str = "/tmp") -> specs.AppDef:
    """Echoes a message.

    Args:
        msg: what to echo
        image: the image (a directory on local_cwd)
    """
    return AppDef(name="echo", roles=[Role(name="echo", image=image, entrypoint="echo", args=[msg])])


def train(script: str, *script_args: str, nnodes: int = 1, env: Optional[Dict[str, str]] = None,
          tags: Optional[List[str]] = None) -> AppDef:
    """Trains with a script.

    Args:
        script: the training script
        script_args: its arguments
        nnodes: how many nodes
        env: extra environment
        tags: labels
    """
    return AppDef(name="train", roles=[Role(name="trainer", image="/tmp", entrypoint="python3",
                                            args=[script, *script_args], num_replicas=nnodes, env=env or {})])


def untyped(x) -> AppDef:  # TorchX's linter refuses it: left out
    return echo(str(x))


def nested_list(x: List[List[str]]) -> AppDef:  # TorchX's linter refuses it: left out
    return echo(str(x))


def _helper(n: int) -> str:  # not a component: it does not return an AppDef
    return str(n)


def not_annotated_return(msg: str):  # not a component for TorchX: no return annotation
    return echo(msg)
