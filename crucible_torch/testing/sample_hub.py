"""Sample Hub repos on disk, and a local Hub serving them: small, deterministic, cookbook-shaped datasets.

``build_sample_hub(root)`` writes every repo of :mod:`~crucible_torch.testing.sample_specs` under
``root/<owner>/<name>/`` (parquet with the ``huggingface`` features metadata, JSONL, gzipped JSONL, README YAML
``configs:``/``dataset_info``, ``.gitattributes``) and returns :class:`SampleRepo` descriptors: the configs,
splits, row counts and features a correct loader must find. A repo whose data lives on another branch (the
parquet export) gets it in ``root/<owner>/<name>@refs%2Fconvert%2Fparquet/``, the server's sibling layout.

    with sample_hub_server(tmp_path / "hub") as hub:
        ds = load_dataset("openai/gsm8k", "main", split="train")
        assert len(ds) == hub["openai/gsm8k"].configs["main"]["train"]
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import os
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..features import Features
from ..hub.atomic import write_atomically
from ..hub.config import env
from ..hub.server import HubServer
from .hub import hub_server
from .sample_specs import ConfigSpec, RepoSpec, sample_specs

T = TypeVar("T")

__all__ = ["SAMPLE_TOKEN", "SampleHub", "SampleRepo", "build_sample_hub", "register", "sample_hub_server"]

SAMPLE_TOKEN = "hf_crucible_sample_access"
"""The token that :func:`register` grants access to the gated sample repos."""

GITATTRIBUTES = b"".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n".encode()
    for pattern in ("*.arrow", "*.bin", "*.gz", "*.jpg", "*.parquet", "*.png", "*.wav", "*.zip", "*.zst")
)


@dataclass(frozen=True)
class SampleRepo:
    """What a sample repo holds, as a correct loader must see it.

    ``configs``: config -> split -> rows (in the README/listing order); ``features``: config -> features;
    ``data_files``: config -> split -> repo paths on ``data_revision``; ``path``: the ``main`` directory;
    ``token``: grants access when ``gated``; ``extra_revisions``: revision name -> directory to serve.
    """

    repo_id: str
    configs: dict[str, dict[str, int]]
    features: dict[str, Features]
    data_files: dict[str, dict[str, list[str]]]
    path: Path
    gated: bool = False
    token: str | None = None
    data_revision: str = "main"
    extra_revisions: dict[str, Path] = field(default_factory=dict)

    @property
    def columns(self) -> dict[str, list[str]]:
        """Config -> column names."""
        return {config: list(features) for config, features in self.features.items()}

    @property
    def default_config(self) -> str | None:
        """The config loaded without ``name``: the only one, else None (a name is required)."""
        return next(iter(self.configs)) if len(self.configs) == 1 else None

    def num_rows(self, config: str, split: str) -> int:
        return self.configs[config][split]


@dataclass
class SampleHub:
    """A running sample Hub: the server and the descriptors of what it serves, by repo id."""

    server: HubServer
    repos: dict[str, SampleRepo]

    def __getitem__(self, repo_id: str) -> SampleRepo:
        return self.repos[repo_id]

    @property
    def url(self) -> str:
        return self.server.url


def _prune(directory: Path, keep: Iterable[Path]) -> None:
    """Remove files a previous build left in ``directory`` that this build did not write."""
    kept = set(keep)
    for dirpath, _, filenames in os.walk(directory):
        for filename in filenames:
            if Path(dirpath, filename) not in kept:
                os.remove(Path(dirpath, filename))


def _layout(config: ConfigSpec, split: str, rows: int) -> list[tuple[str, range]]:
    """The files of one split and the row range each holds (rows spread evenly, earlier files first)."""
    count = len(config.parts) or config.shards
    rows = max(rows, count)
    bounds = [rows * k // count for k in range(count + 1)]
    split_dir = f"partial-{split}" if split in config.partial else split
    return [
        (
            config.path.format(
                config=config.name,
                split=split,
                split_dir=split_dir,
                shard=k,
                num_shards=count,
                part=config.parts[k] if config.parts else "",
            ),
            range(bounds[k], bounds[k + 1]),
        )
        for k in range(count)
    ]


def _pattern(config: ConfigSpec, split: str) -> str:
    """The README ``data_files`` pattern of a split: its path up to the shard number, then ``*``."""
    head, sharded, _ = config.path.partition("{shard")
    return head.format(config=config.name, split=split, split_dir=split, part="*") + ("*" if sharded else "")


def _isoformat(value: Any) -> str:
    """Dates and times in JSON as ISO 8601 text, which JSON readers infer back as timestamps."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"sample rows hold a {type(value).__name__}, which JSON cannot store")


