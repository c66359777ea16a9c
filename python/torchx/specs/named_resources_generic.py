# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``torchx.specs.named_resources_generic``: its names, answered by the native side
(the builtin table of plugin-api/specs/named_resources.cpp, the one the CLI reads)."""

from typing import Callable, Iterator, Mapping

from torchx import specs
from torchx.specs.api import Resource

GiB: int = 1024


class _Builtin(Mapping[str, Callable[[], Resource]]):
    """name -> a factory of a fresh Resource, for the builtin names that ``accept`` takes."""

    def __init__(self, accept: Callable[[str], bool]) -> None:
        self._accept = accept

    def _names(self) -> "list[str]":
        return [n for n in specs._named_resource_names() if self._accept(n)]

    def __getitem__(self, name: str) -> Callable[[], Resource]:
        if not self._accept(name) or name not in specs.named_resources:
            raise KeyError(name)
        return lambda: specs.named_resources[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


#: name -> a factory of a fresh Resource (``gpu.small``, ``cpu.large``, ...)
NAMED_RESOURCES: Mapping[str, Callable[[], Resource]] = _Builtin(
    lambda n: n.startswith(("gpu.", "cpu.")) and n.count(".") == 1
)
