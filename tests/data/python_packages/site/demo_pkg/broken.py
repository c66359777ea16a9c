"""A module that does not import: a dependency it needs is not installed."""
import torchx.specs as specs
import demo_pkg_missing_dependency  # noqa: F401


def echo() -> specs.AppDef:
    return specs.AppDef(name="never")
