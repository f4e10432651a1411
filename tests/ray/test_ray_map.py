"""``crucible_torch.ray.map`` on a real local Ray cluster equals ``Dataset.map`` run in this process.

Each case maps the same split both ways (``load_from_cache_file=False``, so neither reads the other's cache)
and compares rows, order, features, column names and fingerprint. The tokenising case runs on 20k rows in
``make test`` and on 200k rows with ``-m slow``.
"""

from __future__ import annotations

import zlib

import pytest

from crucible_torch import ClassLabel, Dataset, Features, List, Value, load_from_disk

pytest.importorskip("ray.data", reason="the ray extra is not installed: pip install 'crucible-torch[ray]'")

import crucible_torch.ray as cray  # noqa: E402

VOCABULARY = 50_000


def _rows(n: int) -> dict[str, list]:
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    return {
        "id": list(range(n)),
        "text": [" ".join(words[(i * 7 + k) % len(words)] + str(i % 97) for k in range(i % 13 + 1)) for i in range(n)],
        "label": [i % 2 for i in range(n)],
    }


def _split(path, n: int) -> Dataset:
    features = Features({"id": Value("int64"), "text": Value("string"), "label": ClassLabel(names=["no", "yes"])})
    Dataset.from_dict(_rows(n), features=features).save_to_disk(path)
    return load_from_disk(str(path))


def tokenize(batch: dict) -> dict:
    """A whitespace tokeniser with hashed ids, padded per batch (so a batch's rows must match ``ds.map``'s)."""
    ids = [[zlib.crc32(word.encode()) % VOCABULARY for word in text.split()] for text in batch["text"]]
    width = max(map(len, ids), default=0)
    return {
        "input_ids": [row + [0] * (width - len(row)) for row in ids],
        "attention_mask": [[1] * len(row) + [0] * (width - len(row)) for row in ids],
    }


def _assert_same(remote: Dataset, local: Dataset) -> None:
    assert remote.column_names == local.column_names
    assert remote.features == local.features
    assert remote._fingerprint == local._fingerprint
    assert len(remote) == len(local)
    assert remote.to_list() == local.to_list()


@pytest.fixture(scope="module")
def text_split(tmp_path_factory) -> Dataset:
    return _split(tmp_path_factory.mktemp("split") / "data", 20_000)


def _tokenised_equality(dataset: Dataset) -> None:
    kwargs = dict(batched=True, batch_size=1000, remove_columns=["text"], load_from_cache_file=False)
    remote = cray.map(dataset, tokenize, **kwargs)
    local = dataset.map(tokenize, **kwargs)
    _assert_same(remote, local)
    assert remote.features["label"] == ClassLabel(names=["no", "yes"])


def test_tokenising_map_equals_local_map(ray_cluster, text_split):
    _tokenised_equality(text_split)


@pytest.mark.slow
def test_tokenising_map_equals_local_map_200k_rows(ray_cluster, tmp_path):
    _tokenised_equality(_split(tmp_path / "data", 200_000))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(input_columns=["text"], batch_size=333),
        dict(batch_size=256, drop_last_batch=True),
        dict(
            batch_size=500,
            features=Features({"input_ids": List(Value("int32")), "attention_mask": List(Value("int8"))}),
        ),
    ],
    ids=["input_columns", "drop_last_batch", "features"],
)
def test_batched_map_arguments(ray_cluster, text_split, kwargs):
    part = text_split.select(range(5000))
    function = (lambda text: tokenize({"text": text})) if "input_columns" in kwargs else tokenize

    remote = cray.map(part, function, load_from_cache_file=False, **kwargs)
    local = part.map(function, batched=True, load_from_cache_file=False, **kwargs)

    _assert_same(remote, local)


def test_row_map_with_indices_over_a_shuffled_split(ray_cluster, text_split):
    def describe(row: dict, index: int) -> dict:
        return {"position": index, "words": len(row["text"].split()), "label": 1 - row["label"]}

    shuffled = text_split.shuffle(seed=42).select(range(3000))

    remote = cray.map(shuffled, describe, batched=False, with_indices=True, load_from_cache_file=False)
    local = shuffled.map(describe, with_indices=True, load_from_cache_file=False)

    _assert_same(remote, local)
    assert remote["id"][:10] == shuffled["id"][:10]


def test_in_memory_dataset(ray_cluster):
    dataset = Dataset.from_dict(_rows(2500))

    remote = cray.map(dataset, tokenize, batch_size=100, remove_columns="text")
    local = dataset.map(tokenize, batched=True, batch_size=100, remove_columns="text")

    _assert_same(remote, local)
    assert remote.cache_files == []


def test_function_returning_nothing_keeps_the_rows(ray_cluster, text_split):
    """As ``Dataset.map`` (and `datasets`): a function returning None leaves the dataset as it was, even the
    columns named in ``remove_columns``."""
    part = text_split.select(range(1000))

    remote = cray.map(part, lambda batch: None, remove_columns=["label"], load_from_cache_file=False)
    local = part.map(lambda batch: None, batched=True, remove_columns=["label"], load_from_cache_file=False)

    assert remote.to_list() == local.to_list() == part.to_list()


def test_a_second_call_reads_the_result_back(ray_cluster, text_split, tmp_path):
    calls = tmp_path / "calls.log"

    def logged(batch: dict) -> dict:
        with open(calls, "a") as f:
            f.write(f"{batch['id'][0]}\n")
        return {"n": [len(t) for t in batch["text"]]}

    part = text_split.select(range(4000))
    first = cray.map(part, logged, batch_size=1000)
    written = calls.read_text().split()
    second = cray.map(part, logged, batch_size=1000)

    assert sorted(written, key=int) == ["0", "1000", "2000", "3000"]
    assert calls.read_text().split() == written
    assert second.to_list() == first.to_list()
    assert second._fingerprint == first._fingerprint


def test_error_in_a_task_names_the_rows_and_keeps_the_traceback(ray_cluster, text_split):
    def fails_on_row_1234(batch: dict, indices: list[int]) -> dict:
        if 1234 in indices:
            raise ValueError(f"cannot tokenise row {1234}")
        return {"n": indices}

    with pytest.raises(cray.RayMapError) as caught:
        cray.map(text_split, fails_on_row_1234, with_indices=True, batch_size=500, load_from_cache_file=False)

    message = str(caught.value)
    assert "rows [1000, 1500) of 20000" in message
    assert "fails_on_row_1234 raised ValueError" in message
    assert "cannot tokenise row 1234" in message
    assert 'raise ValueError(f"cannot tokenise row {1234}")' in message  # the worker's traceback, with source
    assert "\x1b[" not in message


def test_bad_arguments_fail_before_anything_runs(ray_cluster, text_split):
    with pytest.raises(ValueError, match="Column to remove \\['nope'\\] not in the dataset"):
        cray.map(text_split, tokenize, remove_columns=["nope"])
    with pytest.raises(ValueError, match="Input column nope not in the dataset"):
        cray.map(text_split, tokenize, input_columns="nope")
