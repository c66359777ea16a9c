import torchx.specs as specs
raise RuntimeError("cannot configure: no cluster")
