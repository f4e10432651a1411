"""Audio: WAV files written with `wave`, decoded and compared with independently scaled samples."""

from __future__ import annotations

import importlib.util
import math

import datasets
import numpy as np
import pyarrow as pa
import pytest

from crucible_torch.features import Audio, AudioDecodeError, Features
from crucible_torch.features.resample import resample

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("width", "low", "high", "scale", "offset"),
    [
        (1, 0, 256, 128.0, 128),
        (2, -32768, 32768, 32768.0, 0),
        (3, -(1 << 23), 1 << 23, float(1 << 23), 0),
        (4, -(1 << 31), 1 << 31, float(1 << 31), 0),
    ],
)
@pytest.mark.parametrize("channels", [1, 2])
def test_pcm_wav_decodes_to_scaled_mono(wav_bytes, width, low, high, scale, offset, channels) -> None:
    samples = RNG.integers(low, high, size=(500, channels), dtype=np.int64)
    samples[:2] = [[low] * channels, [high - 1] * channels]  # the extremes
    decoded = Audio().decode_example({"bytes": wav_bytes(samples, 22050, width), "path": "a.wav"})
    expected = ((samples - offset) / scale).mean(axis=1)
    assert decoded["path"] == "a.wav"
    assert decoded["sampling_rate"] == 22050
    assert decoded["array"].dtype == np.float32 and decoded["array"].shape == (500,)
    np.testing.assert_allclose(decoded["array"], expected, rtol=0, atol=1e-6)


def test_decode_from_path_and_errors(tmp_path, wav_bytes) -> None:
    path = tmp_path / "tone.wav"
    samples = np.array([[0, 100], [200, -200]])
    path.write_bytes(wav_bytes(samples, 8000, 2))
    decoded = Audio().decode_example({"bytes": None, "path": str(path)})
    np.testing.assert_allclose(decoded["array"], [50 / 32768, 0.0], atol=1e-7)
    assert Audio().decode_example(str(path))["sampling_rate"] == 8000
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        Audio().decode_example({"bytes": None, "path": str(tmp_path / "missing.wav")})
    with pytest.raises(ValueError, match="one of 'path' or 'bytes'"):
        Audio().decode_example({"bytes": None, "path": None})
    with pytest.raises(RuntimeError, match="Decoding is disabled"):
        Audio(decode=False).decode_example({"bytes": b"RIFF", "path": None})


@pytest.mark.skipif(importlib.util.find_spec("soundfile") is not None, reason="soundfile is installed")
@pytest.mark.parametrize(
    ("data", "path", "fmt"),
    [
        (b"fLaC\x00\x00\x00\x22", None, "FLAC"),
        (b"OggS\x00\x02", "x.ogg", "OGG"),
        (b"\x00\x01\x02", "song.mp3", "MP3"),
    ],
)
def test_compressed_formats_need_soundfile(data: bytes, path: str | None, fmt: str) -> None:
    with pytest.raises(AudioDecodeError, match=rf"Cannot decode {fmt} audio.*pip install soundfile"):
        Audio().decode_example({"bytes": data, "path": path})


@pytest.mark.skipif(importlib.util.find_spec("soundfile") is not None, reason="soundfile is installed")
def test_float_wav_is_reported_not_misread() -> None:
    import struct

    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + 8, b"WAVE", b"fmt ", 16, 3, 1, 8000, 32000, 4, 32, b"data", 8
    )
    data = header + np.array([0.5, -0.5], dtype="<f4").tobytes()
    with pytest.raises(AudioDecodeError, match="Cannot decode WAV audio.*soundfile"):
        Audio().decode_example({"bytes": data, "path": None})


def test_decode_false_keeps_the_stored_dict(wav_bytes) -> None:
    features = Features({"audio": Audio(decode=False)})
    value = {"bytes": wav_bytes(np.zeros((4, 1)), 8000, 2), "path": "x.wav"}
    assert features.decode_example({"audio": value}) == {"audio": value}
    assert features.decode_batch({"audio": [value]})["audio"][0] is value


