"""The cookbook's supervised loop on crucible_torch: batch k of epoch e by index, resumable at any (e, k).

`SupervisedDatasetFromHFDataset` reshuffles from the original dataset every epoch (`shuffle(seed=epoch)`) and
takes `select(range(k*B, (k+1)*B))`; `Dataset.batches` is that in one call, with the same row order as
`datasets`. Runs against the embedded sample Hub unless HF_ENDPOINT is set.

    python examples/sft_batches.py
"""

from __future__ import annotations

from crucible_torch import load_dataset
from crucible_torch.testing import run_on_sample_hub


def main() -> None:
    ds = load_dataset("HuggingFaceH4/no_robots", split="train")
    batch_size, start_epoch, start_batch = 16, 0, 2  # e.g. restored from checkpoints.jsonl
    for epoch in range(start_epoch, 2):
        view = ds.batches(batch_size, seed=epoch, drop_last=True)
        for k in range(start_batch if epoch == start_epoch else 0, len(view)):
            rows = view[k]
            first = rows["prompt_id"][0]
            print(f"epoch {epoch} batch {k}: {len(rows['messages'])} conversations, first prompt_id {first}")


if __name__ == "__main__":
    run_on_sample_hub(main)
