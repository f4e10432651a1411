"""`Audio`: audio files stored as ``struct<bytes, path>``, decoded to a mono float32 array.

PCM WAV decodes with the standard library; FLAC, MP3, OGG and non-PCM WAV need the optional `soundfile`
package. The decoded value is ``{"path", "array", "sampling_rate"}``, which answers ``["array"]`` and
``["sampling_rate"]`` like the decoder object of `datasets` >= 4 (whose ``"array"`` is also averaged to mono).
"""

from __future__ import annotations

import importlib.util
import os
import wave
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from ..errors import CrucibleError
from .file_storage import FILE_STORAGE_TYPE, cast_file_storage, encode_file_reference
from .resample import resample
from .wav import is_wav, read_wav, write_wav


class AudioDecodeError(CrucibleError, ValueError):
    """Audio bytes could not be decoded, or their format needs a package that is not installed."""


_MAGIC = (
    (b"fLaC", "FLAC"),
    (b"OggS", "OGG"),
    (b"ID3", "MP3"),
    (b"\xff\xfb", "MP3"),
    (b"\xff\xf3", "MP3"),
    (b"\xff\xf2", "MP3"),
)


@dataclass
class Audio:
    """An audio clip; decodes to ``{"path", "array", "sampling_rate"}``.

    ``sampling_rate``: resample to this rate when decoding (numpy windowed-sinc, see
    :mod:`crucible_torch.features.resample`); None keeps the file's rate. ``decode=False`` keeps the stored
    ``{"bytes", "path"}`` dict. ``num_channels`` and ``stream_index`` are carried in the metadata for
    `datasets` compatibility; the decoded array is always the mono average of the channels.
    """

    sampling_rate: int | None = None
    decode: bool = True
    num_channels: int | None = None
    stream_index: int | None = None
    id: str | None = field(default=None, repr=False)
    dtype: ClassVar[str] = "dict"
    pa_type: ClassVar[pa.DataType] = FILE_STORAGE_TYPE
    _type: ClassVar[str] = "Audio"

    def encode_example(self, value: Any) -> dict[str, Any]:
        """Encode a path, bytes, a ``{"bytes", "path"}`` dict, or ``{"array", "sampling_rate"}`` as WAV."""
        if value is None:
            raise ValueError("value must be provided")
        if isinstance(value, dict) and "array" in value:
            if value.get("sampling_rate") is None:
                raise ValueError("An audio sample given as an array needs its 'sampling_rate'")
            return {"bytes": write_wav(value["array"], value["sampling_rate"]), "path": None}
        encoded = encode_file_reference(value, "audio")
        if encoded is None:
            raise TypeError(
                f"Cannot encode a {type(value).__name__} as Audio: expected a path, bytes, a dict with "
                "'bytes' and/or 'path', or a dict with 'array' and 'sampling_rate'"
            )
        return encoded

    def decode_example(self, value: dict[str, Any] | str) -> dict[str, Any]:
        """Decode to a mono float32 array at ``sampling_rate`` (or the file's rate).

        A value that is neither a dict nor a path (already decoded) is returned as is.
        """
        if not self.decode:
            raise RuntimeError("Decoding is disabled for this feature. Please use Audio(decode=True) instead.")
        if isinstance(value, str):
            value = {"path": value, "bytes": None}
        if not isinstance(value, dict) or "array" in value:
            return value
        path, data = value.get("path"), value.get("bytes")
        if data is None:
            if path is None:
                raise ValueError(f"An audio sample should have one of 'path' or 'bytes' but both are None in {value}.")
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"Audio file {path!r} not found; remote paths (hf://, https://) must be downloaded before decoding"
                )
            with open(path, "rb") as f:
                data = f.read()
        frames, rate = decode_audio_bytes(data, path)
        mono = frames.mean(axis=1, dtype=np.float64) if frames.shape[1] > 1 else frames[:, 0]
        if self.sampling_rate and self.sampling_rate != rate:
            mono, rate = resample(mono, rate, self.sampling_rate), self.sampling_rate
        return {"path": path, "array": np.asarray(mono, dtype=np.float32), "sampling_rate": rate}

    def flatten(self) -> Audio | dict[str, Any]:
        """Itself while decoding, else its storage fields (``bytes``, ``path``) as `Value` features."""
        from .value import Value

        return self if self.decode else {"bytes": Value("binary"), "path": Value("string")}

    def cast_storage(self, storage: pa.Array) -> pa.StructArray:
        """Cast paths, bytes, partial ``{bytes, path}`` structs or ``{array, sampling_rate}`` structs."""
        if pa.types.is_struct(storage.type) and storage.type.get_field_index("array") >= 0:
            storage = pa.array(
                [None if item is None else self.encode_example(item) for item in storage.to_pylist()],
                FILE_STORAGE_TYPE,
            )
        return cast_file_storage(storage, "audio")


def sniff_audio_format(data: bytes, path: str | None) -> str:
    """Name the container from magic bytes, else from the path's extension (``"WAV"``, ``"FLAC"``, ...)."""
    if is_wav(data):
        return "WAV"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    ext = os.path.splitext(path or "")[1].lstrip(".").upper()
    return ext or "unknown"


def decode_audio_bytes(data: bytes, path: str | None = None) -> tuple[np.ndarray, int]:
    """Decode audio bytes to float32 ``(frames, channels)`` and the sample rate.

    PCM WAV uses `wave`; other formats use `soundfile` when it is installed, else raise `AudioDecodeError`.
    """
    fmt = sniff_audio_format(data, path)
    where = repr(path) if path else f"from {len(data)} bytes"
    reason = ""
    if fmt == "WAV":
        try:
            return read_wav(data)
        except (wave.Error, EOFError, ValueError) as err:
            reason = f" ({err})"
    if importlib.util.find_spec("soundfile") is None:
        raise AudioDecodeError(
            f"Cannot decode {fmt} audio {where}{reason}: only PCM WAV is decoded without the optional "
            "'soundfile' package; install it with `pip install soundfile`"
        )
    import soundfile

    try:
        frames, rate = soundfile.read(BytesIO(data), dtype="float32", always_2d=True)
    except Exception as err:  # soundfile raises its own LibsndfileError and RuntimeError types
        raise AudioDecodeError(f"Cannot decode {fmt} audio {where}: {err}") from err
    return frames, int(rate)
