"""Feature-driven collate: per feature type, through the Arrow fast path and the row path, in DataLoaders."""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest
import torch

import crucible_torch as ct
from crucible_torch.transforms.presets import classification


def _png(h: int, w: int, mode: str = "RGB", seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    array = rng.integers(0, 255, size=(h, w, channels), dtype=np.uint8)
    image = PIL.Image.fromarray(array[..., 0] if channels == 1 else array, mode)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


FEATURES = ct.Features(
    {
        "i8": ct.Value("int8"),
        "u32": ct.Value("uint32"),
        "f64": ct.Value("float64"),
        "flag": ct.Value("bool"),
        "label": ct.ClassLabel(names=["a", "b", "c"]),
        "text": ct.Value("string"),
        "blob": ct.Value("binary"),
        "fixed": ct.List(ct.Value("float32"), length=3),
        "ragged": ct.List(ct.Value("int64")),
        "pair": {"x": ct.Value("int32"), "tags": ct.List(ct.Value("string"))},
    }
)


def _rows(n: int = 6) -> list[dict]:
    return [
        {
            "i8": -i,
            "u32": 2**31 + i,
            "f64": i / 3,
            "flag": i % 2 == 0,
            "label": i % 3,
            "text": f"t{i}",
            "blob": bytes([i]),
            "fixed": [i, i + 0.5, i + 1],
            "ragged": list(range(i % 4)),
            "pair": {"x": i, "tags": ["k"] * (i % 2)},
        }
        for i in range(n)
    ]


@pytest.fixture
def ds() -> ct.Dataset:
    return ct.Dataset.from_list(_rows(), features=FEATURES)


def test_dtypes_follow_the_features(ds: ct.Dataset) -> None:
    batch = ds.collate_fn(ds.__getitems__([0, 1, 2, 3]))
    assert batch["i8"].dtype == torch.int64 and batch["i8"].tolist() == [0, -1, -2, -3]
    assert batch["u32"].dtype == torch.int64 and batch["u32"][1].item() == 2**31 + 1
    assert batch["f64"].dtype == torch.float32
    assert batch["flag"].dtype == torch.bool and batch["flag"].tolist() == [True, False, True, False]
    assert batch["label"].dtype == torch.int64
    assert batch["text"] == ["t0", "t1", "t2", "t3"] and batch["blob"] == [b"\x00", b"\x01", b"\x02", b"\x03"]
    assert batch["fixed"].shape == (4, 3) and batch["fixed"].dtype == torch.float32
    assert isinstance(batch["ragged"], list) and [t.tolist() for t in batch["ragged"]] == [[], [0], [0, 1], [0, 1, 2]]
    assert batch["pair"]["x"].tolist() == [0, 1, 2, 3] and batch["pair"]["tags"] == [[], ["k"], [], ["k"]]


def test_keep_dtype_keeps_stored_types(ds: ct.Dataset) -> None:
    batch = ct.Collator(ds.features, keep_dtype=True)(ds.__getitems__([0, 1]))
    assert batch["i8"].dtype == torch.int8 and batch["f64"].dtype == torch.float64


@pytest.mark.parametrize("side", ["right", "left"])
def test_padding_with_lengths_and_multiple(ds: ct.Dataset, side: str) -> None:
    collator = ct.Collator(ds.features, pad=True, padding_value=-1, pad_to_multiple_of=4, padding_side=side)
    batch = collator(ds.__getitems__([1, 3, 0]))
    assert batch["ragged_lengths"].tolist() == [1, 3, 0]
    expected = {"right": [[0, -1, -1, -1], [0, 1, 2, -1], [-1] * 4], "left": [[-1, -1, -1, 0], [-1, 0, 1, 2], [-1] * 4]}
    assert batch["ragged"].tolist() == expected[side]


def test_row_path_and_arrow_path_agree(ds: ct.Dataset) -> None:
    fast = ds.collate_fn(ds.__getitems__([5, 2, 4]))
    rows = [ds[i] for i in (5, 2, 4)]
    slow = ct.collate(rows, features=ds.features)
    for key in ("i8", "u32", "f64", "flag", "label", "fixed"):
        assert torch.equal(fast[key], slow[key]), key
    assert fast["text"] == slow["text"] and fast["pair"]["tags"] == slow["pair"]["tags"]


def test_none_in_numeric_column_names_column_and_row() -> None:
    ds = ct.Dataset.from_dict({"x": [1, None, 3]})
    with pytest.raises(ValueError, match=r"column 'x': row 1"):
        ds.collate_fn(ds.__getitems__([0, 1, 2]))
    filled = ct.Collator(ds.features, fill_value=0)(ds.__getitems__([0, 1, 2]))
    assert filled["x"].tolist() == [1, 0, 3]


def test_images_stack_when_shapes_agree_and_list_otherwise() -> None:
    same = ct.Dataset.from_dict(
        {"image": [_png(8, 6, seed=i) for i in range(3)]}, features=ct.Features({"image": ct.Image()})
    )
    batch = same.collate_fn(same.__getitems__([0, 1, 2]))
    assert batch["image"].shape == (3, 3, 8, 6) and batch["image"].dtype == torch.uint8
    expected = torch.from_numpy(np.array(same[1]["image"])).permute(2, 0, 1)
    assert torch.equal(batch["image"][1], expected)
    mixed = ct.Dataset.from_dict(
        {"image": [_png(8, 6), _png(5, 7, "RGBA"), _png(4, 4, "L")]}, features=ct.Features({"image": ct.Image()})
    )
    images = mixed.collate_fn(mixed.__getitems__([0, 1, 2]))["image"]
    assert [tuple(t.shape) for t in images] == [(3, 8, 6), (4, 5, 7), (1, 4, 4)]
    rgb = ct.Dataset.from_dict(
        {"image": [_png(5, 7, "RGBA"), _png(5, 7, "L")]}, features=ct.Features({"image": ct.Image(mode="RGB")})
    )
    assert rgb.collate_fn(rgb.__getitems__([0, 1]))["image"].shape == (2, 3, 5, 7)


def test_torch_format_rows_follow_the_same_rules(ds: ct.Dataset) -> None:
    row = ds.with_format("torch")[3]
    assert row["i8"].dtype == torch.int64 and row["f64"].dtype == torch.float32
    assert row["ragged"].tolist() == [0, 1, 2] and row["text"] == "t3" and row["pair"]["x"].item() == 3


@pytest.mark.parametrize("num_workers", [0, 2])
def test_dataloader_default_collate_and_collate_fn_give_identical_batches(num_workers: int) -> None:
    data = ct.Dataset.from_dict(
        {"a": list(range(40)), "b": [float(i) / 7 for i in range(40)], "s": [str(i) for i in range(40)]}
    )
    data = data.shuffle(seed=1)
    fast = list(torch.utils.data.DataLoader(data, batch_size=8, num_workers=num_workers, collate_fn=data.collate_fn))
    plain = list(torch.utils.data.DataLoader(data.with_format("torch"), batch_size=8, num_workers=num_workers))
    assert len(fast) == len(plain) == 5
    for a, b in zip(fast, plain):
        assert torch.equal(a["a"], b["a"]) and torch.equal(a["b"], b["b"]) and a["s"] == b["s"]


def test_pin_memory_works_with_collated_batches() -> None:
    data = ct.Dataset.from_dict({"a": list(range(10)), "s": ["x"] * 10})
    batch = next(iter(torch.utils.data.DataLoader(data, batch_size=4, collate_fn=data.collate_fn, pin_memory=True)))
    assert batch["a"].tolist() == [0, 1, 2, 3] and batch["s"] == ["x"] * 4


def test_per_value_transforms_run_in_workers_and_keep_other_columns() -> None:
    images = ct.Dataset.from_dict(
        {"image": [_png(40, 30 + i, "RGBA" if i % 2 else "RGB", seed=i) for i in range(8)], "label": list(range(8))},
        features=ct.Features({"image": ct.Image(), "label": ct.ClassLabel(num_classes=8)}),
    )
    preset = classification(train=False, size=16)
    view = images.with_transform({"image": preset})
    row = view[3]
    assert row["image"].shape == (3, 16, 16) and row["label"] == 3
    loader = torch.utils.data.DataLoader(view, batch_size=4, num_workers=2, collate_fn=view.collate_fn)
    batches = list(loader)
    assert [b["image"].shape for b in batches] == [(4, 3, 16, 16)] * 2
    assert torch.cat([b["label"] for b in batches]).tolist() == list(range(8))


def test_batch_transform_keeps_datasets_semantics() -> None:
    data = ct.Dataset.from_dict({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    data.set_transform(lambda batch: {"a2": [v * 2 for v in batch["a"]]}, columns=["a"], output_all_columns=True)
    assert data[0] == {"a2": 2, "b": "x"}
    assert data[0:2] == {"a2": [2, 4], "b": ["x", "y"]}


def test_text_loading_and_collating_import_no_image_codecs(tmp_path) -> None:
    """torchvision (and the torch._dynamo it pulls in) and TorchCodec cost seconds to import; a text dataset
    never needs them."""
    import subprocess
    import sys

    script = (
        "import sys, torch, crucible_torch as ct\n"
        f"ct.Dataset.from_dict({{'a': [1, 2], 't': ['x', 'y']}}).save_to_disk({str(tmp_path / 'd')!r})\n"
        f"ds = ct.load_from_disk({str(tmp_path / 'd')!r})\n"
        "batch = ds.collate_fn(ds.__getitems__([0, 1]))\n"
        "print(sorted(m for m in ('torchvision', 'torchcodec') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.strip() == "[]"
