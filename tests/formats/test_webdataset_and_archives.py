"""WebDataset shards and archives as bad input: truncation, missing fields, missing or escaping metadata files,
traversal, links out of the tree and bombs are refused with errors naming where; units partition a shard."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crucible_torch as ct
from crucible_torch.errors import DataFileError
from crucible_torch.formats import LocalSource
from crucible_torch.formats.archive import extract_archive, extraction_dir
from crucible_torch.formats.webdataset import WebDatasetReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loading"))
from media_trees import write_image, write_jsonl, write_tar  # noqa: E402


def _samples(n: int, size: int = 300) -> dict[str, dict[str, bytes]]:
    return {f"k{i:03d}": {"bin": bytes([i % 251]) * size, "cls": str(i).encode()} for i in range(n)}


def _keys(batches) -> list[str]:
    return [k for b in batches for k in b.column("__key__").to_pylist()]


# ------------------------------------------------------------------------------------------ units
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(0, 3000), min_size=0, max_size=25), unit_bytes=st.integers(1, 9000))
def test_units_partition_the_samples_of_a_shard(tmp_path_factory, sizes, unit_bytes):
    root = tmp_path_factory.mktemp("units")
    shard = write_tar(root / "s.tar", {f"d/k{i:03d}": {"bin": b"x" * n, "txt": b"t"} for i, n in enumerate(sizes)})
    reader = WebDatasetReader(unit_bytes=unit_bytes) if sizes else None
    if reader is None:
        assert (
            WebDatasetReader(unit_bytes=unit_bytes, features=ct.Features({"bin": ct.Value("binary")})).units(
                LocalSource(shard)
            )
            == []
        )
        return
    units = reader.units(LocalSource(shard))
    assert sum(u.num_rows for u in units) == len(sizes)
    assert all(u.num_rows >= 1 for u in units)
    assert [u.start for u in units[1:]] == [u.end for u in units[:-1]], "units are contiguous"
    pieces = [_keys(reader.read(LocalSource(shard), unit=u)) for u in units]
    assert [len(p) for p in pieces] == [u.num_rows for u in units]
    assert [k for p in pieces for k in p] == [f"d/k{i:03d}" for i in range(len(sizes))]


def test_a_shard_with_pax_and_long_names_splits_at_their_first_header(tmp_path):
    long_key = "deep/" + "x" * 150
    samples = {f"{long_key}{i}": {"txt": f"t{i}".encode(), "bin": b"y" * 700} for i in range(6)}
    for fmt, name in ((tarfile.GNU_FORMAT, "gnu.tar"), (tarfile.PAX_FORMAT, "pax.tar")):
        path = tmp_path / name
        with tarfile.open(path, "w", format=fmt) as tf:
            for key, fields in samples.items():
                for field, data in fields.items():
                    info = tarfile.TarInfo(f"{key}.{field}")
                    info.size = len(data)
                    tf.addfile(info, io.BytesIO(data))
        reader = WebDatasetReader(unit_bytes=1)
        units = reader.units(LocalSource(path))
        assert len(units) == 6
        assert [k for u in units for k in _keys(reader.read(LocalSource(path), unit=u))] == list(samples)


def test_the_streaming_index_is_planned_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "cache"))
    shard = write_tar(tmp_path / "one.tar", _samples(40, size=2000))
    first = ct.load_dataset("webdataset", data_files=str(shard), split="train", streaming=True)
    cached = list((tmp_path / "cache" / "streaming_units").glob("*.json"))
    assert len(cached) == 1
    data = json.loads(cached[0].read_text())
    assert sum(rows for _, _, _, rows in data["units"]) == 40
    monkeypatch.setattr(WebDatasetReader, "units", lambda *a, **k: pytest.fail("re-indexed a cached shard"))
    again = ct.load_dataset("webdataset", data_files=str(shard), split="train", streaming=True)
    assert [r["__key__"] for r in again] == [r["__key__"] for r in first]


# ------------------------------------------------------------------------------------------ bad shards
@pytest.mark.parametrize("cut", ["data", "header"])
@pytest.mark.parametrize("streaming", [False, True])
def test_a_truncated_shard_names_shard_member_and_offset(tmp_path, cut, streaming):
    whole = write_tar(tmp_path / "whole.tar", _samples(10)).read_bytes()
    # member 14 (k007.bin) starts at 14 * (512 + 512) bytes: cut inside its data, or inside its header
    member_offset = 14 * 1024
    end = member_offset + (512 + 100 if cut == "data" else 200)
    shard = tmp_path / "cut.tar"
    shard.write_bytes(whole[:end])
    with pytest.raises(DataFileError) as info:
        ds = ct.load_dataset("webdataset", data_files=str(shard), split="train", streaming=streaming)
        list(ds)
    message = str(info.value)
    assert str(shard) in message and "truncated tar" in message
    assert f"byte {member_offset}" in message
    if cut == "data":
        assert "k007.bin" in message and "100 of its 300 bytes" in message


def test_a_sample_missing_a_field_names_shard_member_and_offset(tmp_path):
    samples = _samples(8)
    del samples["k006"]["cls"]
    shard = write_tar(tmp_path / "gap.tar", samples)
    with pytest.raises(DataFileError) as info:
        ct.load_dataset("webdataset", data_files=str(shard), split="train")
    message = str(info.value)
    assert str(shard) in message and "'k006'" in message and "member 'k006.bin'" in message
    assert "no field 'cls'" in message and f"byte {12 * 1024}" in message
    ds = ct.load_dataset("webdataset", data_files=str(shard), split="train", allow_missing_fields=True)
    assert ds[6]["cls"] is None and ds[7]["cls"] == 7


def test_a_field_that_does_not_fit_the_inferred_type_names_the_sample(tmp_path):
    samples = _samples(8)
    samples["k007"]["cls"] = b"seven"
    shard = write_tar(tmp_path / "bad.tar", samples)
    with pytest.raises(DataFileError, match=r"bad\.tar, byte 14336, column 'cls'.*'k007'"):
        ct.load_dataset("webdataset", data_files=str(shard), split="train")


# ------------------------------------------------------------------------------------------ metadata
def test_metadata_naming_a_missing_file_names_both(tmp_path):
    root = tmp_path / "captions"
    write_image(root / "a.png")
    write_jsonl(root / "metadata.jsonl", [{"file_name": "a.png", "t": 1}, {"file_name": "gone.png", "t": 2}])
    for streaming in (False, True):
        with pytest.raises(DataFileError) as info:
            ct.load_dataset("imagefolder", data_dir=str(root), streaming=streaming)
        assert str(root / "metadata.jsonl") in str(info.value) and "'gone.png'" in str(info.value)


@pytest.mark.parametrize("name", ["../outside.png", "/etc/passwd", "sub/../../outside.png", "file:///etc/passwd"])
def test_metadata_paths_cannot_leave_the_directory(tmp_path, name):
    root = tmp_path / "inner"
    write_image(tmp_path / "outside.png")
    write_image(root / "a.png")
    write_jsonl(root / "metadata.jsonl", [{"file_name": "a.png"}, {"file_name": name}])
    with pytest.raises(DataFileError, match=r"row 1: file name .* is not a relative path inside"):
        ct.load_dataset("imagefolder", data_dir=str(root))


# ------------------------------------------------------------------------------------------ archives
def _tar_with(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tf:
        for info in members:
            payload = data.get(info.name)
            if payload is not None:
                info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _nothing_left(tmp_path: Path, archive: Path) -> None:
    cache = tmp_path / "cache" / "extracted"
    assert not extraction_dir(str(archive), tmp_path / "cache").exists()
    assert not any(cache.glob(".*.tmp")) if cache.exists() else True
    assert not (tmp_path / "x").exists() and not (tmp_path / "escaped").exists()


@pytest.mark.parametrize("kind", ["tar", "zip"])
@pytest.mark.parametrize("name", ["../x", "a/../../x", "/tmp/escaped"])
def test_members_that_escape_the_extraction_directory_are_refused(tmp_path, kind, name):
    archive = tmp_path / f"evil.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("ok.jsonl", b'{"a": 1}\n')
            info = zipfile.ZipInfo("placeholder")
            info.filename = name  # ZipInfo would strip a leading '/': set the raw name as a hostile tool does
            zf.writestr(info, b"pwned")
    else:
        _tar_with(
            archive, [tarfile.TarInfo("ok.jsonl"), tarfile.TarInfo(name)], {"ok.jsonl": b'{"a": 1}\n', name: b"x"}
        )
    with pytest.raises(DataFileError, match="absolute path|climbs out"):
        extract_archive(str(archive), cache_dir=tmp_path / "cache")
    _nothing_left(tmp_path, archive)
    with pytest.raises(DataFileError, match=str(archive.name)):
        ct.load_dataset("json", data_files=str(archive), cache_dir=str(tmp_path / "prepared"))


def test_a_symlink_out_of_the_tree_is_refused_and_one_inside_is_copied(tmp_path):
    inside = tarfile.TarInfo("data/link.jsonl")
    inside.type, inside.linkname = tarfile.SYMTYPE, "real.jsonl"
    good = _tar_with(
        tmp_path / "good.tar", [tarfile.TarInfo("data/real.jsonl"), inside], {"data/real.jsonl": b'{"a": 1}\n'}
    )
    root = extract_archive(str(good), cache_dir=tmp_path / "cache")
    link = root / "data" / "link.jsonl"
    assert not link.is_symlink() and link.read_bytes() == b'{"a": 1}\n'
    for target in ("../../etc/passwd", "/etc/passwd"):
        out = tarfile.TarInfo("data/evil.jsonl")
        out.type, out.linkname = tarfile.SYMTYPE, target
        evil = _tar_with(tmp_path / f"evil{len(target)}.tar", [out], {})
        with pytest.raises(DataFileError, match="is a link to .* outside the archive"):
            extract_archive(str(evil), cache_dir=tmp_path / "cache")
        _nothing_left(tmp_path, evil)
    hard = tarfile.TarInfo("h.jsonl")
    hard.type, hard.linkname = tarfile.LNKTYPE, "../outside"
    with pytest.raises(DataFileError, match="outside the archive"):
        extract_archive(str(_tar_with(tmp_path / "hard.tar", [hard], {})), cache_dir=tmp_path / "cache")


def test_a_zip_bomb_is_refused_with_default_limits_and_nothing_is_left(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.jsonl", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(120):  # 120 MiB that deflate to ~120 KiB: ~1000x
                member.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(DataFileError, match="archive bomb") as info:
        extract_archive(str(bomb), cache_dir=tmp_path / "cache")
    assert "zeros.jsonl" in str(info.value) and str(bomb) in str(info.value)
    _nothing_left(tmp_path, bomb)


def test_member_count_and_ratio_bounds_come_from_the_environment(tmp_path, monkeypatch):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.jsonl", b'{"a": 1}\n')
    monkeypatch.setenv("CRUCIBLE_TORCH_ARCHIVE_MAX_MEMBERS", "3")
    with pytest.raises(DataFileError, match="more than 3 members"):
        extract_archive(str(archive), cache_dir=tmp_path / "cache")
    monkeypatch.delenv("CRUCIBLE_TORCH_ARCHIVE_MAX_MEMBERS")
    root = extract_archive(str(archive), cache_dir=tmp_path / "cache")
    assert sorted(os.listdir(root)) == [f"{i}.jsonl" for i in range(5)]
    assert extract_archive(str(archive), cache_dir=tmp_path / "cache") == root, "extracted once"
