"""OpenThoughts-style streaming SFT: `shuffle(buffer_size)` then `batch(drop_last_batch=True)`, a new order
per epoch with `set_epoch`, and a mid-run resume from `state_dict()` that continues with the same batches.

    python examples/streaming_sft.py

As the cookbook's StreamingSupervisedDatasetFromHFDataset does, each batch is a dict of lists zipped back into
rows; here rows are typed Conversations. Runs against the embedded sample Hub unless HF_ENDPOINT is set.
"""

from __future__ import annotations

from crucible_torch import cookbook
from crucible_torch.testing import run_on_sample_hub


def stream(epoch: int):
    ds = cookbook.load("openthoughts3").shuffle(seed=0, buffer_size=64).batch(16, drop_last_batch=True)
    ds.set_epoch(epoch)
    return ds


def first_user_turn(batch: dict) -> str:
    return batch["example"][0].messages[0].content[:40]


def main() -> None:
    for epoch in (0, 1):
        batches = list(stream(epoch))
        size = len(batches[0]["example"])
        print(f"epoch {epoch}: {len(batches)} batches of {size}, first: {first_user_turn(batches[0])!r}")

    ds = stream(1)
    it = iter(ds)
    seen = [next(it) for _ in range(3)]
    state = ds.state_dict()  # saved with the checkpoint after batch 3
    rest = list(it)

    resumed = stream(1)
    resumed.load_state_dict(state)
    again = list(resumed)
    same = [first_user_turn(b) for b in again] == [first_user_turn(b) for b in rest]
    print(f"resumed after {len(seen)} batches: {len(again)} more, same as the uninterrupted run: {same}")


if __name__ == "__main__":
    run_on_sample_hub(main)
