# SPDX-License-Identifier: BSD-3-Clause
"""The scheduler-side names of TorchX that the runner API uses (``torchx.schedulers.api``). The
schedulers themselves are C++ plugins (``Runner.scheduler_backends()``)."""
