"""The map cache is keyed by what the function really reads: a changed global helper is a new result, and a
method name that happens to match an unhashable global does not make every call a cache miss."""

from __future__ import annotations

import json
import threading

from crucible_torch import load_dataset

_SOURCE = """
def helper(v):
    return v + {offset}

def add(batch):
    return {{"y": [helper(v) for v in batch["x"]]}}
"""


def _split(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps({"x": i, "s": f"a b {i}"}) + "\n" for i in range(10)))
    return load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))


def _function(offset: int):
    namespace: dict = {}
    exec(compile(_SOURCE.format(offset=offset), "<notebook cell>", "exec"), namespace)
    return namespace["add"]


def test_a_changed_global_read_inside_a_comprehension_is_not_served_from_the_cache(tmp_path):
    ds = _split(tmp_path)
    first = ds.map(_function(1), batched=True)
    second = ds.map(_function(100), batched=True)
    assert first["y"] == [i + 1 for i in range(10)]
    assert second["y"] == [i + 100 for i in range(10)]
    assert first._fingerprint != second._fingerprint


split = threading.Lock()  # a module global that cannot be pickled, named like the str method below


def _words(row):
    return {"n": len(row["s"].split())}


def test_an_attribute_named_like_an_unhashable_global_keeps_the_fingerprint_deterministic(tmp_path):
    ds = _split(tmp_path)
    assert ds.map(_words)._fingerprint == ds.map(_words)._fingerprint
