import torchx.specs as specs

NAME = 'café'

def f() -> specs.AppDef:
    return specs.AppDef(name=NAME)
