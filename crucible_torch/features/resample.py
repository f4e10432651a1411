"""Band-limited resampling of a mono signal in numpy (no scipy/librosa dependency).

Method: windowed-sinc interpolation. Each output sample at input time ``t`` is
``sum_k x[k] * c * sinc(c * (t - k)) * kaiser(t - k)`` where ``c = min(1, target/orig)`` is the low-pass
cutoff (anti-aliasing when downsampling), the Kaiser window has ``beta = 8.6`` and spans 16 zero crossings of
the sinc on each side. Samples outside the signal count as zero. The output has
``ceil(len(x) * target / orig)`` samples, as librosa gives. When ``target / orig`` reduces to a fraction
``up / down`` with a small ``up`` (all common rates), the ``up`` distinct filter phases are computed once
(polyphase); otherwise each output's weights are computed directly. Work is done in chunks so memory stays
bounded (about 32 MB per chunk).
"""

from __future__ import annotations

import math

import numpy as np

_ZERO_CROSSINGS = 16
_KAISER_BETA = 8.6
_CHUNK_ELEMENTS = 1 << 22
_MAX_PHASES = 4096


def _kernel(offset: np.ndarray, cutoff: float, half_width: float) -> np.ndarray:
    """Kaiser-windowed sinc weights of input samples ``offset`` input samples away from the output time."""
    ratio = np.clip(1.0 - (offset / half_width) ** 2, 0.0, 1.0)
    window = np.where(np.abs(offset) < half_width, np.i0(_KAISER_BETA * np.sqrt(ratio)), 0.0)
    return cutoff * np.sinc(cutoff * offset) * window / np.i0(_KAISER_BETA)


def resample(signal: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a 1-D float signal from ``orig_sr`` to ``target_sr`` Hz; returns float32."""
    if orig_sr <= 0 or target_sr <= 0:
        raise ValueError(f"Sampling rates must be positive, got {orig_sr} -> {target_sr}")
    signal = np.asarray(signal, dtype=np.float64)
    if orig_sr == target_sr or signal.size == 0:
        return signal.astype(np.float32)
    common = math.gcd(int(orig_sr), int(target_sr))
    up, down = int(target_sr) // common, int(orig_sr) // common
    cutoff = min(1.0, up / down)
    half_width = _ZERO_CROSSINGS / cutoff  # in input samples
    reach = math.ceil(half_width)
    taps = np.arange(-reach, reach + 1)
    padded = np.concatenate([np.zeros(reach + 1), signal, np.zeros(reach + 1)])
    bank = None  # weights of the `up` distinct phases, when few
    if up <= _MAX_PHASES:
        bank = _kernel(np.arange(up)[:, None] / up - taps[None, :], cutoff, half_width)
    n_out = math.ceil(signal.size * up / down)
    out = np.empty(n_out, dtype=np.float64)
    chunk = max(1, _CHUNK_ELEMENTS // taps.size)
    for start in range(0, n_out, chunk):
        position = np.arange(start, min(start + chunk, n_out), dtype=np.int64) * down
        base, phase = position // up, position % up
        if bank is not None:
            weights = bank[phase]
        else:
            weights = _kernel(phase[:, None] / up - taps[None, :], cutoff, half_width)
        values = padded[base[:, None] + taps[None, :] + reach + 1]
        out[start : start + len(position)] = np.einsum("ij,ij->i", weights, values)
    return out.astype(np.float32)
