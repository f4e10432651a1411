"""imagefolder (class directories, metadata) and WebDataset repos on the project's Hub server: `datasets` 5.2
(in a subprocess, against the same server) and crucible_torch, map-style and streaming, give the same
features and rows; media are compared by content since each library stores its own cache paths. Streaming
reads Hub media without downloading the repo: images are fetched by the DataLoader workers, and a remote
shard is indexed by one streaming pass and read in byte ranges."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
from media_trees import write_image, write_jsonl, write_shards

import crucible_torch as ct
from crucible_torch.testing import hub_server

pytest.importorskip("datasets")

REPOS = {"team/pets": {}, "team/captions": {}, "team/shards": {}}

_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    import datasets
    out = {}
    for repo in json.loads(sys.argv[1]):
        loaded = datasets.load_dataset(repo)
        summary = {}
        for split, ds in loaded.items():
            for name, feature in ds.features.items():
                if isinstance(feature, datasets.Image):
                    ds = ds.cast_column(name, datasets.Image(decode=False))
            rows = []
            for row in ds:
                row = dict(row)
                row.pop("__url__", None)
                for name, value in row.items():
                    if isinstance(value, dict) and "bytes" in value:
                        data = value["bytes"] if value["bytes"] is not None else open(value["path"], "rb").read()
                        row[name] = hashlib.sha256(data).hexdigest()
                rows.append(row)
            summary[split] = [ds.features.to_dict(), rows]
        out[repo] = summary
    print(json.dumps(out))
    """
)


def _build(root: Path) -> None:
    pets = root / "team" / "pets"
    for split in ("train", "test"):
        for label in ("cat", "dog", "ant"):
            for i in range(3):
                write_image(pets / split / label / f"{label}{i}.png")
    captions = root / "team" / "captions"
    rows = []
    for i in range(5):
        write_image(captions / "data" / "images" / f"{i}.png")
        rows.append({"file_name": f"images/{i}.png", "caption": f"a picture {i}"})
    write_jsonl(captions / "data" / "metadata.jsonl", rows)
    write_shards(root / "team" / "shards" / "data", shards=2, per_shard=6, prefix="train")
    for repo in REPOS:
        (root / repo / "README.md").write_text("---\nlicense: mit\n---\n")


def _digest(value: Any) -> Any:
    if isinstance(value, dict) and "bytes" in value:
        data = value["bytes"] if value["bytes"] is not None else Path(value["path"]).read_bytes()
        return hashlib.sha256(data).hexdigest()
    return value


def _ours(loaded: Any) -> dict:
    out = {}
    for split, ds in loaded.items():
        for name, feature in list(ds.features.items()):
            if isinstance(feature, ct.Image):
                ds = ds.cast_column(name, ct.Image(decode=False))
        rows = [{k: _digest(v) for k, v in row.items() if k != "__url__"} for row in ds]
        out[split] = [ds.features.to_dict(), rows]
    return out


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "repos"
    _build(root)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "prepared"))
    with hub_server(root, lfs_threshold=1 << 30) as server:
        yield server, tmp_path


def test_datasets_and_crucible_agree_on_media_repos_map_style_and_streaming(served):
    server, tmp_path = served
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(
        HF_ENDPOINT=server.url,
        HF_HUB_DISABLE_XET="1",
        HF_HOME=str(tmp_path / "datasets-home"),
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(list(REPOS))], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    for repo in REPOS:
        streamed = _ours(ct.load_dataset(repo, streaming=True))  # before the map-style load downloads anything
        assert streamed == theirs[repo], f"{repo} streaming"
        assert _ours(ct.load_dataset(repo)) == theirs[repo], f"{repo} map-style"
    assert theirs["team/pets"]["train"][0]["label"]["names"] == ["ant", "cat", "dog"]


def test_streaming_a_hub_imagefolder_fetches_images_in_the_workers(served):
    server, _ = served
    ds = ct.load_dataset("team/pets", split="train", streaming=True)
    planned = server.count("GET", "/resolve/")
    assert planned == 0, "planning an imagefolder reads file names only"
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=2, collate_fn=ds.collate_fn)
    labels = torch.cat([batch["label"] for batch in loader]).tolist()
    assert sorted(labels) == sorted([0, 1, 2] * 3)
    fetched = server.count("GET", "/resolve/")
    assert 9 <= fetched <= 9 + 8, "each image fetched by the worker that reads it (+ a unit's head per slot)"


def test_a_remote_shard_is_indexed_in_one_pass_and_read_in_byte_ranges(served):
    server, _ = served
    ds = ct.load_dataset("team/shards", split="train", streaming=True, unit_bytes=4096)
    assert ds.num_shards > 2, "byte-range units, not one unit per shard"
    requests_to_plan = server.count("GET", "/resolve/")
    assert requests_to_plan == 2 + 1, "one streaming pass per shard (and the first read again to infer features)"
    keys = [row["__key__"] for row in ds]
    assert keys == [f"s{s:02d}/{i:04d}" for s in range(2) for i in range(6)]
