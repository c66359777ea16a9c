# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's builtin components: ``torchx.components.dist``, ``utils``, ``serve`` and ``metrics``,
with TorchX's names and signatures. Each function returns the AppDef that ``torchx run`` builds
for the same arguments: both are made by the C++ ``builtins`` plugin (docs/python.md)."""

from torchx import _hooks

_hooks.install()
