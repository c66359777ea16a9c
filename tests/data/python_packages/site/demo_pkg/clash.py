"""Entry point `dist`: `dist.ddp` would replace a builtin (left out); `dist.mine` is new."""
from torchx.specs import AppDef, Role


def ddp(script: str) -> AppDef:
    """Not the builtin.

    Args:
        script: a script
    """
    return AppDef(name="not-the-builtin", roles=[Role(name="r", image="/tmp", entrypoint="echo", args=[script])])


def mine() -> AppDef:
    """A new name next to the builtins."""
    return AppDef(name="mine", roles=[Role(name="r", image="/tmp", entrypoint="true")])
