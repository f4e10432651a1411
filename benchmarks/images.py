"""Workload (b): 4096 JPEGs (320-640 px, an ``Image`` parquet column) decoded and resized/cropped to 224,
DataLoader batch 64, 2 workers, in stored order.

Measured: images/s from creating the DataLoader iterator (worker start-up included, as in every epoch) to
the last batch, each a float32 ``64x3x224x224`` tensor normalised with the ImageNet mean/std. The eval
pipeline is the same everywhere: RGB, ``Resize(256)`` (antialiased), ``CenterCrop(224)``, to float, normalise.

- crucible_torch: ``ds.with_transform({"image": classification(train=False, size=224)})`` and
  ``collate_fn=ds.collate_fn``: torchvision decodes the bytes, at reduced JPEG scale when the preset allows.
- `datasets`: its documented path, ``set_transform`` with a torchvision ``transforms.v2`` pipeline on the
  PIL images its ``Image`` feature decodes, default collate.
- bare: a plain ``torch.utils.data.Dataset`` over the parquet's bytes column (read into memory before the
  workers fork), ``torchvision.io.decode_jpeg`` + the same ``transforms.v2`` steps, default collate.

Target: crucible_torch >= 2.0x the images/s of `datasets`.
"""

from __future__ import annotations

import time

from . import data
from .harness import Context, Row, Target, cache_env, measure, run_child
from .prepared import prepare

NAME = "images"
FULL_IMAGES, QUICK_IMAGES = 4096, 256
BATCH, WORKERS, SIZE = 64, 2, 224
TARGETS = [Target("crucible", "datasets", ">=", 2.0)]


def run(ctx: Context) -> list[Row]:
    count = ctx.size(FULL_IMAGES, QUICK_IMAGES)
    parquet = data.image_parquet(count, ctx.data_dir)
    root = prepare(ctx, parquet, engines=("crucible", "datasets"))

    def engine(name: str):
        return lambda i: run_child(__name__, name, {"parquet": str(parquet)}, env=cache_env(root))

    notes = {"crucible": f"preset: {_preset_note()}"}
    return measure(ctx, NAME, "images/s", {n: engine(n) for n in ("crucible", "datasets", "bare")}, TARGETS, notes)


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


def _epoch(loader) -> dict:
    t0 = time.perf_counter()
    images = 0
    shape = None
    for batch in loader:
        images += batch["image"].shape[0]
        shape = tuple(batch["image"].shape[1:])
    elapsed = time.perf_counter() - t0
    assert shape == (3, SIZE, SIZE), shape
    return {"value": images / elapsed, "seconds": elapsed, "images": images}


def crucible(parquet: str) -> dict:
    from torch.utils.data import DataLoader

    import crucible_torch

    try:
        from crucible_torch.transforms.presets import classification

        transform = classification(train=False, size=SIZE)
    except ImportError:
        transform = eval_pipeline()
    ds = crucible_torch.load_dataset("parquet", data_files=parquet, split="train")
    ds = ds.with_transform({"image": transform})
    return _epoch(DataLoader(ds, batch_size=BATCH, num_workers=WORKERS, collate_fn=ds.collate_fn))


class PilBatchTransform:
    """`datasets`' ``set_transform`` function: the v2 pipeline on each decoded PIL image of the batch."""

    def __init__(self):
        self.pipeline = eval_pipeline()

    def __call__(self, batch: dict) -> dict:
        return {"image": [self.pipeline(image) for image in batch["image"]], "label": batch["label"]}


def datasets(parquet: str) -> dict:
    import datasets as hf
    from torch.utils.data import DataLoader

    ds = hf.load_dataset("parquet", data_files=parquet, split="train")
    ds.set_transform(PilBatchTransform())
    return _epoch(DataLoader(ds, batch_size=BATCH, num_workers=WORKERS))


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


def bare(parquet: str) -> dict:
    from torch.utils.data import DataLoader

    return _epoch(DataLoader(JpegBytes(parquet), batch_size=BATCH, num_workers=WORKERS))
