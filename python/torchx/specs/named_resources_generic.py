# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's generic named resources (the C++ table in plugin-api/specs/named_resources.cpp)."""

from typing import Callable, Mapping

from torchx.specs.api import Resource

GiB: int = 1024

# name -> (cpu, gpu, memMB)
_TABLE = {
    "gpu.small": (8, 1, 32 * GiB),
    "gpu.medium": (16, 2, 64 * GiB),
    "gpu.large": (32, 4, 128 * GiB),
    "gpu.xlarge": (64, 8, 256 * GiB),
    "cpu.nano": (1, 0, GiB // 2),
    "cpu.micro": (1, 0, 1 * GiB),
    "cpu.small": (1, 0, 2 * GiB),
    "cpu.medium": (2, 0, 4 * GiB),
    "cpu.large": (2, 0, 8 * GiB),
    "cpu.xlarge": (8, 0, 32 * GiB),
}


def _factory(cpu: int, gpu: int, mem: int) -> Callable[[], Resource]:
    return lambda: Resource(cpu=cpu, gpu=gpu, memMB=mem)


#: name -> a factory of a fresh Resource
NAMED_RESOURCES: Mapping[str, Callable[[], Resource]] = {name: _factory(*v) for name, v in _TABLE.items()}
