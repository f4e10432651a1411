"""PCM WAV reading and writing with the standard library's `wave` module (no audio dependency needed).

Samples are scaled to float32 in [-1, 1) the way FFmpeg and libsndfile do it: signed n-bit PCM is divided by
``2 ** (n - 1)``, unsigned 8-bit PCM is centred on 128 first.
"""

from __future__ import annotations

import wave
from io import BytesIO

import numpy as np


def is_wav(data: bytes) -> bool:
    """True when the bytes start with a RIFF/WAVE header."""
    return data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode PCM WAV bytes (8, 16, 24 or 32-bit) to float32 ``(frames, channels)`` and the sample rate.

    Raises ``wave.Error`` for WAV files that are not plain PCM (e.g. IEEE float, WAVE_FORMAT_EXTENSIBLE).
    """
    with wave.open(BytesIO(data), "rb") as reader:
        channels = reader.getnchannels()
        width = reader.getsampwidth()
        rate = reader.getframerate()
        raw = reader.readframes(reader.getnframes())
    usable = len(raw) - len(raw) % (width * channels)  # a truncated last frame is dropped
    raw = raw[:usable]
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:
        triplets = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        packed = triplets[:, 0] | (triplets[:, 1] << 8) | (triplets[:, 2] << 16)
        signed = (packed << 8) >> 8  # sign-extend the 24-bit value
        samples = signed.astype(np.float32) / float(1 << 23)
    elif width == 4:
        samples = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(np.float32)
    else:
        raise wave.Error(f"unsupported PCM sample width: {width * 8} bits")
    return samples.reshape(-1, channels), rate


def write_wav(array: np.ndarray, sampling_rate: int) -> bytes:
    """Encode float samples, shape ``(samples,)`` or ``(channels, samples)``, as 16-bit PCM WAV bytes.

    Values are clipped to [-1, 1] and scaled by 32767, as libsndfile writes ``PCM_16``.
    """
    samples = np.asarray(array, dtype=np.float64)
    if samples.ndim == 1:
        samples = samples[None, :]
    if samples.ndim != 2:
        raise ValueError(f"Audio array must have shape (samples,) or (channels, samples), got {samples.shape}")
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(pcm.shape[0])
        writer.setsampwidth(2)
        writer.setframerate(int(sampling_rate))
        writer.writeframes(np.ascontiguousarray(pcm.T).tobytes())
    return buffer.getvalue()
