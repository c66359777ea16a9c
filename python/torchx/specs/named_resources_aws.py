# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.specs.named_resources_aws``: its constants, ``NAMED_RESOURCES``
(``aws_<instance type>``) and its functions (``aws_p3_2xlarge()``), answered by the native side
(the builtin table of plugin-api/specs/named_resources.cpp, the one the CLI reads)."""

import logging
from typing import Any, Callable, Mapping, Optional

from torchx import specs
from torchx.specs.api import Resource
from torchx.specs.named_resources_generic import _Builtin

logger = logging.getLogger(__name__)

MEM_TAX = 0.96
K8S_ITYPE = "node.kubernetes.io/instance-type"
EFA_DEVICE = "vpc.amazonaws.com/efa"
NEURON_DEVICE = "aws.amazon.com/neurondevice"
GiB: int = int(1024 * MEM_TAX)

#: ``aws_<instance type>`` -> a factory of a fresh Resource
NAMED_RESOURCES: Mapping[str, Callable[[], Resource]] = _Builtin(lambda n: n.startswith("aws_"))


def instance_type_from_resource(resource: Resource) -> Optional[str]:
    """The instance type a resource names (its capability), or None with a warning."""
    itype = resource.capabilities.get(K8S_ITYPE)
    if itype is None:
        logger.warning(f"no instance type in the capabilities of {resource} (`{K8S_ITYPE}`)")
    return itype


def __getattr__(attr: str) -> Any:
    """TorchX's functions: ``aws_p3_2xlarge`` is ``named_resources["aws_p3.2xlarge"]``."""
    if attr.startswith("aws_"):
        for name in NAMED_RESOURCES:
            if "aws_" + name[4:].replace(".", "_") == attr:
                return lambda: specs.named_resources[name]
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