def _sine(freq: float, rate: int, seconds: float) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


@pytest.mark.parametrize(
    ("orig", "target"), [(16000, 8000), (44100, 16000), (8000, 22050), (48000, 44100), (44100, 16001)]
)
def test_resample_matches_the_analytic_signal(orig: int, target: int) -> None:
    signal = _sine(440.0, orig, 0.5)
    out = resample(signal, orig, target)
    assert out.dtype == np.float32
    assert len(out) == math.ceil(len(signal) * target / orig)
    expected = _sine(440.0, target, 1.0)[: len(out)]
    middle = slice(200, len(out) - 200)  # away from the zero-padded edges
    np.testing.assert_allclose(out[middle], expected[middle], atol=2e-3)


def test_resample_removes_frequencies_above_the_new_nyquist() -> None:
    above = resample(_sine(6000.0, 16000, 0.5), 16000, 8000)  # would alias to 2 kHz at full amplitude
    assert np.sqrt(np.mean(above[200:-200] ** 2)) < 0.01


def test_decode_resamples_to_the_feature_rate(wav_bytes) -> None:
    tone = np.round(_sine(300.0, 16000, 0.25) * 20000).astype(np.int64)[:, None]
    decoded = Audio(sampling_rate=8000).decode_example({"bytes": wav_bytes(tone, 16000, 2), "path": None})
    assert decoded["sampling_rate"] == 8000
    np.testing.assert_allclose(
        decoded["array"][100:-100], (_sine(300.0, 8000, 0.25) * 20000 / 32768)[100:-100], atol=2e-3
    )


def test_encode_inputs(tmp_path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    assert Audio().encode_example(str(path)) == {"bytes": None, "path": str(path)}
    assert Audio().encode_example(b"xyz") == {"bytes": b"xyz", "path": None}
    assert Audio().encode_example({"path": str(path), "bytes": b"dup"}) == {"bytes": None, "path": str(path)}
    assert Audio().encode_example({"path": "remote.wav", "bytes": b"b"}) == {
        "bytes": b"b",
        "path": "remote.wav",
    }
    with pytest.raises(ValueError, match="value must be provided"):
        Audio().encode_example(None)
    with pytest.raises(TypeError, match="Cannot encode a int as Audio"):
        Audio().encode_example(5)


def test_encode_array_round_trips_at_16_bit_precision() -> None:
    stereo = np.stack([_sine(200.0, 8000, 0.1), -_sine(200.0, 8000, 0.1) * 0.5]).astype(np.float32)
    encoded = Audio().encode_example({"array": stereo, "sampling_rate": 8000})
    assert encoded["path"] is None and encoded["bytes"][:4] == b"RIFF"
    decoded = Audio().decode_example(encoded)
    assert decoded["sampling_rate"] == 8000
    np.testing.assert_allclose(decoded["array"], stereo.mean(axis=0), atol=1 / 16000)
    with pytest.raises(ValueError, match="sampling_rate"):
        Audio().encode_example({"array": stereo})


def test_cast_storage_matches_datasets(wav_bytes) -> None:
    data = wav_bytes(np.zeros((3, 1)), 8000, 2)
    storages = [
        pa.array(["a.wav", None]),
        pa.array([data, None]),
        pa.array([data, None], pa.large_binary()),
        pa.array([{"path": "a.wav"}, None]),
        pa.array([{"bytes": data, "path": "p.wav"}, {"bytes": None, "path": None}]),
    ]
    for storage in storages:
        ours = Audio().cast_storage(storage)
        assert ours.type == Audio.pa_type
        assert ours.equals(datasets.Audio().cast_storage(storage)), storage.type
    arrays = pa.array([{"array": [0.0, 0.5], "sampling_rate": 8000}, None])
    cast = Audio().cast_storage(arrays).to_pylist()
    assert cast[1] is None
    np.testing.assert_allclose(Audio().decode_example(cast[0])["array"], [0.0, 0.5], atol=1e-4)
