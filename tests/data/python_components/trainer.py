# A component written the way TorchX's docs write them: typed arguments with defaults, a
# docstring whose Args: section is the help, keyword-only arguments after *script_args.
from typing import Dict, List, Optional

import torchx.specs as specs
from torchx.specs import macros


def train(
    *script_args: str,
    script: str,
    image: str = "/tmp",
    nnodes: int = 1,
    lr: float = 0.1,
    h: Optional[str] = None,
    env: Optional[Dict[str, str]] = None,
    tags: Optional[List[str]] = None,
    ports: Dict[str, int] = {"tb": 6006},
    mounts: Optional[List[str]] = None,
    debug: bool = False,
    max_retries: int = 0,
) -> specs.AppDef:
    """Trains a model on one or more nodes.

    Writes checkpoints under /tmp/ckpt/<app id>.

    Args:
        script_args: arguments to the training script
        script: the training script
        image: the image to run in
        nnodes: number of nodes
        lr: learning rate
        h: a named resource (torchx resources lists them)
        env: environment variables, k=v,k2=v2
        tags: tags of the run, comma-separated
        ports: named ports
        mounts: mounts, e.g. type=bind,src=/data,dst=/data,readonly
        debug: turn on debug output
        max_retries: how many times to retry
    """
    role_env = {"LR": str(lr), "CKPT": f"/tmp/ckpt/{macros.app_id}"}
    role_env.update(env or {})
    if debug:
        role_env["DEBUG"] = "1"
    return specs.AppDef(
        name="train",
        roles=[
            specs.Role(
                name="trainer",
                image=image,
                entrypoint="python",
                args=[script, "--rank", macros.replica_id, *script_args],
                env=role_env,
                num_replicas=nnodes,
                max_retries=max_retries,
                resource=specs.resource(cpu=2, memMB=2048, h=h),
                port_map=dict(ports),
                metadata={"tags": ",".join(tags or [])},
                mounts=specs.parse_mounts(mounts) if mounts else [],
            )
        ],
    )


def wrapped(nnodes: int = 2, cpu: int = 1) -> specs.AppDef:
    """Calls another component and edits what it returns."""
    app = train("--epochs", "3", script="main.py", nnodes=nnodes)
    app.name = "wrapped"
    role = app.roles[0]
    role.resource = specs.Resource(cpu=cpu, gpu=0, memMB=512)
    role.env["WRAPPED"] = "yes"
    role.args.append("--wrapped")
    return app
