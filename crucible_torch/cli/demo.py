"""``make demo``: the main job end to end on the embedded default.

It starts the project's Hub-protocol server on the cookbook-shaped sample repos (``crucible_torch.testing``),
points the client at it, loads every repo with ``load_dataset`` over real HTTP (downloads and preparation
show progress bars on a terminal), then pulls shuffled batches through a DataLoader with workers: chat SFT
rows, math rows, and images decoded by torchvision. ``--endpoint URL`` runs the same loads against any Hub.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable
from typing import Any

import torch

from ..load import get_dataset_config_names, load_dataset

DEMO_SCALE = 20  # sample repos at 20x their test size, so the throughput lines measure more than worker start-up

# What the cookbook loads (repo, config, split), for runs against a real Hub with --endpoint.
COOKBOOK_LOADS = [
    ("openai/gsm8k", "main", "train"),
    ("HuggingFaceH4/MATH-500", None, "test"),
    ("HuggingFaceH4/no_robots", None, "train"),
    ("dpdl-benchmark/caltech101", None, "train"),
]


def _describe(name: str, ds: Any) -> None:
    columns = ", ".join(f"{c}: {type(f).__name__}" for c, f in ds.features.items())
    print(f"    {name}: {ds.num_rows} rows  [{columns}]")


def _throughput(title: str, ds: Any, num_workers: int, batch_size: int) -> None:
    loader = torch.utils.data.DataLoader(
        ds, batch_size=batch_size, shuffle=True, num_workers=num_workers, collate_fn=ds.collate_fn
    )
    start = time.perf_counter()
    rows = 0
    first = None
    for batch in loader:
        first = first or batch
        rows += len(next(iter(batch.values())))
    elapsed = time.perf_counter() - start
    shapes = {k: tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__ for k, v in first.items()}
    print(
        f"  {title}: {rows} rows in {elapsed:.2f}s ({rows / elapsed:,.0f} rows/s, {num_workers} workers); "
        f"batch {shapes}"
    )


def _load_all(repos: Iterable[Any]) -> dict[str, Any]:
    loaded = {}
    for repo in repos:
        configs = get_dataset_config_names(repo.repo_id, token=repo.token)
        print(f"  {repo.repo_id}: configs {configs}{' (gated, token given)' if repo.gated else ''}")
        for config in configs:
            name = config if len(configs) > 1 else None
            splits = load_dataset(repo.repo_id, name, token=repo.token)
            for split, ds in splits.items():
                _describe(f"{config}/{split}", ds)
            loaded[(repo.repo_id, config)] = splits
    return loaded


def _sample_hub_demo(num_workers: int, batch_size: int) -> int:
    from ..testing import sample_hub_server
    from ..transforms.presets import classification

    with tempfile.TemporaryDirectory(prefix="crucible-demo-") as tmp:
        os.environ["CRUCIBLE_TORCH_CACHE"] = os.path.join(tmp, "prepared")
        with sample_hub_server(os.path.join(tmp, "repos"), scale=DEMO_SCALE, fresh_cache=True) as hub:
            print(f"Local Hub mirror at {hub.url} serving {len(hub.repos)} cookbook-shaped repos\n")
            start = time.perf_counter()
            loaded = _load_all(hub.repos.values())
            print(
                f"\nLoaded {len(loaded)} configs in {time.perf_counter() - start:.1f}s with "
                f"{hub.server.count()} HTTP requests ({hub.server.count('HEAD')} HEAD)\n"
            )
            chat = loaded[("allenai/tulu-3-sft-mixture", "default")]["train"].shuffle(seed=0)
            math = loaded[("openai/gsm8k", "main")]["train"].shuffle(seed=0)
            images = loaded[("dpdl-benchmark/caltech101", "default")]["train"]
            images = images.with_transform({"image": classification(train=True, size=64, seed=0)})
            _throughput("chat SFT (tulu messages)", chat, num_workers, batch_size)
            _throughput("math RL (gsm8k)", math, num_workers, batch_size)
            _throughput("VLM images (caltech101, decode+crop 64)", images, num_workers, batch_size)
            before = hub.server.count()
            again = load_dataset("openai/gsm8k", "main", split="train")
            print(
                f"\nReloading gsm8k/main: {again.num_rows} rows, {hub.server.count() - before} HTTP requests "
                "(the repo-info call; listing, files and prepared Arrow come from the cache)"
            )
    return 0


def _endpoint_demo(endpoint: str, num_workers: int, batch_size: int) -> int:
    os.environ["HF_ENDPOINT"] = endpoint.rstrip("/")
    for repo_id, config, split in COOKBOOK_LOADS:
        ds = load_dataset(repo_id, config, split=split)
        print(f"  {repo_id} [{config or 'default'}]")
        _describe(split, ds)
        text_only = ds.select_columns([c for c, f in ds.features.items() if type(f).__name__ != "Image"])
        _throughput(repo_id, text_only.shuffle(seed=0), num_workers, batch_size)
    return 0


def run_demo(endpoint: str | None = None, num_workers: int = 2, batch_size: int = 32) -> int:
    """Run the demo against the embedded sample mirror, or against ``endpoint``."""
    if endpoint:
        return _endpoint_demo(endpoint, num_workers, batch_size)
    return _sample_hub_demo(num_workers, batch_size)
