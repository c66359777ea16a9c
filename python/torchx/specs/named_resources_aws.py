# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's AWS named resources (``aws_<instance type>``), equal to the C++ table in
plugin-api/specs/named_resources.cpp: memory in GiB of 983 MiB (4% left for the ECS/EC2 tax), the
instance type as the ``node.kubernetes.io/instance-type`` capability, EFA and Neuron devices."""

import logging
from typing import Callable, Mapping, Optional

from torchx.specs.api import Resource

logger = logging.getLogger(__name__)

#: int(1024 * 0.96)
MEM_TAX = 0.96
K8S_ITYPE = "node.kubernetes.io/instance-type"
EFA_DEVICE = "vpc.amazonaws.com/efa"
NEURON_DEVICE = "aws.amazon.com/neurondevice"
GiB: int = int(1024 * MEM_TAX)

# instance type -> (cpu, gpu, memory in GiB, efa, neuron), in TorchX's order
_TABLE = {
    "t3.medium": (2, 0, 4, 0, 0),
    "m5.2xlarge": (8, 0, 32, 0, 0),
    "c5.18xlarge": (72, 0, 142, 0, 0),
    "p3.2xlarge": (8, 1, 61, 0, 0),
    "p3.8xlarge": (32, 4, 244, 0, 0),
    "p3.16xlarge": (64, 8, 488, 0, 0),
    "p3dn.24xlarge": (96, 8, 768, 1, 0),
    "p4d.24xlarge": (96, 8, 1152, 4, 0),
    "p4de.24xlarge": (96, 8, 1152, 4, 0),
    "p5.48xlarge": (192, 8, 2048, 32, 0),
    "p5en.48xlarge": (192, 8, 2048, 16, 0),
    "g4dn.xlarge": (4, 1, 16, 0, 0),
    "g4dn.2xlarge": (8, 1, 32, 0, 0),
    "g4dn.4xlarge": (16, 1, 64, 0, 0),
    "g4dn.8xlarge": (32, 1, 128, 1, 0),
    "g4dn.16xlarge": (64, 1, 256, 1, 0),
    "g4dn.12xlarge": (48, 4, 192, 1, 0),
    "g4dn.metal": (96, 8, 384, 1, 0),
    "g5.xlarge": (4, 1, 16, 0, 0),
    "g5.2xlarge": (8, 1, 32, 0, 0),
    "g5.4xlarge": (16, 1, 64, 0, 0),
    "g5.8xlarge": (32, 1, 128, 1, 0),
    "g5.16xlarge": (64, 1, 256, 1, 0),
    "g5.12xlarge": (48, 4, 192, 1, 0),
    "g5.24xlarge": (96, 4, 384, 1, 0),
    "g5.48xlarge": (192, 8, 768, 1, 0),
    "g6e.xlarge": (4, 1, 32, 0, 0),
    "g6e.2xlarge": (8, 1, 64, 0, 0),
    "g6e.4xlarge": (16, 1, 128, 0, 0),
    "g6e.8xlarge": (32, 1, 256, 0, 0),
    "g6e.16xlarge": (64, 1, 512, 0, 0),
    "g6e.12xlarge": (48, 4, 384, 0, 0),
    "g6e.24xlarge": (96, 4, 768, 2, 0),
    "g6e.48xlarge": (192, 8, 1536, 4, 0),
    "trn1.2xlarge": (8, 0, 32, 0, 1),
    "trn1.32xlarge": (128, 0, 512, 8, 16),
    "inf2.xlarge": (4, 0, 16, 0, 1),
    "inf2.8xlarge": (32, 0, 128, 0, 1),
    "inf2.24xlarge": (96, 0, 384, 0, 6),
    "inf2.48xlarge": (192, 0, 768, 0, 12),
}


def _factory(itype: str, cpu: int, gpu: int, mem_gib: int, efa: int, neuron: int) -> Callable[[], Resource]:
    def make() -> Resource:
        devices = {}
        if efa:
            devices[EFA_DEVICE] = efa
        if neuron:
            devices[NEURON_DEVICE] = neuron
        return Resource(cpu=cpu, gpu=gpu, memMB=mem_gib * GiB, capabilities={K8S_ITYPE: itype}, devices=devices)

    return make


#: ``aws_<instance type>`` -> a factory of a fresh Resource
NAMED_RESOURCES: Mapping[str, Callable[[], Resource]] = {
    f"aws_{itype}": _factory(itype, *v) for itype, v in _TABLE.items()
}


def instance_type_from_resource(resource: Resource) -> Optional[str]:
    """The instance type a resource names (its capability), or None with a warning."""
    itype = resource.capabilities.get(K8S_ITYPE)
    if itype is None:
        logger.warning(f"no instance type in the capabilities of {resource} (`{K8S_ITYPE}`)")
    return itype
