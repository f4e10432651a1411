"""Differential: imagefolder, audiofolder, webdataset and archived data files, loaded by `datasets` 5.2 and by
crucible_torch from the same trees, give the same splits, features and rows in the same order (media compared
undecoded: the stored path, or the embedded bytes), and our streaming gives the same rows as our map-style.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from media_trees import (
    image_bytes,
    wds_sample,
    write_image,
    write_jsonl,
    write_shards,
    write_tar,
    write_wav,
    write_zip,
)

import crucible_torch as ct

pytest.importorskip("datasets")


def _raw(lib: Any, feature: Any) -> Any:
    """The undecoded form of a media feature (or None when ``feature`` is not media)."""
    name = type(feature).__name__
    if name in ("Image", "Audio"):
        return getattr(lib, name)(decode=False)
    if name == "List" and type(feature.feature).__name__ in ("Image", "Audio"):
        return lib.List(getattr(lib, type(feature.feature).__name__)(decode=False))
    return None


def _rows(lib: Any, ds: Any) -> list[dict]:
    for column, feature in list(ds.features.items()):
        raw = _raw(lib, feature)
        if raw is not None:
            ds = ds.cast_column(column, raw)
    return list(ds) if not hasattr(ds, "to_list") else ds.to_list()


def summary(lib: Any, loaded: Any) -> dict[str, Any]:
    """``{split: (features as JSON, rows with media undecoded)}`` of a DatasetDict or IterableDatasetDict."""
    return {split: (ds.features.to_dict(), _rows(lib, ds)) for split, ds in loaded.items()}


def check_same(hf: Any, path: str, **kwargs: Any) -> dict[str, Any]:
    """Load with both libraries (map-style) and ours streaming; assert all agree; return our summary."""
    theirs = summary(hf, hf.load_dataset(path, **kwargs))
    ours = summary(ct, ct.load_dataset(path, **kwargs))
    assert list(ours) == list(theirs)
    for split in theirs:
        assert ours[split][0] == theirs[split][0], f"features of {split}"
        assert ours[split][1] == theirs[split][1], f"rows of {split}"
    streamed = summary(ct, ct.load_dataset(path, streaming=True, **kwargs))
    assert streamed == ours
    return ours


# ------------------------------------------------------------------------------------------ imagefolder
def _classes(root: Path, splits=("train", "test"), classes=("dog", "cat", "Bird")) -> Path:
    for split in splits:
        for label in classes:
            for i in range(2):
                write_image(root / split / label / f"{i}.png")
    write_image(root / "train" / "cat" / "upper.PNG")
    write_image(root / "train" / "dog" / "photo.jpeg", fmt="JPEG")
    (root / "train" / "notes.txt").write_text("not an image")
    return root


def test_class_directories_become_sorted_labels_with_split_directories(hf_offline, tmp_path):
    root = _classes(tmp_path / "pets")
    ours = check_same(hf_offline, "imagefolder", data_dir=str(root))
    assert ours["train"][0]["label"]["names"] == ["Bird", "cat", "dog"]
    assert len(ours["train"][1]) == 8 and len(ours["test"][1]) == 6


def test_a_local_directory_is_inferred_as_imagefolder(hf_offline, tmp_path):
    root = _classes(tmp_path / "pets")
    check_same(hf_offline, str(root))


@pytest.mark.parametrize("drop_labels", [None, True, False])
def test_files_at_several_depths_get_no_labels_unless_forced(hf_offline, tmp_path, drop_labels):
    root = tmp_path / "nested"
    write_image(root / "a" / "x" / "1.png")
    write_image(root / "a" / "2.png")
    write_image(root / "b" / "3.png")
    ours = check_same(hf_offline, "imagefolder", data_dir=str(root), drop_labels=drop_labels)
    assert ("label" in ours["train"][0]) == (drop_labels is False)


def test_one_class_gets_no_labels_and_drop_labels_drops_them(hf_offline, tmp_path):
    root = tmp_path / "one"
    for i in range(3):
        write_image(root / "only" / f"{i}.png")
    assert "label" not in check_same(hf_offline, "imagefolder", data_dir=str(root))["train"][0]
    root2 = _classes(tmp_path / "pets", splits=("train",))
    assert "label" not in check_same(hf_offline, "imagefolder", data_dir=str(root2), drop_labels=True)["train"][0]


def test_data_files_patterns_per_split(hf_offline, tmp_path):
    root = _classes(tmp_path / "pets")
    data_files = {"train": str(root / "train" / "**"), "validation": str(root / "test" / "*" / "*.png")}
    check_same(hf_offline, "imagefolder", data_files=data_files)


# ------------------------------------------------------------------------------------------ metadata
def test_metadata_jsonl_with_extra_columns_and_several_file_name_columns(hf_offline, tmp_path):
    root = tmp_path / "captions"
    for split in ("train", "test"):
        rows = []
        for i in range(4):
            write_image(root / split / "img" / f"{i}.png")
            write_image(root / split / "pairs" / f"{i}-l.png")
            write_image(root / split / "pairs" / f"{i}-r.png")
            rows.append(
                {
                    "text": f"{split} caption {i}",
                    "file_name": f"img/{i}.png",
                    "left_file_name": f"pairs/{i}-l.png",
                    "score": i * 0.5,
                    "right_file_name": f"pairs/{i}-r.png",
                    "file_names": [f"img/{i}.png", f"pairs/{i}-l.png"],
                }
            )
        write_image(root / split / "img" / "unreferenced.png")
        write_jsonl(root / split / "metadata.jsonl", rows)
    ours = check_same(hf_offline, "imagefolder", data_dir=str(root))
    assert list(ours["train"][0]) == ["text", "image", "left", "score", "right", "images"]
    assert len(ours["train"][1]) == 4, "rows come from the metadata, not from every image"


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_metadata_csv_and_parquet(hf_offline, tmp_path, kind):
    root = tmp_path / kind
    rows = []
    for i in range(5):
        write_image(root / "data" / f"{i:02d}.png")
        rows.append({"file_name": f"data/{i:02d}.png", "label_text": ["a", "b"][i % 2], "n": i})
    table = pa.Table.from_pylist(rows)
    if kind == "csv":
        (root / "metadata.csv").write_text(
            "file_name,label_text,n\n" + "".join(f"{r['file_name']},{r['label_text']},{r['n']}\n" for r in rows)
        )
    else:
        pq.write_table(table, root / "metadata.parquet")
    check_same(hf_offline, "imagefolder", data_dir=str(root))


def test_drop_metadata_falls_back_to_labels(hf_offline, tmp_path):
    root = tmp_path / "dm"
    for label in ("x", "y"):
        write_image(root / label / "0.png")
    write_jsonl(root / "metadata.jsonl", [{"file_name": "x/0.png", "t": 1}, {"file_name": "y/0.png", "t": 2}])
    assert "t" in check_same(hf_offline, "imagefolder", data_dir=str(root))["train"][0]
    check_same(hf_offline, "imagefolder", data_dir=str(root), drop_metadata=True)


# ------------------------------------------------------------------------------------------ audiofolder
def test_audiofolder_with_labels_and_with_metadata(tmp_path):
    """`datasets` needs torchcodec (and FFmpeg) even to store an audio path, so the expectation is computed
    from the tree: the folder rules are the ones the imagefolder cases check against `datasets`."""
    root = tmp_path / "speech"
    paths = sorted(write_wav(root / label / f"{i}.wav") for label in ("yes", "no") for i in range(2))
    ours = summary(ct, ct.load_dataset("audiofolder", data_dir=str(root)))
    assert ours["train"][0] == {"audio": {"_type": "Audio"}, "label": {"names": ["no", "yes"], "_type": "ClassLabel"}}
    assert ours["train"][1] == [
        {"audio": {"bytes": None, "path": str(p)}, "label": ["no", "yes"].index(p.parent.name)} for p in paths
    ]
    decoded = ct.load_dataset("audiofolder", data_dir=str(root), split="train")[0]["audio"]
    assert decoded["sampling_rate"] == 16_000 and decoded["array"].ndim == 1
    meta = tmp_path / "transcribed"
    rows = [{"file_name": f"clips/{i}.wav", "transcription": f"utterance {i}"} for i in range(3)]
    clips = [write_wav(meta / "clips" / f"{i}.wav") for i in range(3)]
    write_jsonl(meta / "metadata.jsonl", rows)
    ours = summary(ct, ct.load_dataset("audiofolder", data_dir=str(meta)))
    assert ours["train"][1] == [
        {"audio": {"bytes": None, "path": str(c)}, "transcription": r["transcription"]} for c, r in zip(clips, rows)
    ]
    assert summary(ct, ct.load_dataset("audiofolder", data_dir=str(meta), streaming=True)) == ours


# ------------------------------------------------------------------------------------------ webdataset
def test_webdataset_shards_fields_decoded_and_features_inferred(hf_offline, tmp_path):
    shards = write_shards(tmp_path / "wds", shards=3, per_shard=7)
    ours = check_same(hf_offline, "webdataset", data_files=[str(s) for s in shards])
    features = ours["train"][0]
    assert list(features) == ["png", "json", "cls", "txt", "npy", "ids.npy", "__key__", "__url__"]
    assert features["png"] == {"_type": "Image"}
    assert len(ours["train"][1]) == 21


def test_webdataset_directory_with_splits_and_compressed_members(hf_offline, tmp_path):
    root = tmp_path / "repo"
    for split, start in (("train", 0), ("test", 100)):
        samples = {}
        for i in range(4):
            fields = wds_sample(start + i)
            fields["meta.json.gz"] = gzip.compress(json.dumps({"k": i}).encode())
            samples[f"{split}/{i:03d}"] = fields
        write_tar(root / "data" / f"{split}-00000-of-00001.tar", samples)
    check_same(hf_offline, str(root))


def test_compressed_shards_are_webdataset_too(hf_offline, tmp_path):
    samples = {f"k{i}": {"txt": f"t{i}".encode(), "cls": b"1"} for i in range(5)}
    gz = write_tar(tmp_path / "a.tar.gz", samples, mode="w:gz")
    xz = write_tar(tmp_path / "b.tar.xz", {f"m{i}": v for i, v in enumerate(samples.values())}, mode="w:xz")
    check_same(hf_offline, "webdataset", data_files=[str(gz), str(xz)])


# ------------------------------------------------------------------------------------------ archives
def test_imagefolder_over_a_zip_of_class_directories(hf_offline, tmp_path):
    """`datasets` 5.2 infers the labels from the directories inside the zip but labels each row by the zip's
    own directory, and fails ("Invalid string class label"); we label rows by the directory inside."""
    files = {f"{label}/{i}.png": image_bytes(f"{label}{i}") for label in ("ant", "bee") for i in range(3)}
    archive = write_zip(tmp_path / "images.zip", files)
    with pytest.raises(Exception) as failure:
        hf_offline.load_dataset("imagefolder", data_files=str(archive))
    assert "Invalid string class label" in str(failure.value.__cause__ or failure.value.__context__)
    ours = summary(ct, ct.load_dataset("imagefolder", data_files=str(archive)))
    assert ours["train"][0]["label"] == {"names": ["ant", "bee"], "_type": "ClassLabel"}
    rows = ours["train"][1]
    assert [(Path(r["image"]["path"]).parent.name, r["label"]) for r in rows] == [
        (label, k) for k, label in enumerate(("ant", "bee")) for _ in range(3)
    ]
    assert [Path(r["image"]["path"]).read_bytes() for r in rows] == list(files.values())
    assert summary(ct, ct.load_dataset("imagefolder", data_files=str(archive), streaming=True)) == ours


def test_a_zip_of_jsonl_files_in_a_directory_is_inferred_and_read(hf_offline, tmp_path):
    root = tmp_path / "zipped"
    lines = lambda start: "".join(json.dumps({"id": i, "text": f"t{i}"}) + "\n" for i in range(start, start + 3))  # noqa: E731
    write_zip(root / "train.zip", {"part-0.jsonl": lines(0).encode(), "sub/part-1.jsonl": lines(3).encode()})
    write_zip(root / "test.zip", {"part-0.jsonl": lines(10).encode()})
    check_same(hf_offline, str(root))


@pytest.mark.parametrize("suffix,mode", [(".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar.xz", "w:xz"), (".zip", None)])
def test_packaged_builder_reads_an_archive_of_data_files(hf_offline, tmp_path, suffix, mode):
    data = {"a.jsonl": b'{"x": 1}\n{"x": 2}\n', "b/c.jsonl": b'{"x": 3}\n'}
    path = tmp_path / f"data{suffix}"
    if mode is None:
        write_zip(path, data)
    else:
        with tarfile.open(path, mode) as tf:
            for name, payload in data.items():
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                tf.addfile(info, io.BytesIO(payload))
    ours = check_same(hf_offline, "json", data_files=str(path))
    assert [r["x"] for r in ours["train"][1]] == [1, 2, 3]