def _encode(path: str, rows: list[dict[str, Any]], config: ConfigSpec) -> tuple[bytes, int]:
    """File bytes for ``rows`` by extension, and the Arrow size of the rows (``dataset_info`` ``num_bytes``)."""
    table = pa.Table.from_pylist(rows, schema=config.features.arrow_schema)
    if path.endswith(".parquet"):
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, row_group_size=max(1, -(-len(rows) // config.row_groups)))
        return sink.getvalue().to_pybytes(), table.nbytes
    if path.endswith(".csv"):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(config.features), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode(), table.nbytes
    if path.endswith(".json") and config.json_document:
        return json.dumps(rows, ensure_ascii=False, indent=1, default=_isoformat).encode(), table.nbytes
    lines = "".join(json.dumps(row, ensure_ascii=False, default=_isoformat) + "\n" for row in rows).encode()
    if path.endswith(".jsonl.gz"):
        return gzip.compress(lines, mtime=0), table.nbytes
    if path.endswith((".jsonl", ".json")):
        return lines, table.nbytes
    raise ValueError(f"sample spec file {path!r}: no writer for this extension (parquet, csv, json, jsonl, jsonl.gz)")


def _readme(spec: RepoSpec, infos: list[dict[str, Any]]) -> bytes:
    """The dataset card: the spec's fields, then ``dataset_info`` and ``configs`` as ``push_to_hub`` writes them."""
    card = dict(spec.card)
    if spec.dataset_info:
        single = len(infos) == 1 and infos[0]["config_name"] == "default"
        card["dataset_info"] = {k: v for k, v in infos[0].items() if k != "config_name"} if single else infos
    if spec.yaml_configs:
        card["configs"] = [
            {"config_name": c.name, "data_files": [{"split": s, "path": _pattern(c, s)} for s in c.splits]}
            for c in spec.configs
        ]
    front = yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=1000)
    title = spec.card.get("pretty_name", spec.repo_id)
    body = (
        f"# {title}\n\nSample rows in the layout of the Hub dataset `{spec.repo_id}`, generated by "
        "`crucible_torch.testing.build_sample_hub`. The content is synthetic, not the real data.\n"
    )
    return f"---\n{front}---\n\n{body}".encode()


def _build_repo(root: Path, spec: RepoSpec, scale: float, seed: int) -> SampleRepo:
    """Write one repo (data, README, .gitattributes, extra files), prune leftovers, and describe it."""
    owner, name = spec.repo_id.split("/")
    main = root / owner / name
    data_dir = main if spec.revision == "main" else root / owner / f"{name}@{quote(spec.revision, safe='')}"
    files: dict[Path, bytes] = {}
    configs: dict[str, dict[str, int]] = {}
    data_files: dict[str, dict[str, list[str]]] = {}
    infos = []
    for config in spec.configs:
        configs[config.name], data_files[config.name] = {}, {}
        split_infos, download_size = [], 0
        for split, base_rows in config.splits.items():
            layout = _layout(config, split, round(base_rows * scale))
            rng = random.Random(f"{seed}/{spec.repo_id}/{config.name}/{split}")
            rows = [config.row(rng, i) for i in range(layout[-1][1].stop)]
            num_bytes = 0
            for rel, span in layout:
                data, nbytes = _encode(rel, rows[span.start : span.stop], config)
                files[data_dir / rel] = data
                num_bytes += nbytes
                download_size += len(data)
            configs[config.name][split] = len(rows)
            data_files[config.name][split] = [rel for rel, _ in layout]
            split_infos.append({"name": split, "num_bytes": num_bytes, "num_examples": len(rows)})
        infos.append(
            {
                "config_name": config.name,
                "features": config.features.to_yaml_list(),
                "splits": split_infos,
                "download_size": download_size,
                "dataset_size": sum(s["num_bytes"] for s in split_infos),
            }
        )
    files[main / "README.md"] = _readme(spec, infos)
    files[main / ".gitattributes"] = files[data_dir / ".gitattributes"] = GITATTRIBUTES
    if spec.extra_files is not None:
        for rel, data in spec.extra_files(random.Random(f"{seed}/{spec.repo_id}/extra")).items():
            files[main / rel] = data
    for path, data in files.items():
        write_atomically(path, data)
    for directory in {main, data_dir}:
        _prune(directory, files)
    return SampleRepo(
        repo_id=spec.repo_id,
        configs=configs,
        features={c.name: c.features for c in spec.configs},
        data_files=data_files,
        path=main,
        gated=spec.gated,
        token=SAMPLE_TOKEN if spec.gated else None,
        data_revision=spec.revision,
        extra_revisions={} if data_dir == main else {spec.revision: data_dir},
    )


def build_sample_hub(
    root: str | os.PathLike[str], *, scale: float = 1.0, seed: int = 0, only: Iterable[str] | None = None
) -> list[SampleRepo]:
    """Write the sample repos under ``root/<owner>/<name>/`` and describe them.

    ``scale`` multiplies every split's row count (``scale=100`` for benchmarks); ``seed`` decides all content
    (same seed, same bytes); ``only`` limits the build to these repo ids. Rebuilding into the same ``root``
    replaces the repos' files and removes files a previous build left there.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    specs = sample_specs()
    wanted = None if only is None else set(only)
    unknown = (wanted or set()) - {spec.repo_id for spec in specs}
    if unknown:
        raise ValueError(f"no sample repo {sorted(unknown)}; known: {[spec.repo_id for spec in specs]}")
    root = Path(root)
    return [_build_repo(root, spec, scale, seed) for spec in specs if wanted is None or spec.repo_id in wanted]


def register(server: HubServer, repos: Iterable[SampleRepo]) -> None:
    """Serve the repos' extra revisions and gate the gated ones (only their ``token`` has access)."""
    for repo in repos:
        for revision, directory in repo.extra_revisions.items():
            server.add_revision(repo.repo_id, revision, directory)
        if repo.gated:
            server.set_access(repo.repo_id, gated="manual", tokens={repo.token or SAMPLE_TOKEN})


@contextmanager
def sample_hub_server(
    root: str | os.PathLike[str],
    *,
    scale: float = 1.0,
    seed: int = 0,
    repos: Iterable[SampleRepo] | None = None,
    **options: Any,
) -> Iterator[SampleHub]:
    """Build the sample repos into ``root`` (unless ``repos`` already built there are given), serve them with
    :func:`~crucible_torch.testing.hub.hub_server` (``HF_ENDPOINT`` set for the block; ``options`` such as
    ``fresh_cache=True``, ``token=...`` or ``lfs_threshold=...`` go to it) and :func:`register` them."""
    built = list(repos) if repos is not None else build_sample_hub(root, scale=scale, seed=seed)
    with hub_server(root, **options) as server:
        register(server, built)
        yield SampleHub(server, {repo.repo_id: repo for repo in built})


def run_on_sample_hub(main: Callable[[], T]) -> T:
    """Run ``main()`` against ``HF_ENDPOINT`` when it is set, else against a temporary sample Hub.

    The temporary Hub gets a fresh Hub cache and prepared-data cache, both removed afterwards; the examples use
    this so they run anywhere, with or without network access to a real Hub.
    """
    if env("HF_ENDPOINT"):
        return main()
    saved = os.environ.get("CRUCIBLE_TORCH_CACHE")
    with tempfile.TemporaryDirectory(prefix="crucible-sample-hub-") as tmp:
        os.environ["CRUCIBLE_TORCH_CACHE"] = os.path.join(tmp, "prepared")
        try:
            with sample_hub_server(os.path.join(tmp, "repos"), fresh_cache=True):
                return main()
        finally:
            if saved is None:
                os.environ.pop("CRUCIBLE_TORCH_CACHE", None)
            else:
                os.environ["CRUCIBLE_TORCH_CACHE"] = saved
