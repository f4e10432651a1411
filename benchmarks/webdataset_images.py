"""WebDataset images: JPEG shards streamed, decoded and put through the eval classification preset (224 px),
DataLoader batch 64, 2 workers, against the `webdataset` library on the same shards.

Two layouts of the same 4096 images (320-640 px JPEGs, the `images` workload's data): 4 shards (as many as
or more than the workers) and 1 shard (fewer shards than workers). Measured: images/s from the first call
(``load_dataset`` / ``wds.WebDataset``, so the shard index of crucible_torch is built inside the timing, in
an empty cache: cold) to the last batch; and how many images each worker produced (``worker_min_share``:
the smallest worker's share, 0.5 when 2 workers split evenly, 0 when one idles).

- crucible_torch: ``load_dataset("webdataset", data_files=shards, streaming=True)``, the image column cast
  to ``Image(decode=False)`` and mapped through ``classification(train=False, size=224)`` on the torchvision
  decode (reduced JPEG scale where the crop allows), default collate.
- webdataset: its documented pipeline, ``wds.WebDataset(shards, shardshuffle=False).decode("pil")
  .to_tuple("jpg", "cls")`` and the same torchvision ``transforms.v2`` eval steps as the `images` workload's
  `datasets` engine, default collate; shards are split over workers by ``split_by_worker``.

Target: crucible_torch >= 1.2x the images/s of webdataset; with 1 shard, both workers used.
"""

from __future__ import annotations

import time
from collections import Counter

from . import data
from .harness import Context, Row, Target, cache_env, measure, run_child
from .images import eval_pipeline

NAME = "webdataset_images"
FULL_IMAGES, QUICK_IMAGES = 4096, 256
BATCH, WORKERS, SIZE = 64, 2, 224
LAYOUTS = (4, 1)
TARGETS = [Target("crucible", "webdataset", ">=", 1.2)]


def run(ctx: Context) -> list[Row]:
    count = ctx.size(FULL_IMAGES, QUICK_IMAGES)
    rows: list[Row] = []
    for shards in LAYOUTS:
        paths = [str(p) for p in data.image_shards(count, shards, ctx.data_dir)]

        def engine(name: str, paths: list[str] = paths, shards: int = shards):
            def one(i: int):
                root = ctx.scratch(f"wds-{name}-{shards}-{i}")  # cold: an empty cache every run
                return run_child(__name__, name, {"shards": paths}, env=cache_env(root))

            return one

        workload = f"{NAME}@{shards}shard{'s' if shards > 1 else ''}"
        rows += measure(ctx, workload, "images/s", {n: engine(n) for n in ("crucible", "webdataset")}, TARGETS)
    for row in rows:
        shares = [run.extra["worker_min_share"] for run in row.runs]
        row.note = f"smallest worker share per run: {', '.join(f'{s:.2f}' for s in shares)} (0.50 = even)"
    return rows


def _epoch(make_loader) -> dict:
    t0 = time.perf_counter()
    images, workers = 0, Counter()
    for batch in make_loader():
        images += batch["image"].shape[0]
        workers.update(batch["worker"].tolist())
        assert tuple(batch["image"].shape[1:]) == (3, SIZE, SIZE)
    elapsed = time.perf_counter() - t0
    return {
        "value": images / elapsed,
        "seconds": elapsed,
        "images": images,
        "worker_min_share": min(workers.get(w, 0) for w in range(WORKERS)) / max(1, images),
    }


class CrucibleSample:
    """Decode with torchvision (reduced JPEG scale from the preset's size hint) and apply the preset."""

    def __init__(self) -> None:
        from crucible_torch.transforms.presets import classification

        self.preset = classification(train=False, size=SIZE)

    def __call__(self, row: dict) -> dict:
        import torch

        from crucible_torch.transforms import decode_image_value

        image = decode_image_value(row["jpg"], mode="RGB", max_size_hint=self.preset.decode_size_hint)
        return {"image": self.preset(image), "label": row["cls"], "worker": torch.utils.data.get_worker_info().id}


def crucible(shards: list[str]) -> dict:
    from torch.utils.data import DataLoader

    import crucible_torch as ct

    def loader():
        ds = ct.load_dataset("webdataset", data_files=shards, split="train", streaming=True)
        ds = ds.cast_column("jpg", ct.Image(decode=False)).map(CrucibleSample(), remove_columns=ds.column_names)
        return DataLoader(ds, batch_size=BATCH, num_workers=WORKERS)

    return _epoch(loader)


class WdsSample:
    """The webdataset engine's per-sample step: the v2 eval pipeline on the PIL image, and the worker id."""

    def __init__(self) -> None:
        self.pipeline = eval_pipeline()

    def __call__(self, sample: tuple) -> dict:
        import torch

        image, label = sample
        return {"image": self.pipeline(image), "label": label, "worker": torch.utils.data.get_worker_info().id}


def webdataset(shards: list[str]) -> dict:
    import webdataset as wds
    from torch.utils.data import DataLoader

    def loader():
        pipeline = wds.WebDataset(shards, shardshuffle=False, empty_check=False).decode("pil")
        pipeline = pipeline.to_tuple("jpg", "cls").map(WdsSample())
        return DataLoader(pipeline, batch_size=BATCH, num_workers=WORKERS)

    return _epoch(loader)
