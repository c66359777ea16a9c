# SPDX-License-Identifier: BSD-3-Clause
"""Starts the evaluator of Python components: ``torchx run FILE.py:FN`` runs

    python3 <package dir>/torchx/_evaluate.py FD FILE FUNCTION

and a component of a Python component package (a manifest's ``python_components``) runs

    python3 <package dir>/torchx/_evaluate.py FD --module MODULE FUNCTION

Run as a script, not ``-m``, so that the current directory does not come before our package on
``sys.path`` (a ``torchx/`` checkout there would shadow it): ``sys.path`` is our package's
directory, the current directory, then ``$PYTHONPATH`` and the interpreter's own. This file is
written so that any Python can read it: an interpreter older than 3.8 gets one clear error
(sent to torchx like any other), not a traceback. The evaluator itself is ``_evaluator.py``.
"""

import json
import os
import sys


def _refuse_old_python():
    message = "torchx needs Python 3.8 or later to evaluate component files; '%s' is Python %s (set TORCHX_PYTHON to a newer python3)" % (
        sys.executable,
        sys.version.split()[0],
    )
    line = json.dumps({"error": {"kind": "python", "message": message}}) + "\n"
    os.write(int(sys.argv[1]), line.encode("utf-8"))
    sys.exit(0)


if sys.version_info < (3, 8):
    _refuse_old_python()

sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # was this script's directory
if os.getcwd() not in sys.path:
    sys.path.insert(1, os.getcwd())

from torchx._evaluator import main  # noqa: E402

if sys.argv[2] == "--module":  # a component file's path ends in .py: never "--module"
    main(int(sys.argv[1]), None, sys.argv[4], module=sys.argv[3])
else:
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
