"""load_dataset on local data, end to end: same splits and rows as `datasets`, cached preparation, errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import datasets as hf
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import crucible_torch as ct
from crucible_torch.errors import DataFileError, SchemaMismatchError, SplitNotFoundError


def _jsonl(path: Path, rows: list[dict], compress: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if compress:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


def _rows(prefix: str, n: int) -> list[dict]:
    return [{"id": f"{prefix}-{i}", "n": i, "text": f"{prefix} text {i}"} for i in range(n)]


def _layout_sharded_parquet(root: Path) -> None:
    for split, n in (("train", 2), ("test", 1)):
        for shard in range(n):
            table = pa.Table.from_pylist(_rows(f"{split}{shard}", 5 + shard))
            (root / "data").mkdir(parents=True, exist_ok=True)
            pq.write_table(table, root / "data" / f"{split}-{shard:05d}-of-{n:05d}.parquet")


def _layout_split_dirs_jsonl_gz(root: Path) -> None:
    _jsonl(root / "train" / "part0.jsonl.gz", _rows("a", 4), compress=True)
    _jsonl(root / "train" / "part1.jsonl.gz", _rows("b", 3), compress=True)
    _jsonl(root / "dev" / "x.jsonl.gz", _rows("c", 2), compress=True)


def _layout_yaml_configs_csv(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: semi\n  sep: ';'\n  data_files:\n  - split: train\n    path: semi/*.csv\n"
        "- config_name: plain\n  default: true\n  data_files: plain.csv\n---\n# card\n"
    )
    (root / "semi").mkdir()
    (root / "semi" / "a.csv").write_text('id;text\n1;"x; y"\n2;z\n')
    (root / "plain.csv").write_text("id,text\n7,q\n8,r\n")


LAYOUTS = [
    (_layout_sharded_parquet, None),
    (_layout_split_dirs_jsonl_gz, None),
    (_layout_yaml_configs_csv, None),
    (_layout_yaml_configs_csv, "semi"),
]


@pytest.mark.parametrize(("build", "name"), LAYOUTS)
def test_local_directory_loads_like_datasets(tmp_path: Path, build, name) -> None:
    root = tmp_path / "ds"
    build(root)
    ours = ct.load_dataset(str(root), name)
    theirs = hf.load_dataset(str(root), name, cache_dir=str(tmp_path / "hf"))
    assert list(ours) == list(theirs)
    for split in theirs:
        assert ours[split].to_list() == theirs[split].to_list(), split


@pytest.mark.parametrize("spec", ["train[:40%]", "train[2:5]+test", "train[-3:]", "test[:50%](pct1_dropremainder)"])
def test_split_slicing_selects_the_same_rows(tmp_path: Path, spec: str) -> None:
    _jsonl(tmp_path / "train.jsonl", _rows("t", 11))
    _jsonl(tmp_path / "test.jsonl", _rows("v", 200))
    files = {"train": str(tmp_path / "train.jsonl"), "test": str(tmp_path / "test.jsonl")}
    ours = ct.load_dataset("json", data_files=files, split=spec)
    theirs = hf.load_dataset("json", data_files=files, split=spec, cache_dir=str(tmp_path / "hf"))
    assert ours.to_list() == theirs.to_list()


def test_second_load_reuses_the_prepared_split_and_edits_invalidate_it(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    _jsonl(path, _rows("r", 6))
    first = ct.load_dataset("json", data_files=str(path), split="train")
    again = ct.load_dataset("json", data_files=str(path), split="train")
    assert first.cache_files == again.cache_files and first._fingerprint == again._fingerprint
    _jsonl(path, _rows("r", 9))
    changed = ct.load_dataset("json", data_files=str(path), split="train")
    assert changed.num_rows == 9 and changed.cache_files != first.cache_files


def test_features_argument_casts_and_classlabel_from_strings(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    _jsonl(path, [{"label": "neg", "x": 1}, {"label": "pos", "x": 2}])
    features = ct.Features({"label": ct.ClassLabel(names=["neg", "pos"]), "x": ct.Value("float32")})
    ds = ct.load_dataset("json", data_files=str(path), split="train", features=features)
    assert ds.features == features and ds["label"][:] == [0, 1] and ds["x"][:] == [1.0, 2.0]


def test_unknown_split_lists_the_valid_ones(tmp_path: Path) -> None:
    _jsonl(tmp_path / "train.jsonl", _rows("t", 2))
    with pytest.raises(SplitNotFoundError, match="'train'"):
        ct.load_dataset(str(tmp_path), split="validation")


def test_bad_jsonl_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": \n{"a": 4}\n')
    with pytest.raises(DataFileError, match=r"train\.jsonl.*line 3"):
        ct.load_dataset("json", data_files=str(path), split="train")
    assert not list((tmp_path).glob("**/*.incomplete")), "nothing half-written is left"


def test_truncated_parquet_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    pq.write_table(pa.table({"a": list(range(100))}), path)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DataFileError, match=r"train\.parquet"):
        ct.load_dataset("parquet", data_files=str(path), split="train")


def test_csv_broken_quote_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text('a,b\n1,"ok"\n2,"broken\n3,x\n')
    with pytest.raises(DataFileError, match=r"train\.csv.*line 3"):
        ct.load_dataset("csv", data_files=str(path), split="train")


def test_mismatched_shard_schemas_name_both_files_and_the_column(tmp_path: Path) -> None:
    _jsonl(tmp_path / "train-0.jsonl", [{"a": 1, "b": "x"}])
    _jsonl(tmp_path / "train-1.jsonl", [{"a": 2, "b": {"nested": True}}])
    with pytest.raises(SchemaMismatchError) as err:
        ct.load_dataset("json", data_files=str(tmp_path / "train-*.jsonl"), split="train")
    message = str(err.value)
    assert "train-0.jsonl" in message and "train-1.jsonl" in message and "'b'" in message


def test_shards_with_missing_columns_and_int_float_are_unified(tmp_path: Path) -> None:
    _jsonl(tmp_path / "train-0.jsonl", [{"a": 1, "b": "x"}])
    _jsonl(tmp_path / "train-1.jsonl", [{"a": 2.5}])
    ds = ct.load_dataset("json", data_files=str(tmp_path / "train-*.jsonl"), split="train")
    assert ds.to_list() == [{"a": 1.0, "b": "x"}, {"a": 2.5, "b": None}]


def test_dataset_scripts_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "myds"
    root.mkdir()
    (root / "myds.py").write_text("print('no')\n")
    (root / "train.csv").write_text("a\n1\n")
    with pytest.raises(RuntimeError, match="no longer supported"):
        ct.load_dataset(str(root))
