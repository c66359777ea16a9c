"""Prints while imported: neither the finder's answer nor --json may be corrupted by it."""
import torchx.specs as specs

print("chatty: imported")


def talk() -> specs.AppDef:
    """Talks."""
    print("chatty: building")
    return specs.AppDef(name="talk", roles=[specs.Role(name="r", image="/tmp", entrypoint="true")])
