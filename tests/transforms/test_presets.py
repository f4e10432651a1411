"""Presets: the cookbook's VLM step reproduced exactly, classification seeded and picklable, size hints."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from synthetic_images import encode, natural_image
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms.v2 import functional as F

from crucible_torch.runtime.distributed import get_worker_info
from crucible_torch.transforms import classification, decode_image, vlm
from crucible_torch.transforms.reduced import jpeg_draft_scale


def cookbook_vlm(image: Image.Image, max_size: int, flip: bool) -> Image.Image:
    """tinker-cookbook's resize_image + hflip + the renderer's RGB conversion, written out independently."""
    width, height = image.size
    if max(width, height) > max_size:
        if width > height:
            new_width, new_height = max_size, int(height * max_size / width)
        else:
            new_height, new_width = max_size, int(width * max_size / height)
        image = image.resize((new_width, new_height), Image.Resampling.LANCZOS)
    if flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image.convert("RGB")


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.mode == b.mode and np.array_equal(np.array(a), np.array(b))


@pytest.mark.parametrize(
    ("size", "mode"),
    [
        ((1000, 750), "RGB"),
        ((750, 1000), "RGB"),
        ((481, 481), "RGB"),  # square: the cookbook's "else" branch
        ((480, 300), "RGB"),  # not larger than max_size: untouched
        ((300, 200), "RGB"),
        ((1234, 567), "RGBA"),
        ((999, 1001), "L"),
        ((700, 900), "P"),  # PIL resizes palette images with NEAREST; the cookbook inherits that
    ],
)
def test_vlm_equals_cookbook(rng, size, mode):
    image = natural_image(rng, size[1], size[0]).convert(mode)
    assert same_pixels(vlm()(image), cookbook_vlm(image, 480, flip=False))
    assert same_pixels(vlm(max_size=256)(image), cookbook_vlm(image, 256, flip=False))
    tensor = vlm(output="tensor")(image)
    assert torch.equal(tensor, torch.from_numpy(np.array(cookbook_vlm(image, 480, False))).permute(2, 0, 1))


def test_vlm_unseeded_flip_draws_from_global_random_like_the_cookbook(rng):
    image = natural_image(rng, 60, 90)
    preset = vlm(flip=True)
    random.seed(11)
    ours = [preset(image) for _ in range(16)]
    random.seed(11)
    expected = [cookbook_vlm(image, 480, flip=random.random() < 0.5) for _ in range(16)]
    assert all(same_pixels(a, b) for a, b in zip(ours, expected, strict=True))


def flips(preset, image: Image.Image, count: int = 32) -> list[bool]:
    flipped = cookbook_vlm(image, 480, flip=True)
    return [same_pixels(preset(image), flipped) for _ in range(count)]


def test_vlm_seeded_flip_is_deterministic_and_seed_dependent(rng):
    image = natural_image(rng, 40, 50)
    first = flips(vlm(flip=True, seed=3), image)
    assert first == flips(vlm(flip=True, seed=3), image)
    assert first != flips(vlm(flip=True, seed=4), image)
    assert 4 <= sum(first) <= 28  # p = 0.5
    assert not any(flips(vlm(flip=False, seed=3), image))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6000), st.integers(1, 6000), st.sampled_from([224, 480, 1024]))
def test_vlm_size_hint_keeps_the_output_size(height, width, max_size):
    preset = vlm(max_size=max_size)
    full = preset_output_size(height, width, max_size)
    hint = preset.decode_size_hint(height, width)
    if hint is None:
        return
    scale = jpeg_draft_scale((height, width), hint)
    assert scale > 1
    reduced = (-(-height // scale), -(-width // scale))
    assert preset_output_size(*reduced, max_size) == full


def preset_output_size(height: int, width: int, max_size: int) -> tuple[int, int]:
    """The size ``cookbook_vlm`` produces, as (height, width)."""
    if max(width, height) <= max_size:
        return height, width
    if width > height:
        return int(height * max_size / width), max_size
    return max_size, int(width * max_size / height)


def test_vlm_reduced_decode_end_to_end(rng):
    data = encode(natural_image(rng, 1080, 1920), "JPEG", quality=90)
    preset = vlm(output="tensor")
    full = preset(decode_image(data))
    reduced = preset(decode_image(data, max_size_hint=preset.decode_size_hint))
    assert full.shape == reduced.shape == (3, 270, 480)
    assert (full.int() - reduced.int()).abs().float().mean() < 2.0


def reference_eval(image: torch.Tensor) -> torch.Tensor:
    image = F.center_crop(F.resize(image, [256], antialias=True), [224, 224])
    image = image.float() / 255
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    return (image - mean) / std


def test_classification_eval_matches_torchvision_steps(rng):
    image = torch.from_numpy(np.array(natural_image(rng, 300, 400))).permute(2, 0, 1).contiguous()
    out = classification(train=False)(image)
    assert out.dtype == torch.float32 and out.shape == (3, 224, 224)
    torch.testing.assert_close(out, reference_eval(image))
    pil = Image.fromarray(image.permute(1, 2, 0).numpy())
    torch.testing.assert_close(classification(train=False)(pil), out)
    raw = classification(train=False, normalize=False)(image)
    assert raw.dtype == torch.uint8 and raw.shape == (3, 224, 224)
    grey = classification(train=False)(image[:1])
    assert grey.shape == (3, 224, 224)


def test_classification_seeded_train_is_deterministic_and_seed_dependent(rng):
    image = torch.from_numpy(np.array(natural_image(rng, 200, 260))).permute(2, 0, 1)
    first_call = classification(train=True, seed=7)(image)
    preset_a, preset_b, preset_c = (classification(train=True, seed=s) for s in (7, 7, 8))
    a = [preset_a(image) for _ in range(6)]
    b = [preset_b(image) for _ in range(6)]
    c = [preset_c(image) for _ in range(6)]
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert torch.equal(first_call, a[0])
    assert not all(torch.equal(x, y) for x, y in zip(a, c, strict=True))
    assert len({x.sum().item() for x in a}) > 1  # successive calls draw new crops


def test_seeded_preset_leaves_torch_global_rng_alone(rng):
    image = torch.from_numpy(np.array(natural_image(rng, 64, 64))).permute(2, 0, 1)
    preset = classification(train=True, seed=1)
    torch.manual_seed(0)
    expected = torch.rand(4)
    torch.manual_seed(0)
    preset(image)
    assert torch.equal(torch.rand(4), expected)


def test_presets_pickle(rng):
    image = torch.from_numpy(np.array(natural_image(rng, 120, 160))).permute(2, 0, 1)
    for make in (
        lambda: classification(train=True, seed=5),
        lambda: classification(train=False),
        lambda: vlm(flip=True, seed=5, output="tensor"),
    ):
        used = make()
        used(image)  # a stream already drawn from must not leak into the copy
        copy = pickle.loads(pickle.dumps(used))
        fresh = make()
        assert repr(copy) == repr(fresh)
        assert all(torch.equal(copy(image), fresh(image)) for _ in range(4))


class _AugmentedImages(Dataset):
    def __init__(self, image: torch.Tensor, preset) -> None:
        self.image, self.preset = image, preset

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> tuple[int, torch.Tensor]:
        return get_worker_info()[0], self.preset(self.image)


def test_dataloader_workers_get_distinct_reproducible_streams(rng):
    image = torch.from_numpy(np.array(natural_image(rng, 96, 128))).permute(2, 0, 1)
    preset = classification(train=True, seed=9, normalize=False)
    preset(image)  # used in the parent before the workers fork

    def run() -> list[tuple[int, torch.Tensor]]:
        loader = DataLoader(_AugmentedImages(image, preset), batch_size=2, num_workers=2)
        return [(int(w), x) for workers, images in loader for w, x in zip(workers, images, strict=True)]

    first, second = run(), run()
    assert [w for w, _ in first] == [0, 0, 1, 1, 0, 0, 1, 1]
    assert all(torch.equal(x, y) for (_, x), (_, y) in zip(first, second, strict=True))
    assert not torch.equal(first[0][1], first[2][1])  # worker 0 and worker 1 start differently


def test_classification_size_hints(rng):
    eval_preset = classification(train=False)
    assert eval_preset.decode_size_hint(768, 1024) == (256, 342)
    assert eval_preset.decode_size_hint(1024, 768) == (342, 256)
    assert eval_preset.decode_size_hint(256, 900) is None
    train_preset = classification(train=True)
    assert train_preset.decode_size_hint(500, 375) is None  # the smallest crop needs the full image
    h, w = train_preset.decode_size_hint(3000, 4000)
    assert (h, w) == (792, 1056) and h * w * 0.08 * 0.75 >= 224**2
    data = encode(natural_image(rng, 768, 1024), "JPEG", quality=90)
    uint8_preset = classification(train=False, normalize=False)
    reduced_image = decode_image(data, max_size_hint=uint8_preset.decode_size_hint)
    assert reduced_image.shape == (3, 384, 512)
    reduced = uint8_preset(reduced_image)
    full = uint8_preset(decode_image(data))
    assert (full.int() - reduced.int()).abs().float().mean() < 2.0


def test_fused_normalisation_matches_torchvision_to_dtype_and_normalize() -> None:
    from torchvision.transforms import v2

    pil = natural_image(np.random.default_rng(3), 300, 260)
    image = torch.from_numpy(np.array(pil)).permute(2, 0, 1).contiguous()
    mean, std = (0.4, 0.5, 0.6), (0.2, 0.25, 0.3)
    ours = classification(train=False, size=96, mean=mean, std=std)(image)
    cropped = classification(train=False, size=96, normalize=False)(image)
    reference = v2.Normalize(mean, std)(v2.ToDtype(torch.float32, scale=True)(cropped))
    assert ours.dtype == torch.float32 and ours.shape == (3, 96, 96)
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 9),
    st.integers(1, 9),
    st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    st.lists(st.floats(0.05, 2.0), min_size=3, max_size=3),
    st.integers(0, 2**32 - 1),
)
def test_batch_normalisation_equals_per_image_normalisation(n, h, w, mean, std, seed) -> None:
    """One pass over a stacked uint8 batch (into a reused buffer) gives each image's own normalisation, which
    is torchvision's ``ToDtype(scale=True)`` + ``Normalize`` within float rounding."""
    from torchvision.transforms import v2

    from crucible_torch.transforms.functional import BatchNormalize

    images = torch.from_numpy(np.random.default_rng(seed).integers(0, 256, size=(n, 3, h, w), dtype=np.uint8))
    finish = BatchNormalize(mean, std)
    buffer = torch.full((n, 3, h, w), float("nan"))
    batch = finish(images, out=buffer)
    assert batch.data_ptr() == buffer.data_ptr()
    for image, normalised in zip(images, batch):
        assert torch.equal(finish(image), normalised)
        reference = v2.Normalize(mean, std)(v2.ToDtype(torch.float32, scale=True)(image))
        torch.testing.assert_close(normalised, reference, atol=1e-5, rtol=1e-5)
