import torchx.specs as specs

def f(n: int) -> specs.AppDef
    return None
