# SPDX-License-Identifier: BSD-3-Clause
# A torchrun worker for the end-to-end tests: a gloo all_reduce of (rank + 1) over the world.
import os

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
t = torch.tensor([rank + 1.0])
dist.all_reduce(t)
expected = world * (world + 1) / 2
print(f"rank {rank}/{world} all_reduce={t.item():.0f} expected={expected:.0f} node={os.environ.get('GROUP_RANK')}",
      flush=True)
dist.destroy_process_group()
assert t.item() == expected
