# SPDX-License-Identifier: BSD-3-Clause
"""What component files and tools import from TorchX's ``torchx.specs.file_linter``."""

from typing import Any, Callable, Dict, Tuple

from torchx.specs._component import ComponentSpec, ComponentValidationError, parse_docstring


def get_fn_docstring(fn: Callable[..., Any]) -> Tuple[str, Dict[str, str]]:
    """``(description, {parameter: help})`` of a component function, from its Google-style
    docstring; parameters without help get ``" "``, as TorchX's."""
    description, helps = parse_docstring(fn)
    import inspect

    for name in inspect.signature(fn).parameters:
        helps.setdefault(name, " ")
    return description, helps


def validate(fn: Callable[..., Any]) -> None:
    """Raises ComponentValidationError (a ValueError) for a function TorchX's rules refuse."""
    ComponentSpec(fn)


__all__ = ["ComponentValidationError", "get_fn_docstring", "validate"]
