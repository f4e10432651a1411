"""interleave_datasets and concatenate_datasets of IterableDatasets, row for row against `datasets`."""

from __future__ import annotations

import datasets as hf
import pytest
import torch
from iterable_helpers import write_jsonl

import crucible_torch as ct

STRATEGIES = ["first_exhausted", "all_exhausted", "all_exhausted_without_replacement"]


@pytest.fixture
def parts(tmp_path, monkeypatch):
    """Three files of 5, 9 and 3 rows (part i holds ids from 100 * i), loaded by ``load(library, i)``."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # JSON Lines: `datasets` waits 5 s when it closes parquet readers of an interleaving (its arrow#45214 fix)
    files = [write_jsonl(tmp_path / f"p{i}.jsonl", range(100 * i, 100 * i + n)) for i, n in enumerate([5, 9, 3])]

    def load(lib, i):
        kwargs = {"cache_dir": str(tmp_path / "hf")} if lib is hf else {}
        return lib.load_dataset("json", data_files=files[i], split="train", streaming=True, **kwargs)

    return load


@pytest.mark.parametrize("probabilities", [None, [0.5, 0.3, 0.2]])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_interleave_matches_datasets(parts, probabilities, strategy):
    def rows(lib):
        mixed = lib.interleave_datasets(
            [parts(lib, i) for i in range(3)], probabilities=probabilities, seed=42, stopping_strategy=strategy
        )
        return [r["id"] for r in mixed]

    assert rows(ct) == rows(hf)


def test_concatenate_matches_datasets(parts):
    def rows(lib):
        return [r["id"] for r in lib.concatenate_datasets([parts(lib, i) for i in range(3)])]

    assert rows(ct) == rows(hf)


def test_without_replacement_gives_every_row_once_over_workers(parts):
    mixed = ct.interleave_datasets(
        [parts(ct, i).shuffle(seed=i, buffer_size=3) for i in range(3)], probabilities=[0.2, 0.5, 0.3], seed=1,
        stopping_strategy="all_exhausted_without_replacement",
    )  # fmt: skip
    ids = torch.cat([b["id"] for b in torch.utils.data.DataLoader(mixed, batch_size=4, num_workers=2)]).tolist()
    assert sorted(ids) == [*range(5), *range(100, 109), *range(200, 203)]


def test_a_shuffled_concatenation_shuffles_the_parts_and_their_rows(parts):
    whole = ct.concatenate_datasets([parts(ct, i) for i in range(3)]).shuffle(seed=3, buffer_size=4)
    orders = []
    for epoch in range(2):
        whole.set_epoch(epoch)
        orders.append([r["id"] for r in whole])
    assert orders[0] != orders[1] and sorted(orders[0]) == sorted(orders[1])
    assert len(orders[0]) == 17
