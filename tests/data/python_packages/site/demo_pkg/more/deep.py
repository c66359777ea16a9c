from torchx.specs import AppDef, Role


def deeper() -> AppDef:
    """A component of a submodule."""
    return AppDef(name="deeper", roles=[Role(name="deeper", image="/tmp", entrypoint="true")])
