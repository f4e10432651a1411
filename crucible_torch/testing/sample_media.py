"""Real image and audio file bytes for the sample Hub repos, made with PIL and the standard ``wave`` module.

Images are small (32-96 px per side) class-coloured shapes. Most are RGB JPEGs; by row index some are RGBA or
RGB PNGs, some grayscale, and some JPEGs carry an EXIF orientation tag, so decoders must apply the EXIF
transpose (decoded width and height swap) and mode handling the way `datasets` does. Audio is 16-bit PCM mono
WAV: a short tone with a little noise.
"""

from __future__ import annotations

import colorsys
import io
import random
import wave

import numpy as np
from PIL import Image, ImageDraw

EXIF_ORIENTATION = 0x0112
ROTATE_90_CW = 6  # EXIF orientation value: the stored image must be rotated 90 degrees clockwise to display


def image_variant(index: int) -> str:
    """Which kind of file row ``index`` holds: ``rgba_png``, ``gray_jpeg``, ``exif_jpeg``, ``rgb_png``, ``rgb_jpeg``."""
    if index % 7 == 3:
        return "rgba_png"
    if index % 11 == 5:
        return "gray_jpeg"
    if index % 13 == 6:
        return "exif_jpeg"
    if index % 5 == 4:
        return "rgb_png"
    return "rgb_jpeg"


def image_file(rng: random.Random, label: int, num_classes: int, index: int) -> dict[str, bytes | str]:
    """An ``Image`` storage dict ``{"bytes", "path"}``: a shape whose hue encodes ``label``."""
    width, height = rng.randint(32, 96), rng.randint(32, 96)
    variant = image_variant(index)
    if variant == "exif_jpeg" and width == height:
        width = max(32, width - 16)
    hue = label / max(1, num_classes)
    fg = tuple(int(255 * c) for c in colorsys.hsv_to_rgb(hue, 0.8, 0.9))
    bg = tuple(int(255 * c) for c in colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.2, 0.95))
    image = Image.new("RGBA" if variant == "rgba_png" else "RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    box = (
        rng.randint(0, width // 3),
        rng.randint(0, height // 3),
        rng.randint(2 * width // 3, width - 1),
        rng.randint(2 * height // 3, height - 1),
    )
    if label % 3 == 0:
        draw.ellipse(box, fill=fg)
    elif label % 3 == 1:
        draw.rectangle(box, fill=fg)
    else:
        draw.polygon([(box[0], box[3]), ((box[0] + box[2]) // 2, box[1]), (box[2], box[3])], fill=fg)
    if variant == "rgba_png":
        alpha = Image.new("L", (width, height), 0)
        ImageDraw.Draw(alpha).ellipse((0, 0, width - 1, height - 1), fill=255)
        image.putalpha(alpha)
    elif variant == "gray_jpeg":
        image = image.convert("L")
    buffer = io.BytesIO()
    if variant.endswith("png"):
        image.save(buffer, format="PNG")
        extension = "png"
    else:
        exif = Image.Exif()
        if variant == "exif_jpeg":
            exif[EXIF_ORIENTATION] = ROTATE_90_CW
        image.save(buffer, format="JPEG", quality=85, exif=exif.tobytes())
        extension = "jpg"
    return {"bytes": buffer.getvalue(), "path": f"image_{index:05d}.{extension}"}


def wav_bytes(rng: random.Random, sampling_rate: int = 16_000) -> bytes:
    """0.1-0.4 s of a tone plus noise, as 16-bit PCM mono WAV."""
    frames = int(sampling_rate * rng.uniform(0.1, 0.4))
    t = np.arange(frames) / sampling_rate
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0.0, 0.02, frames)
    signal = 0.3 * np.sin(2 * np.pi * rng.uniform(120.0, 400.0) * t) + noise
    pcm = np.round(np.clip(signal, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sampling_rate)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()
