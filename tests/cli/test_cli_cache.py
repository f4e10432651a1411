"""``crucible-torch cache ls|rm|verify|prune`` on real caches filled over HTTP, checked against the files on disk
and against the real ``hf cache ls``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import load_and_prepare, run_cli

from crucible_torch.cli.output import format_size
from crucible_torch.testing import SampleHub
from crucible_torch.testing.hub import hub_server

DAY = 86400


def _hub_cache() -> Path:
    return Path(os.environ["HF_HUB_CACHE"])


def _prepared_cache() -> Path:
    return Path(os.environ["CRUCIBLE_TORCH_CACHE"])


def _items(*args: str) -> list[dict]:
    done = run_cli("cache", "ls", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _fill(hub: SampleHub) -> None:
    load_and_prepare(("openai/gsm8k", "main"), ("dpdl-benchmark/caltech101", "default", None, None, "test"))


def test_ls_lists_both_caches_as_hf_cache_ls_does(hub: SampleHub) -> None:
    _fill(hub)
    items = _items()
    hub_items = {i["id"]: i for i in items if i["cache"] == "hub"}
    assert set(hub_items) == {"dataset/openai/gsm8k", "dataset/dpdl-benchmark/caltech101"}
    gsm8k = hub["openai/gsm8k"]
    downloaded = [f for split in gsm8k.data_files["main"].values() for f in split]
    assert hub_items["dataset/openai/gsm8k"]["size"] == sum((gsm8k.path / f).stat().st_size for f in downloaded)
    assert hub_items["dataset/openai/gsm8k"]["refs"] == ["main"]
    prepared = [i for i in items if i["cache"] == "prepared"]
    assert sorted((i["id"], i["config"], tuple(i["splits"])) for i in prepared) == [
        ("dataset/dpdl-benchmark/caltech101", "default", ("test",)),
        ("dataset/openai/gsm8k", "main", ("test",)),
        ("dataset/openai/gsm8k", "main", ("train",)),
    ]
    hf = subprocess.run(
        [str(Path(sys.executable).parent / "hf"), "cache", "ls", "--format", "json", "--cache-dir", str(_hub_cache())],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if hf.returncode != 0:
        pytest.skip(f"the hf CLI is not usable here: {hf.stderr[-300:]}")
    theirs = {i["id"]: i for i in json.loads(hf.stdout)}
    assert set(theirs) == set(hub_items)
    for cache_id, item in hub_items.items():
        assert format_size(item["size"]) == theirs[cache_id]["size"]
        assert item["refs"] == theirs[cache_id]["refs"]
    human = run_cli("cache", "ls").stdout
    assert human.splitlines()[0].split() == ["ID", "SIZE", "LAST_ACCESSED", "LAST_MODIFIED", "REFS"]
    assert "Found 2 repo(s) for a total of 2 revision(s)" in human
    assert run_cli("cache", "ls", "-q").stdout.split() == sorted(hub_items)
    revisions = _items("--revisions")
    commit = hub.server.commit("openai/gsm8k")
    assert any(i.get("revision") == commit for i in revisions)


def test_rm_removes_a_repo_and_its_prepared_splits(hub: SampleHub) -> None:
    _fill(hub)
    before = _items()
    dry = run_cli("cache", "rm", "openai/gsm8k", "--dry-run")
    assert dry.returncode == 0 and "Dry run" in dry.stdout and _items() == before
    unconfirmed = run_cli("cache", "rm", "openai/gsm8k")  # no TTY, no --yes: refuses
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr and _items() == before
    done = run_cli("cache", "rm", "openai/gsm8k", "nobody/nothing", "-y")
    assert done.returncode == 0, done.stderr
    assert "About to delete 1 repo(s) and 2 prepared entries" in done.stdout
    assert "dataset/nobody/nothing" in done.stderr
    assert {i["id"] for i in _items()} == {"dataset/dpdl-benchmark/caltech101"}
    assert not (_hub_cache() / "datasets--openai--gsm8k").exists()
    assert not (_prepared_cache() / "openai___gsm8k").exists()
    again = run_cli("cache", "rm", "openai/gsm8k", "-y")
    assert again.returncode == 0 and "Nothing to delete." in again.stdout


def _flip_a_byte(path: Path) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_verify_finds_corrupted_blobs_and_delete_corrupt_lets_the_load_fetch_them_again(hub: SampleHub) -> None:
    _fill(hub)
    assert run_cli("cache", "verify").returncode == 0
    snapshot = _hub_cache() / "datasets--openai--gsm8k" / "snapshots" / hub.server.commit("openai/gsm8k")
    lfs = snapshot / "main" / "train-00000-of-00001.parquet"  # > 4 KiB: an LFS blob, named by its sha256
    small = snapshot / "main" / "test-00000-of-00001.parquet"
    assert len(lfs.resolve().name) == 64
    _flip_a_byte(lfs.resolve())
    done = run_cli("cache", "verify", "openai/gsm8k")
    assert done.returncode == 1
    assert "main/train-00000-of-00001.parquet" in done.stdout and "(sha256)" in done.stdout
    assert "main/test-00000-of-00001.parquet" not in done.stdout
    small_blob = small.resolve()
    small_blob.chmod(0o644)
    small_blob.write_bytes(small_blob.read_bytes()[:-1])
    both = run_cli("cache", "verify")
    assert both.returncode == 1 and "main/test-00000-of-00001.parquet" in both.stdout
    fixed = run_cli("cache", "verify", "--delete-corrupt")
    assert fixed.returncode == 0 and "Deleted 2 corrupt file(s)" in fixed.stdout
    assert not lfs.exists() and not small.exists()
    assert run_cli("cache", "verify").returncode == 0
    hub.server.reset()
    done = run_cli("download", "openai/gsm8k", "--config", "main")
    assert done.returncode == 0 and hub.server.count("GET", "/resolve/") == 2
    assert lfs.read_bytes() == (hub["openai/gsm8k"].path / "main" / "train-00000-of-00001.parquet").read_bytes()


def test_verify_finds_a_damaged_prepared_split(hub: SampleHub) -> None:
    load_and_prepare(("openai/gsm8k", "main", None, None, "train"))
    (arrow,) = _prepared_cache().glob("openai___gsm8k/main/*/train.arrow")
    arrow.write_bytes(arrow.read_bytes()[: arrow.stat().st_size // 2])
    done = run_cli("cache", "verify")
    assert done.returncode == 1 and "prepared dataset/openai/gsm8k [main] train" in done.stdout
    assert run_cli("cache", "verify", "--delete-corrupt").returncode == 0
    assert not arrow.exists()


def test_prune_removes_unreferenced_revisions_orphans_stale_temp_files_and_old_splits(tmp_path: Path) -> None:
    repo = tmp_path / "repos" / "alice" / "notes"
    repo.mkdir(parents=True)
    (repo / "keep.txt").write_text("the same in both revisions\n")
    (repo / "train.jsonl").write_text('{"x": 1}\n')
    with hub_server(tmp_path / "repos") as server:
        load_and_prepare(("alice/notes", None, None, None, "train"))
        old_commit = server.commit("alice/notes")
        (repo / "train.jsonl").write_text('{"x": 2}\n{"x": 3}\n')
        load_and_prepare(("alice/notes", None, None, None, "train"))
        new_commit = server.commit("alice/notes")
    folder = _hub_cache() / "datasets--alice--notes"
    assert (folder / "snapshots" / old_commit).is_dir() and old_commit != new_commit
    orphan = folder / "blobs" / ("0" * 40)
    orphan.write_bytes(b"left behind")
    stale = folder / "blobs" / "abc.1234abcd.incomplete"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 2 * 3600,) * 2)
    fresh = folder / "blobs" / "def.5678abcd.incomplete"
    fresh.write_bytes(b"being written")
    prepared = sorted(_prepared_cache().glob("alice___notes/default/*"))
    assert len(prepared) == 2
    old_split = next(p for p in prepared if (p / "train.arrow").stat().st_size < max(
        (q / "train.arrow").stat().st_size for q in prepared))  # fmt: skip
    for file in old_split.iterdir():
        os.utime(file, (time.time() - 40 * DAY,) * 2)

    dry = run_cli("cache", "prune", "--dry-run")
    assert dry.returncode == 0 and orphan.exists() and stale.exists() and old_split.exists()
    assert "1 unreferenced revision(s), 1 orphan blob(s), 1 stale temp file(s) and 1 prepared entry" in dry.stdout
    done = run_cli("cache", "prune", "-y")
    assert done.returncode == 0, done.stderr
    assert not (folder / "snapshots" / old_commit).exists() and (folder / "snapshots" / new_commit).is_dir()
    assert not orphan.exists() and not stale.exists() and fresh.exists()
    assert not old_split.exists() and [p for p in prepared if p.exists()] != []
    kept = {p.name for p in (folder / "blobs").iterdir()}
    linked = {p.resolve().name for p in (folder / "snapshots" / new_commit).rglob("*") if p.is_file()}
    assert kept == linked | {fresh.name}  # the shared blob stayed, the old revision's own blob went
    huggingface_hub = pytest.importorskip("huggingface_hub")
    assert huggingface_hub.scan_cache_dir(_hub_cache()).warnings == []
    load_and_prepare(("alice/notes", None, None, None, "train"), HF_HUB_OFFLINE="1")
    assert "Nothing to prune" in run_cli("cache", "prune", "-y").stdout
