"""Components without a prefix (entry point `_0`): `hello`, and `deep.deeper` from a submodule."""
from torchx.specs import AppDef, Role


def hello(who: str = "world") -> AppDef:
    """Says hello.

    Args:
        who: to whom
    """
    return AppDef(name="hello", roles=[Role(name="hello", image="/tmp", entrypoint="echo", args=["hello", who])])
