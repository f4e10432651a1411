"""Streaming under torchrun: every rank gets the same number of batches, and the job resumes exactly.

    torchrun --nproc-per-node 2 examples/streaming_ddp.py            # gloo on CPU
    python examples/streaming_ddp.py                                 # one process

Each rank streams its share of the split (sub-file units, so one parquet file keeps every rank x worker
busy), DataLoader workers split it further, and `state_dict()` is a few integers per slot.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from crucible_torch import load_dataset, split_dataset_by_node
from crucible_torch.testing import run_on_sample_hub


def main() -> None:
    if "RANK" in os.environ:
        dist.init_process_group("gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    stream = load_dataset("open-thoughts/OpenThoughts3-1.2M", split="train", streaming=True)
    stream = split_dataset_by_node(stream.shuffle(seed=0, buffer_size=64), rank=rank, world_size=world)
    loader = torch.utils.data.DataLoader(stream, batch_size=8, num_workers=2, collate_fn=stream.collate_fn)
    batches = sum(1 for _ in loader)
    print(f"rank {rank}/{world}: {batches} batches")
    if dist.is_initialized():
        counts = [torch.tensor(batches)]
        dist.all_reduce(counts[0], op=dist.ReduceOp.MAX)
        assert counts[0].item() == batches, "every rank has the same number of batches"
        dist.destroy_process_group()


if __name__ == "__main__":
    run_on_sample_hub(main)
