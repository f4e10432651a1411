"""Independent readers for the sample repos' files (pyarrow, json, gzip, yaml), used as the expected side."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from crucible_torch.testing import SampleRepo


def data_dir(repo: SampleRepo) -> Path:
    """The directory holding the repo's data files (main, or its parquet-export branch)."""
    return repo.extra_revisions.get(repo.data_revision, repo.path)


def read_file(path: Path) -> list[dict[str, Any]]:
    if path.name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    if path.name.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        content = f.read()
    if content.startswith("["):  # one JSON document
        return json.loads(content)
    return [json.loads(line) for line in content.splitlines() if line.strip()]


def read_rows(repo: SampleRepo, config: str, split: str) -> list[dict[str, Any]]:
    """The rows of one split, straight from its files in order."""
    return [row for rel in repo.data_files[config][split] for row in read_file(data_dir(repo) / rel)]


def card(repo: SampleRepo) -> dict[str, Any]:
    """The README's YAML front matter."""
    text = (repo.path / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{repo.repo_id}: README has no YAML front matter"
    return yaml.safe_load(text.split("---\n", 2)[1]) or {}


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}``, braces balanced (nested braces kept)."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 0, start + len("\\boxed")
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1 : j]
    return None
