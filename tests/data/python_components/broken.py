from typing import List
import torchx.specs as specs


def ok(n: int) -> specs.AppDef:
    return specs.AppDef(name="ok", roles=[specs.Role(name="r", image="/tmp", entrypoint="echo", num_replicas=n)])


def raises(n: int = 1) -> specs.AppDef:
    if n > 0:
        raise ValueError(f"n must be <= 0, got {n}")
    return ok(n)


def bad_resource(h: str = "gpu.smal") -> specs.AppDef:
    return specs.AppDef(name="r", roles=[specs.Role(name="r", image="/tmp", resource=specs.resource(h=h))])


def not_an_appdef() -> specs.AppDef:
    return {"name": "dict"}


def bad_args() -> specs.AppDef:
    return specs.AppDef(name="a", roles=[specs.Role(name="r", image="/tmp", entrypoint="echo", args=["ok", 3])])


def untyped(n) -> specs.AppDef:
    return ok(1)


def exits() -> specs.AppDef:
    raise SystemExit(3)


def ints(values: List[int] = []) -> specs.AppDef:
    return ok(len(values))


def surrogate() -> specs.AppDef:
    return specs.AppDef(name="s", roles=[specs.Role(name="r", image="/tmp", entrypoint="echo", args=["\udcff"])])
