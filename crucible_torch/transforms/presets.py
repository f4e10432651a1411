"""Transform presets: ImageNet classification (torchvision ``transforms.v2``) and the cookbook's VLM step.

A preset is a picklable callable on one image (uint8 CHW tensor or PIL image) that also answers
``decode_size_hint(src_h, src_w)``: the smallest decoded size that gives the same output, which lets
:func:`~crucible_torch.transforms.decode.decode_image` decode big JPEGs at reduced scale. A preset whose last
step is per-pixel and linear (normalisation) splits itself in two: ``per_image`` (uint8 out) and
``batch_finish`` (run once on the stacked batch), with ``preset(x) == preset.batch_finish(preset.per_image(x))``
up to float rounding, so DataLoader workers ship uint8 and the batch is normalised where it is consumed.

Seeded randomness is a stream per process, seeded from ``(seed, rank, DataLoader worker id)``: each worker
gets its own augmentations instead of a copy of its siblings', and a run is reproducible given the same seed
and the same assignment of samples to workers (which ``DataLoader`` makes deterministic).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from typing import Literal

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

from crucible_torch.runtime.distributed import get_rank_and_world_size, get_worker_info
from crucible_torch.transforms.functional import BatchNormalize, longer_side_size, pil_to_chw, resize_longer_side
from crucible_torch.transforms.reduced import JPEG_SCALES

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
EVAL_CROP_FRACTION = 0.875
"""Eval resizes the shorter side to ``int(size / 0.875)`` (256 for 224) before the centre crop."""

_CROP_SCALE = (0.08, 1.0)
_CROP_RATIO = (3 / 4, 4 / 3)

ImageInput = torch.Tensor | Image.Image


class _ProcessRandom:
    """A ``random.Random`` seeded from ``(seed, rank, worker id)``, made afresh in each process that uses it.

    DataLoader workers get copies of the preset (forked or pickled); one generator state shared by all of
    them would give every worker the same augmentation sequence.
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = seed
        self._pid: int | None = None
        self._random = random.Random()

    def get(self) -> random.Random:
        if self._pid != os.getpid():
            rank, _ = get_rank_and_world_size()
            worker, _ = get_worker_info()
            state = np.random.SeedSequence([self.seed, rank, worker]).generate_state(2, np.uint64)
            self._random.seed(int(state[0]) << 64 | int(state[1]))
            self._pid = os.getpid()
        return self._random

    def __getstate__(self) -> dict[str, int]:
        return {"seed": self.seed}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(state["seed"])


