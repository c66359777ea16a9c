# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``k=v,k2=v2`` and ``a,b,c`` parsers (``torchx.util.types``), as the C++ ones."""

from torchx.specs._key_values import to_dict, to_list

__all__ = ["to_dict", "to_list"]
