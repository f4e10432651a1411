"""Runs a StatefulDataLoader over a streamed dataset in a fresh process: the "new process" side of resume tests.

``python loader_runner.py '<json args>'``: args ``files``, ``pipeline`` (a name of `PIPELINES`), ``num_workers``,
``batch_size``, ``epoch``, optional ``state_in`` (a ``torch.save`` file to resume from), ``stop`` (batches to
read, None = to the end), ``state_out``; writes the ids it read to ``ids_out`` (JSON).
"""

from __future__ import annotations

import json
import sys

import torch
from torchdata.stateful_dataloader import StatefulDataLoader

from crucible_torch import load_dataset


def _twice(batch):
    return {"id": [i for i in batch["id"] for _ in range(2)]}


PIPELINES = {
    "shuffle": lambda ds: ds.shuffle(seed=7, buffer_size=32),
    "batched_map": lambda ds: ds.shuffle(seed=7, buffer_size=32).map(
        _twice, batched=True, batch_size=6, remove_columns=["id", "text"]
    ),
}


def build(files, pipeline):
    return PIPELINES[pipeline](load_dataset("parquet", data_files=files, split="train", streaming=True))


def batch_ids(batch) -> list[int]:
    return batch["id"].tolist()


def main(args: dict) -> None:
    ds = build(args["files"], args["pipeline"])
    ds.set_epoch(args.get("epoch", 0))
    loader = StatefulDataLoader(ds, batch_size=args["batch_size"], num_workers=args["num_workers"])
    if args.get("state_in"):
        loader.load_state_dict(torch.load(args["state_in"]))
    ids = []
    stop = args.get("stop")
    for k, batch in enumerate(loader):
        ids.append(batch_ids(batch))
        if stop is not None and k + 1 >= stop:
            break
    if args.get("state_out"):
        torch.save(loader.state_dict(), args["state_out"])
    with open(args["ids_out"], "w") as f:
        json.dump(ids, f)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