class ClassificationPreset:
    """ImageNet classification preprocessing on torchvision ``transforms.v2``.

    Train: ``RandomResizedCrop(size)`` + ``RandomHorizontalFlip()``; eval: ``Resize(int(size / 0.875))`` +
    ``CenterCrop(size)``. Grey input becomes RGB. Output is float32 CHW normalised with ``mean``/``std``, or
    uint8 CHW when ``normalize=False``; the normalisation is :attr:`batch_finish`, so a batch of
    :meth:`per_image` outputs can be normalised in one step. With ``seed``, the random crop and flip run on
    torch's CPU generator reseeded per call from the preset's per-process stream (state restored afterwards),
    so they are deterministic per seed; without it they use torch's global generator as torchvision does.
    """

    input_type = "tensor"
    """Takes decoded uint8 CHW tensors, so callers can decode at reduced size (:meth:`decode_size_hint`)."""
    decode_mode = "RGB"
    """Callers decode to RGB (RGBA, grey and palette images too), the 3 channels ``mean``/``std`` describe."""

    def __init__(
        self,
        train: bool,
        size: int = 224,
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        seed: int | None = None,
        normalize: bool = True,
    ) -> None:
        self.train = train
        self.size = size
        self.resize_size = int(size / EVAL_CROP_FRACTION)
        self.mean, self.std = tuple(mean), tuple(std)
        self.seed = seed
        self.normalize = normalize
        steps: list[v2.Transform] = [v2.ToImage(), v2.RGB()]
        if train:
            steps += [
                v2.RandomResizedCrop(size, scale=_CROP_SCALE, ratio=_CROP_RATIO, antialias=True),
                v2.RandomHorizontalFlip(),
            ]
        else:
            steps += [v2.Resize(self.resize_size, antialias=True), v2.CenterCrop(size)]
        steps.append(v2.ToPureTensor())
        self.transform = v2.Compose(steps)
        self.batch_finish = BatchNormalize(self.mean, self.std) if normalize else None
        """uint8 -> float32 normalised, on one image or a stacked batch (None when ``normalize=False``)."""
        self._random = _ProcessRandom(seed) if train and seed is not None else None

    def per_image(self, image: ImageInput) -> torch.Tensor:
        """Everything but the normalisation: RGB, crop/resize (and flip), as uint8 CHW."""
        if not self.train and isinstance(image, torch.Tensor) and image.ndim == 3 and image.shape[0] == 3:
            # What the eval pipeline does to an RGB tensor, without v2.Compose's per-call bookkeeping (~10%).
            resized = F.resize(image.as_subclass(torch.Tensor), [self.resize_size], antialias=True)
            return F.center_crop(resized, [self.size, self.size])
        if self._random is None:
            return self.transform(image)
        call_seed = self._random.get().getrandbits(63)
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(call_seed)
            return self.transform(image)

    def __call__(self, image: ImageInput) -> torch.Tensor:
        out = self.per_image(image)
        return out if self.batch_finish is None else self.batch_finish(out)

    def decode_size_hint(self, src_h: int, src_w: int) -> tuple[int, int] | None:
        """Smallest ``(h, w)`` of the same aspect that loses no output detail; None when no reduction helps.

        Eval: the shorter side at ``int(size / 0.875)``. Train: the smallest possible random crop (area
        ``0.08``, ratio at its bound) must still be ``size`` pixels on each side.
        """
        if self.train:
            (scale, _), (ratio_lo, ratio_hi) = _CROP_SCALE, _CROP_RATIO
            min_area = self.size**2 * max(1 / (scale * ratio_lo), ratio_hi / scale)
            if min_area >= src_h * src_w:
                return None
            factor = math.sqrt(min_area / (src_h * src_w))
            return math.ceil(src_h * factor), math.ceil(src_w * factor)
        shorter = min(src_h, src_w)
        if shorter <= self.resize_size:
            return None
        return -(-src_h * self.resize_size // shorter), -(-src_w * self.resize_size // shorter)

    def __repr__(self) -> str:
        return (
            f"ClassificationPreset(train={self.train}, size={self.size}, mean={self.mean}, std={self.std}, "
            f"seed={self.seed}, normalize={self.normalize})"
        )


class VLMPreset:
    """The cookbook's VLM classifier image step, exactly: shrink so the longer side is ``max_size``
    (``int()``-truncated, PIL LANCZOS), optionally flip horizontally with probability 0.5, convert to RGB.

    Without ``seed`` the flip draws from Python's global ``random.random()``, as the cookbook does. Returns a
    PIL image (``output="pil"``) or a uint8 CHW tensor (``output="tensor"``).
    """

    input_type = "pil"
    """Takes the PIL image the ``Image`` feature decodes, as the cookbook does (tensors are accepted too)."""

    def __init__(
        self,
        max_size: int = 480,
        flip: bool = False,
        seed: int | None = None,
        output: Literal["pil", "tensor"] = "pil",
    ) -> None:
        if output not in ("pil", "tensor"):
            raise ValueError(f"output must be 'pil' or 'tensor', got {output!r}")
        self.max_size = max_size
        self.flip = flip
        self.seed = seed
        self.output = output
        self._random = _ProcessRandom(seed) if seed is not None else None

    def __call__(self, image: ImageInput) -> Image.Image | torch.Tensor:
        if isinstance(image, torch.Tensor):
            image = F.to_pil_image(image)
        image = resize_longer_side(image, self.max_size)
        if self.flip and (self._random.get() if self._random else random).random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if image.mode != "RGB":
            image = image.convert("RGB")
        return image if self.output == "pil" else pil_to_chw(image, "RGB")

    def decode_size_hint(self, src_h: int, src_w: int) -> tuple[int, int] | None:
        """A JPEG-reducible ``(h, w)`` (``ceil(src / f)``, f = 8, 4, 2) that resizes to exactly the output
        size of the full source, so image token counts do not change; None when none does.
        """
        target = longer_side_size(src_h, src_w, self.max_size)
        if target == (src_h, src_w):
            return None
        for scale in JPEG_SCALES:
            reduced = (-(-src_h // scale), -(-src_w // scale))
            if longer_side_size(*reduced, self.max_size) == target:
                return reduced
        return None

    def __repr__(self) -> str:
        return f"VLMPreset(max_size={self.max_size}, flip={self.flip}, seed={self.seed}, output={self.output!r})"


classification = ClassificationPreset
"""``classification(train, size=224, mean=..., std=..., seed=None, normalize=True)``: the preset's class."""
vlm = VLMPreset
"""``vlm(max_size=480, flip=False, seed=None, output="pil")``: the preset's class."""
