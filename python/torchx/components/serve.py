# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.components.serve``: torchserve (made by the C++ builtins plugin)."""

from typing import Dict, Optional

from torchx.components._builtin import IMAGE, build

DEFAULT_PORT: int = 8222


def torchserve(  # type: ignore[no-untyped-def]
    model_path: str,
    management_api: str,
    image: str = IMAGE,
    params: Optional[Dict[str, object]] = None,
    dryrun: bool = False,
):
    """Deploys the provided model to the given torchserve management API endpoint."""
    return build("serve.torchserve", locals())
