# Reads the environment, its own path and the working directory, and print()s while building.
import getpass
import os
import sys

import torchx.specs as specs

print("loading chatty.py")  # at import: must not reach torchx's stdout or the protocol
sys.stdout.write('{"app": "not the protocol"}\n')

from helper import GREETING  # a module in the working directory


def hello(who: str = "") -> specs.AppDef:
    """Says hello."""
    print("building hello for", who or os.environ.get("USER", "?"))
    print("stderr too", file=sys.stderr)
    return specs.AppDef(
        name="hello",
        roles=[
            specs.Role(
                name="hello",
                image=os.getcwd(),
                entrypoint="echo",
                args=[GREETING, who or os.environ.get("USER", getpass.getuser())],
                env={"HERE": os.path.dirname(os.path.abspath(__file__)), "MARK": os.environ.get("TORCHX_TEST_MARK", ""),
                     "PLUGINS": os.environ.get("TORCHX_PLUGIN_PATH", "")},
            )
        ],
    )
