# A Python component package, installed as TorchX's docs install one: its distribution
# (demo_pkg-1.0.dist-info) names its modules in the `torchx.components` entry point group.
