"""Builders of the trees the media tests load: image/audio folders, metadata files, WebDataset shards, archives.

Every file is real (PIL-encoded images, PCM WAV audio, tar and zip archives written with the standard
library), small, and deterministic for a given name, so two libraries reading the same tree must agree.
"""

from __future__ import annotations

import io
import json
import random
import tarfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from crucible_torch.testing.sample_media import wav_bytes


def image_bytes(seed: str, fmt: str = "PNG") -> bytes:
    """A small image whose pixels depend on ``seed`` (PNG is lossless, so decoders agree exactly)."""
    rng = random.Random(seed)
    width, height = rng.randint(4, 12), rng.randint(4, 12)
    pixels = np.random.default_rng(rng.getrandbits(32)).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def write_image(path: Path, fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image_bytes(str(path.name) + str(path.parent.name), fmt))
    return path


def write_wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav_bytes(random.Random(path.name)))
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def wds_sample(index: int) -> dict[str, bytes]:
    """The fields of WebDataset sample ``index``: an image, json, class, caption, arrays."""
    return {
        "png": image_bytes(f"wds{index}"),
        "json": json.dumps({"id": index, "tags": [f"t{index % 3}"], "score": index / 4}).encode(),
        "cls": f"{index % 5}\n".encode(),
        "txt": f"caption {index}".encode(),
        "npy": npy_bytes(np.arange(6, dtype=np.float32).reshape(2, 3) + index),
        "ids.npy": npy_bytes(np.arange(index % 4 + 1, dtype=np.int16)),
    }


def write_tar(path: Path, samples: dict[str, dict[str, bytes]], mode: str = "w") -> Path:
    """A tar of ``{key: {field: bytes}}``, members ``<key>.<field>`` in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, mode) as tf:
        for key, fields in samples.items():
            for field, data in fields.items():
                info = tarfile.TarInfo(f"{key}.{field}")
                info.size = len(data)
                info.mtime = 1_700_000_000
                tf.addfile(info, io.BytesIO(data))
    return path


def write_shards(root: Path, shards: int, per_shard: int, prefix: str = "shard") -> list[Path]:
    return [
        write_tar(
            root / f"{prefix}-{s:05d}.tar",
            {f"s{s:02d}/{i:04d}": wds_sample(s * per_shard + i) for i in range(per_shard)},
        )
        for s in range(shards)
    ]


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path
