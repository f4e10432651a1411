"""Names that become file or folder names (fingerprints, split and config names, file names in saved metadata)
are refused when they could leave their folder, and writers to one destination never share a temp file."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from safety_helpers import paths_under

import crucible_torch as ct
from crucible_torch.hub import UnsafePathError

HOSTILE = ["../../escaped", "a/b", "..", "a\x00b", "C:x", "/abs"]


def file_backed(tmp_path: Path) -> ct.Dataset:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "data.csv").write_text("a\n1\n2\n3\n")
    source = str(tmp_path / "src" / "data.csv")
    return ct.load_dataset("csv", data_files=source, split="train", cache_dir=tmp_path / "c")


@pytest.mark.parametrize("name", HOSTILE)
def test_new_fingerprint_must_be_one_file_name(tmp_path, name):
    ds = file_backed(tmp_path)
    before = paths_under(tmp_path)
    for call in (
        lambda: ds.map(lambda row: {"b": row["a"]}, new_fingerprint=name),
        lambda: ds.filter(lambda row: row["a"] > 1, new_fingerprint=name),
    ):
        with pytest.raises(UnsafePathError, match="new_fingerprint"):
            call()
    assert paths_under(tmp_path) == before


@pytest.mark.parametrize("name", HOSTILE)
def test_split_and_config_names_given_by_the_caller_stay_in_the_cache(tmp_path, name):
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    cache = tmp_path / "deep" / "er" / "cache"
    before = paths_under(tmp_path)
    with pytest.raises(UnsafePathError, match="config name"):
        ct.load_dataset("csv", name=name, data_files=str(data), cache_dir=cache)
    with pytest.raises(UnsafePathError, match="split name"):
        ct.load_dataset("csv", data_files={name: str(data)}, cache_dir=cache)
    with pytest.raises(UnsafePathError, match="split name"):
        ct.Dataset.from_generator(lambda: iter([{"a": 1}]), split=name, cache_dir=cache)
    with pytest.raises(UnsafePathError, match="split name"):
        ct.DatasetDict({name: ct.Dataset.from_dict({"a": [1]})}).save_to_disk(tmp_path / "saved")
    assert {p for p in paths_under(tmp_path) - before if cache not in p.parents and p != cache} <= {
        tmp_path / "deep",
        tmp_path / "deep" / "er",
        tmp_path / "saved",
    }


@pytest.mark.parametrize("name", ["../../outside.arrow", "/etc/hostname", "sub/data.arrow", "a\x00b"])
def test_load_from_disk_refuses_file_names_that_leave_the_folder(tmp_path, name):
    saved = tmp_path / "saved"
    ct.Dataset.from_dict({"a": [1, 2]}).save_to_disk(saved)
    state = json.loads((saved / "state.json").read_text())
    state["_data_files"] = [{"filename": name}]
    (saved / "state.json").write_text(json.dumps(state))
    with pytest.raises(UnsafePathError, match="state.json"):
        ct.load_from_disk(str(saved))


@pytest.mark.parametrize("name", ["../../outside", "/etc", "a/b"])
def test_load_from_disk_refuses_dict_split_names_that_leave_the_folder(tmp_path, name):
    saved = tmp_path / "saved"
    ct.DatasetDict({"train": ct.Dataset.from_dict({"a": [1]})}).save_to_disk(saved)
    (saved / "dataset_dict.json").write_text(json.dumps({"splits": [name]}))
    with pytest.raises(UnsafePathError, match="dataset_dict.json"):
        ct.load_from_disk(str(saved))


def test_threads_writing_one_destination_never_collide(tmp_path):
    """Temp names are unique per thread, not only per process: every writer succeeds and the result is one
    writer's complete output."""
    versions = [ct.Dataset.from_dict({"i": list(range(k * 500, k * 500 + 2000))}) for k in range(8)]
    json_dest, saved = tmp_path / "rows.jsonl", tmp_path / "saved"
    errors: list[BaseException] = []

    def write(ds: ct.Dataset) -> None:
        try:
            ds.to_json(str(json_dest))
            ds.save_to_disk(saved, num_shards=1)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(ds,)) for ds in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    lines = json_dest.read_text().splitlines()
    assert [json.loads(line) for line in lines] in [ds.to_list() for ds in versions]
    assert [p.name for p in tmp_path.glob(".*")] == []  # no temp file left behind
