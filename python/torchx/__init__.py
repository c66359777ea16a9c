# SPDX-License-Identifier: BSD-3-Clause
"""torchx (C++ edition), the Python package: TorchX's Python names over the C++ core.

``torchx.IMAGE`` is the default image of the builtin components; ``torchx.__version__`` the
version of this torchx. Jobs never see this package: they get the job-side runtime
(``torchx.apps``) from share/torchx/python, a namespace directory without this file.
"""

from torchx.version import TORCHX_IMAGE, __version__  # noqa: F401

#: the default image of the builtin components
IMAGE: str = TORCHX_IMAGE
