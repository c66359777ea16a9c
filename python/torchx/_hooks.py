# SPDX-License-Identifier: BSD-3-Clause
"""Connects ``torchx.specs`` to the native runner, so that Python sees what the CLI sees: named
resources from ``.torchxconfig`` presets, named-resource plugins and the builtin tables, and
component arguments parsed by the CLI's own code (``specs._component._native_build_request``).
Installed by ``torchx.runner`` and ``torchx.components`` on import; a hook someone already set
(the evaluator of ``torchx run FILE.py:FN`` asks the CLI) is left alone."""

import json
from typing import Dict, List

from torchx import specs
from torchx.specs import _component, _json


def _runner():  # type: ignore[no-untyped-def]
    from torchx.components._builtin import native_runner

    return native_runner()


def _named_resource(name: str) -> specs.Resource:
    return _json.resource_from_dict(_runner().call("named_resource", name=name))  # KeyError when unknown


def _named_resource_names() -> List[str]:
    return [entry["name"] for entry in _runner().call("named_resources")]


def _build_request(component: str, signature_json: str, args: List[str], defaults: Dict[str, str]) -> str:
    request = _runner().call(
        "build_request", component=component, signature=json.loads(signature_json), args=list(args), defaults=defaults
    )
    return json.dumps(request)


def install() -> None:
    if specs._native_named_resource is None:
        specs._native_named_resource = _named_resource
    if specs._native_named_resource_names is None:
        specs._native_named_resource_names = _named_resource_names
    if _component._native_build_request is None:
        _component._native_build_request = _build_request
