"""Generated test images: natural-looking content (gradients, blobs, noise, hard-edged shapes), encoded.

A uniquely named module (not conftest.py) so that test modules can import it whatever other conftest files
pytest has loaded.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def natural_image(rng: np.random.Generator, height: int, width: int) -> Image.Image:
    """An RGB image with smooth gradients, soft blobs, sensor-like noise and sharp shapes."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    y /= height
    x /= width
    coeff = rng.uniform(-1, 1, size=(3, 3)) * [[120], [120], [60]]
    base = coeff[0][:, None, None] * x + coeff[1][:, None, None] * y + 128 + coeff[2][:, None, None]
    blobs = rng.uniform(-60, 60, size=(6, 6, 3)).astype(np.float32)
    blobs = np.stack(
        [np.asarray(Image.fromarray(blobs[..., c], mode="F").resize((width, height), Image.BICUBIC)) for c in range(3)]
    )
    pixels = base + blobs + 6 * rng.standard_normal((3, height, width), dtype=np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8).transpose(1, 2, 0))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, x1 = sorted(rng.integers(0, width, 2).tolist())
        y0, y1 = sorted(rng.integers(0, height, 2).tolist())
        colour = tuple(rng.integers(0, 256, 3).tolist())
        shape = rng.integers(3)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, 6)))
    return image


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    """``image`` encoded as ``fmt`` (PIL's writer), in memory."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()
