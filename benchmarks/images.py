"""Workload (b): 4096 JPEGs (320-640 px, an ``Image`` parquet column) decoded and resized/cropped to 224,
DataLoader batch 64, 2 workers, in stored order, from a cold cache.

Measured: images/s from calling ``load_dataset`` (empty caches: the split is prepared in the same run; the
bare loop reads the parquet into memory instead) to the last batch, each a float32 ``64x3x224x224`` tensor
normalised with the ImageNet mean/std, worker start-up included. The eval pipeline is the same everywhere:
RGB, ``Resize(256)`` (antialiased), ``CenterCrop(224)``, to float, normalise.

- crucible_torch: ``ds.with_transform({"image": classification(train=False, size=224)})``,
  ``collate_fn=ds.collate_fn``, batches taken through ``device_batches(loader)`` (the consumer-side step:
  workers ship uint8 through shared memory, the batch is normalised once, here on the CPU).
- `datasets`: its documented path, ``set_transform`` with a torchvision ``transforms.v2`` pipeline on the
  PIL images its ``Image`` feature decodes, default collate.
- bare: a plain ``torch.utils.data.Dataset`` over the parquet's bytes column (read into memory before the
  workers fork), ``torchvision.io.decode_jpeg`` + the same ``transforms.v2`` steps, default collate.

The limit, measured in the same run by one child on one thread (``torch.set_num_threads(1)``) over the first
1024 images: TorchCodec's ``decode_jpeg`` alone, and decode + ``Resize(256)`` + ``CenterCrop(224)`` to uint8.
``images vs limit`` is crucible_torch's images/s over (cores x the one-thread decode+resize+crop rate).
Targets: crucible_torch >= 2.0x the images/s of `datasets`, and >= 0.5 of the limit.
"""

from __future__ import annotations

import os
import statistics
import time

from . import data
from .harness import Context, Row, Target, cache_env, cold_engines, derived, measure, run_child

NAME = "images"
FULL_IMAGES, QUICK_IMAGES = 4096, 256
LIMIT_IMAGES = 1024
BATCH, WORKERS, SIZE = 64, 2, 224
TARGETS = [Target("crucible", "datasets", ">=", 2.0)]


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(ctx: Context) -> list[Row]:
    count = ctx.size(FULL_IMAGES, QUICK_IMAGES)
    parquet = str(data.image_parquet(count, ctx.data_dir))
    with open(parquet, "rb") as f:
        f.read()  # warm in the page cache for every engine alike
    engines = cold_engines(ctx, __name__, ("crucible", "datasets", "bare"), lambda name, i: {"parquet": parquet})
    notes = {"crucible": f"preset: {_preset_note()}"}
    rows = measure(ctx, NAME, "images/s", engines, TARGETS, notes)
    limit_root = ctx.scratch("images-limit")
    payload = {"parquet": parquet, "count": min(count, LIMIT_IMAGES)}
    limit = {"torchcodec": lambda i: run_child(__name__, "one_thread", payload, env=cache_env(limit_root))}
    (full,) = measure(ctx, "1-thread decode+resize+crop", "images/s", limit)
    full.note = f"x {cores()} cores = the limit"
    decode = derived([full], "1-thread decode", "images/s", lambda r: r.extra["decode_per_s"])
    bound = cores() * full.median
    crucible = [r for r in rows if r.engine == "crucible"]
    versus = derived(
        crucible, "images vs limit", "share of limit", lambda r: r.value / bound, [Target("crucible", "", ">=", 0.5)]
    )
    for row in versus:
        row.note = f"limit {bound:,.0f} images/s = {cores()} cores x {full.median:,.0f}"
    return rows + decode + [full] + versus


def _preset_note() -> str:
    try:
        from crucible_torch.transforms.presets import classification  # noqa: F401
    except ImportError:
        return "missing, torchvision v2 Resize(256)+CenterCrop(224) dict transform used"
    return "classification(train=False, size=224)"


