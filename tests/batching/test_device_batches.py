"""Images normalised once per batch: workers ship uint8 (through shared memory), the consumer finishes the batch.

The reference is computed apart from the code under test: each image decoded by PIL, cropped by torchvision's
own ``Resize``/``CenterCrop`` and normalised by ``ToDtype(scale=True)`` + ``Normalize``, then stacked. Every path
(per-image in python format, finished in the worker, finished by ``device_batches`` on the CPU, on CUDA where it
exists) must equal it within float rounding.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision.transforms import v2

import crucible_torch as ct
from crucible_torch.batching import Unfinished, device_batches
from crucible_torch.transforms import classification

SIZE, BATCH, IMAGES = 48, 6, 20
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _png(rng: np.random.Generator) -> bytes:
    h, w = (int(v) for v in rng.integers(60, 140, size=2))
    pixels = rng.integers(0, 256, size=(h // 4 + 1, w // 4 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).resize((w, h), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, format="PNG")  # lossless, so PIL's and the library's decoders agree exactly
    return out.getvalue()


@pytest.fixture(scope="module")
def images() -> tuple[ct.Dataset, torch.Tensor]:
    rng = np.random.default_rng(7)
    blobs = [_png(rng) for _ in range(IMAGES)]
    ds = ct.Dataset.from_dict(
        {"image": [{"bytes": b, "path": None} for b in blobs], "label": list(range(IMAGES))},
        features=ct.Features({"image": ct.Image(), "label": ct.Value("int64")}),
    )
    steps = v2.Compose(
        [
            v2.Resize(int(SIZE / 0.875), antialias=True),
            v2.CenterCrop(SIZE),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(MEAN, STD),
        ]
    )
    pil = [torch.from_numpy(np.array(Image.open(io.BytesIO(b)).convert("RGB"))).permute(2, 0, 1) for b in blobs]
    reference = torch.stack([steps(image.contiguous()) for image in pil])
    return ds.with_transform({"image": classification(train=False, size=SIZE)}), reference


def _loader(ds: ct.Dataset, workers: int) -> DataLoader:
    return DataLoader(ds, batch_size=BATCH, num_workers=workers, collate_fn=ds.collate_fn)


def _close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    assert actual.dtype == torch.float32 and actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


def test_per_image_values_equal_the_torchvision_reference(images) -> None:
    ds, reference = images
    _close(torch.stack([ds[i]["image"] for i in range(IMAGES)]), reference)


@pytest.mark.parametrize("workers", [0, 2])
def test_plain_loader_batches_are_normalised_once_in_the_collate(images, workers: int) -> None:
    ds, reference = images
    batches = list(_loader(ds, workers))
    _close(torch.cat([b["image"] for b in batches]), reference)
    assert torch.cat([b["label"] for b in batches]).tolist() == list(range(IMAGES))


def test_workers_ship_uint8_in_shared_memory_when_the_consumer_finishes(images) -> None:
    ds, reference = images
    loader = DataLoader(ds, batch_size=BATCH, num_workers=2, collate_fn=ds.collate_fn.deferring())
    shipped = list(loader)
    assert all(isinstance(b["image"], Unfinished) and b["image"].data.dtype == torch.uint8 for b in shipped)
    assert all(b["image"].data.is_shared() for b in shipped)
    _close(torch.cat([b["image"].finish() for b in shipped]), reference)


@pytest.mark.parametrize("workers", [0, 2])
def test_device_batches_on_the_cpu_equal_the_reference_and_leave_the_loader_as_it_was(images, workers) -> None:
    ds, reference = images
    loader = _loader(ds, workers)
    kept = list(device_batches(loader))  # every batch kept alive: no buffer may be reused under it
    _close(torch.cat([b["image"] for b in kept]), reference)
    assert len({b["image"].data_ptr() for b in kept}) == len(kept)
    assert torch.cat([b["label"] for b in kept]).tolist() == list(range(IMAGES))
    assert loader.collate_fn is not None and not loader.collate_fn.defer_finish
    _close(next(iter(loader))["image"], reference[:BATCH])


def test_device_batches_recycle_a_buffer_once_the_batch_is_dropped(images) -> None:
    ds, reference = images
    pointers, values = [], []
    for batch in device_batches(_loader(ds, 0)):
        pointers.append(batch["image"].data_ptr())
        values.append(batch["image"].clone())
        del batch
    _close(torch.cat(values), reference)
    assert len(set(pointers)) < len(pointers), "the float batches were allocated afresh every time"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_device_batches_normalise_on_the_gpu(images) -> None:
    ds, reference = images
    batches = list(device_batches(_loader(ds, 2), "cuda"))
    assert all(b["image"].device.type == "cuda" and b["label"].device.type == "cuda" for b in batches)
    _close(torch.cat([b["image"].cpu() for b in batches]), reference)
