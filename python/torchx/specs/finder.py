# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.specs.finder`` exceptions. Finding components is the C++ runner's job (one
place resolves a reference to a plugin component, a YAML file or a Python file); these are what
``torchx.runner`` raises for a component it cannot find or load."""


class ComponentValidationException(Exception):
    """A component that exists but cannot be used (a malformed component file)."""


class ComponentNotFoundException(Exception):
    """A component reference that resolves to nothing."""
