"""Constructors and exports round-trip through files that `datasets` reads and writes the same way."""

from __future__ import annotations

from pathlib import Path

import datasets as hf
import pytest

import crucible_torch as ct

ROWS = [{"id": i, "text": f"t{i}", "score": i / 2, "tags": ["a", "b"][: i % 3]} for i in range(15)]


def _gen(n: int):
    for i in range(n):
        yield {"id": i, "text": f"g{i}"}


def test_from_generator_writes_once_and_reuses_the_cache(tmp_path: Path) -> None:
    first = ct.Dataset.from_generator(_gen, gen_kwargs={"n": 2500}, cache_dir=tmp_path)
    again = ct.Dataset.from_generator(_gen, gen_kwargs={"n": 2500}, cache_dir=tmp_path)
    theirs = hf.Dataset.from_generator(_gen, gen_kwargs={"n": 2500}, cache_dir=str(tmp_path / "hf"))
    assert first.to_list() == theirs.to_list()
    assert first.cache_files == again.cache_files and first.cache_files
    other = ct.Dataset.from_generator(_gen, gen_kwargs={"n": 3}, cache_dir=tmp_path)
    assert len(other) == 3


@pytest.mark.parametrize("fmt", ["parquet", "json", "csv"])
def test_exports_load_back_in_both_libraries(tmp_path: Path, fmt: str) -> None:
    rows = [{k: v for k, v in r.items() if not (fmt == "csv" and k == "tags")} for r in ROWS]
    ours = ct.Dataset.from_list(rows).shuffle(seed=4)
    path = tmp_path / f"data.{fmt if fmt != 'json' else 'jsonl'}"
    getattr(ours, f"to_{fmt}")(str(path))
    reader = {"parquet": "from_parquet", "json": "from_json", "csv": "from_csv"}[fmt]
    theirs = getattr(hf.Dataset, reader)(str(path), cache_dir=str(tmp_path / "hf"))
    back = getattr(ct.Dataset, reader)(str(path))
    assert theirs.to_list() == ours.to_list()
    assert back.to_list() == ours.to_list()


def test_concatenate_on_columns_requires_equal_lengths_and_distinct_names() -> None:
    left = ct.Dataset.from_dict({"a": [1, 2, 3]}).shuffle(seed=1)
    right = ct.Dataset.from_dict({"b": ["x", "y", "z"]})
    both = ct.concatenate_datasets([left, right], axis=1)
    theirs = hf.concatenate_datasets(
        [hf.Dataset.from_dict({"a": [1, 2, 3]}).shuffle(seed=1), hf.Dataset.from_dict({"b": ["x", "y", "z"]})], axis=1
    )
    assert both.to_list() == theirs.to_list()
    with pytest.raises(ValueError, match="Number of rows"):
        ct.concatenate_datasets([left, right.take(2)], axis=1)
    with pytest.raises(ValueError, match="duplicated"):
        ct.concatenate_datasets([left, left], axis=1)


def test_cast_column_to_classlabel_from_strings_and_image_decode_false() -> None:
    ds = ct.Dataset.from_dict({"label": ["pos", "neg", "pos"]})
    cast = ds.cast_column("label", ct.ClassLabel(names=["neg", "pos"]))
    assert cast["label"][:] == [1, 0, 1] and cast.features["label"].int2str(1) == "pos"
    with pytest.raises(ValueError):
        ds.cast_column("label", ct.ClassLabel(names=["neg"]))


def test_batches_follow_the_cookbook_shuffle_then_select() -> None:
    data = {"i": list(range(23))}
    ours = ct.Dataset.from_dict(data)
    theirs = hf.Dataset.from_dict(data)
    for epoch in (0, 1, 5):
        view = ours.batches(4, seed=epoch, drop_last=True)
        shuffled = theirs.shuffle(seed=epoch)
        assert len(view) == 23 // 4
        for k in range(len(view)):
            assert view[k]["i"] == shuffled.select(range(k * 4, (k + 1) * 4))["i"][:]
    assert len(ours.batches(4, drop_last=False)) == 6 and ours.batches(4, drop_last=False)[5]["i"] == [20, 21, 22]
