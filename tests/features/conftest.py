"""Fixtures for the features tests: real image and WAV files built with PIL and the `wave` module."""

from __future__ import annotations

import wave
from collections.abc import Callable
from io import BytesIO

import numpy as np
import PIL.Image
import pytest


def _image_bytes(array: np.ndarray, fmt: str = "PNG", **save_args: object) -> bytes:
    buffer = BytesIO()
    PIL.Image.fromarray(array).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def _wav_bytes(samples: np.ndarray, rate: int, width: int) -> bytes:
    """``samples``: integer PCM values, shape (frames, channels), already in the range of ``width`` bytes."""
    frames = np.asarray(samples)
    if width == 1:
        raw = frames.astype(np.uint8).tobytes()
    elif width == 2:
        raw = frames.astype("<i2").tobytes()
    elif width == 3:
        as_int = frames.astype("<i4").reshape(-1)
        raw = np.stack([(as_int >> shift) & 0xFF for shift in (0, 8, 16)], axis=1).astype(np.uint8).tobytes()
    else:
        raw = frames.astype("<i4").tobytes()
    buffer = BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(frames.shape[1])
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(raw)
    return buffer.getvalue()


@pytest.fixture
def image_bytes() -> Callable[..., bytes]:
    """Factory: encode a numpy pixel array as image bytes (PNG by default)."""
    return _image_bytes


@pytest.fixture
def wav_bytes() -> Callable[[np.ndarray, int, int], bytes]:
    """Factory: write integer PCM samples (frames, channels) as WAV bytes with the given sample width."""
    return _wav_bytes


@pytest.fixture
def rgb_array() -> np.ndarray:
    """A 6x4 RGB image whose pixels are all different, so any transpose or crop shows."""
    return (np.arange(6 * 4 * 3, dtype=np.uint8).reshape(6, 4, 3) * 3).astype(np.uint8)