def eval_pipeline():
    """The torchvision ``transforms.v2`` steps of the eval preset (for the `datasets` and bare engines)."""
    import torch
    from torchvision.transforms import v2

    return v2.Compose(
        [
            v2.ToImage(),
            v2.RGB(),
            v2.Resize(int(SIZE / 0.875), antialias=True),
            v2.CenterCrop(SIZE),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
            v2.ToPureTensor(),
        ]
    )


def _epoch(t0: float, loader) -> dict:
    images = 0
    shape = None
    for batch in loader:
        images += batch["image"].shape[0]
        shape = tuple(batch["image"].shape[1:])
    elapsed = time.perf_counter() - t0
    assert shape == (3, SIZE, SIZE) and batch["image"].dtype.is_floating_point, (shape, batch["image"].dtype)
    return {"value": images / elapsed, "seconds": elapsed, "images": images, "dtype": str(batch["image"].dtype)}


def crucible(parquet: str, scratch: str) -> dict:
    from torch.utils.data import DataLoader

    import crucible_torch
    from crucible_torch import device_batches
    from crucible_torch.transforms.presets import classification

    t0 = time.perf_counter()
    ds = crucible_torch.load_dataset("parquet", data_files=parquet, split="train")
    ds = ds.with_transform({"image": classification(train=False, size=SIZE)})
    loader = DataLoader(ds, batch_size=BATCH, num_workers=WORKERS, collate_fn=ds.collate_fn)
    return _epoch(t0, device_batches(loader))


class PilBatchTransform:
    """`datasets`' ``set_transform`` function: the v2 pipeline on each decoded PIL image of the batch."""

    def __init__(self):
        self.pipeline = eval_pipeline()

    def __call__(self, batch: dict) -> dict:
        return {"image": [self.pipeline(image) for image in batch["image"]], "label": batch["label"]}


def datasets(parquet: str, scratch: str) -> dict:
    import datasets as hf
    from torch.utils.data import DataLoader

    t0 = time.perf_counter()
    ds = hf.load_dataset("parquet", data_files=parquet, split="train")
    ds.set_transform(PilBatchTransform())
    return _epoch(t0, DataLoader(ds, batch_size=BATCH, num_workers=WORKERS))


class JpegBytes:
    """The bare baseline: JPEG bytes in memory, ``decode_jpeg`` + the v2 pipeline per item."""

    def __init__(self, parquet: str):
        import pyarrow.parquet as pq

        table = pq.read_table(parquet, columns=["image", "label"])
        self.blobs = table.column("image").combine_chunks().field("bytes")
        self.labels = table.column("label").to_pylist()
        self.pipeline = eval_pipeline()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        import torch
        from torchvision.io import ImageReadMode, decode_jpeg

        raw = torch.frombuffer(bytearray(self.blobs[i].as_buffer()), dtype=torch.uint8)
        return {"image": self.pipeline(decode_jpeg(raw, mode=ImageReadMode.RGB)), "label": self.labels[i]}


def bare(parquet: str, scratch: str) -> dict:
    from torch.utils.data import DataLoader

    t0 = time.perf_counter()
    return _epoch(t0, DataLoader(JpegBytes(parquet), batch_size=BATCH, num_workers=WORKERS))


def one_thread(parquet: str, count: int) -> dict:
    """Decode, and decode + resize + centre crop to uint8, of the first ``count`` images on one thread."""
    import pyarrow.parquet as pq
    import torch
    from torchcodec.decoders import decode_jpeg
    from torchvision.transforms import v2

    torch.set_num_threads(1)
    column = pq.read_table(parquet, columns=["image"]).column("image").combine_chunks().field("bytes")
    blobs = [torch.frombuffer(bytearray(column[i].as_buffer()), dtype=torch.uint8) for i in range(count)]
    steps = v2.Compose([v2.Resize(int(SIZE / 0.875), antialias=True), v2.CenterCrop(SIZE)])
    rates = {}
    for name, fn in (("decode", decode_jpeg), ("full", lambda b: steps(decode_jpeg(b)))):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            for blob in blobs:
                fn(blob)
            times.append(time.perf_counter() - t0)
        rates[name] = count / statistics.median(times)
    return {"value": rates["full"], "decode_per_s": rates["decode"], "images": count}
