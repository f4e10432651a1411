"""Decode encoded images to uint8 CHW tensors: TorchCodec for JPEG/PNG/WEBP/GIF, PIL for everything else.

Every route gives the same contract: EXIF orientation applied, channels converted to ``mode`` ("RGB",
"L", "RGBA", "LA"; None keeps the native L/LA/RGB/RGBA channels, palette and CMYK become RGB), 16-bit PNG
reduced to 8 bits, only the first frame of an animation. The header is read first (:mod:`.probe`) so that
images over a pixel limit are refused before any pixel memory is allocated, and so that a JPEG whose consumer
needs at most half its size is decoded at reduced scale (:mod:`.reduced`). Failures raise
:class:`~crucible_torch.errors.ImageDecodeError` naming the row/column (``where``), the sniffed format and
the decoder's reason.

TorchCodec is PyTorch's codec library (torchvision 0.29 deprecates its own image decoders in its favour): the
same libjpeg-turbo/libpng/libwebp/giflib decoders, CHW uint8 tensors, no FFmpeg needed for images, and
nvJPEG batches on CUDA (:func:`decode_jpegs_on_device`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from PIL import Image
from torchcodec import decoders

from crucible_torch.errors import ImageDecodeError
from crucible_torch.transforms.functional import apply_orientation, check_mode, convert_mode, pil_to_chw
from crucible_torch.transforms.probe import ImageInfo, decode_error, probe_bytes, read_bytes
from crucible_torch.transforms.reduced import decode_jpeg_reduced, jpeg_draft_scale

MAX_IMAGE_PIXELS = 178_956_970
"""Default pixel limit (width x height) of the decompression-bomb guard: PIL's own hard limit."""

SizeHint = tuple[int, int] | Callable[[int, int], "tuple[int, int] | None"]
"""The ``(height, width)`` a caller needs at least, or a function of the source size giving it."""

_DECODERS = {
    "JPEG": decoders.decode_jpeg,
    "PNG": decoders.decode_png,
    "WEBP": decoders.decode_webp,
    "GIF": decoders.decode_gif,
}
_EXIF_IN_DECODER = frozenset({"JPEG", "PNG", "WEBP"})  # TorchCodec applies their EXIF orientation itself
_GREY_MODES = frozenset({"L", "LA", "I;16"})  # PNG colour types read as grey
_CODEC_LOCATION = re.compile(r"^(\w+, )?\S+\.(cpp|h):\d+,? ")  # "decode_jpeg, /path/ImageDecoder.cpp:171, ..."


def decode_image(
    data: bytes | str | os.PathLike,
    *,
    mode: str | None = None,
    max_size_hint: SizeHint | None = None,
    where: str | None = None,
    max_pixels: int | None = MAX_IMAGE_PIXELS,
) -> torch.Tensor:
    """Decode image bytes or an image file to a uint8 ``[C, H, W]`` tensor.

    ``mode``: "RGB", "L", "RGBA", "LA" or None (native channels; palette/CMYK -> RGB). ``max_size_hint``:
    ``(h, w)`` the output needs at least (or a function of the oriented source ``(h, w)`` returning it, such
    as a preset's ``decode_size_hint``); a JPEG is then decoded at 1/2, 1/4 or 1/8 scale when that still
    covers it, so the result can be smaller than the source. ``where`` (e.g. ``"row 17, column 'image'"``)
    prefixes error messages. ``max_pixels``: refuse larger images (None disables the guard).
    """
    check_mode(mode)
    raw, path = read_bytes(data)
    info = probe_bytes(raw, where, path)
    if max_pixels is not None and info.width * info.height > max_pixels:
        reason = (
            f"{info.width}x{info.height} = {info.width * info.height:,} pixels is over the limit of "
            f"{max_pixels:,} (decompression-bomb guard); pass a larger max_pixels if the image is trusted"
        )
        raise decode_error(reason, raw, where, path)
    hint = max_size_hint(*info.size) if callable(max_size_hint) else max_size_hint
    scale = jpeg_draft_scale(info.size, hint) if hint is not None and info.format == "JPEG" else 1
    first_error: Exception | None = None
    try:
        if scale > 1:
            return decode_jpeg_reduced(raw, scale, mode)
        if info.format in _DECODERS and not info.animated:
            return _decode_torchcodec(raw, info, mode)
    except MemoryError:
        raise
    except Exception as e:  # a decoder's failure on untrusted bytes: retry with PIL, report the first reason
        first_error = e
    try:
        with Image.open(io.BytesIO(raw)) as image:
            return pil_to_chw(image, mode)
    except MemoryError:
        raise
    except Exception as e:
        cause = first_error or e
        raise decode_error(_reason(cause), raw, where, path) from cause


def decode_image_value(
    value: Mapping[str, Any] | bytes | str | os.PathLike | Image.Image,
    *,
    mode: str | None = None,
    max_size_hint: SizeHint | None = None,
    where: str | None = None,
    max_pixels: int | None = MAX_IMAGE_PIXELS,
) -> torch.Tensor:
    """Decode a value of an ``Image`` feature column: the storage dict ``{"bytes", "path"}`` (bytes first,
    else the path), raw bytes, a path, or an already-decoded PIL image. Arguments as :func:`decode_image`.
    """
    if isinstance(value, Image.Image):
        return pil_to_chw(value, mode)
    if isinstance(value, Mapping):
        data = value.get("bytes")
        if data is None:
            data = value.get("path")
        if data is None:
            prefix = f"{where}: " if where else ""
            raise ImageDecodeError(
                f"{prefix}image value has neither 'bytes' nor 'path' (keys: {sorted(value)}); "
                "expected the Image feature's storage {'bytes': ..., 'path': ...}"
            )
        value = data
    return decode_image(value, mode=mode, max_size_hint=max_size_hint, where=where, max_pixels=max_pixels)


def _read_mode(info: ImageInfo, mode: str | None) -> str:
    """The TorchCodec read mode closest to ``mode``; :func:`convert_mode` finishes what it cannot do.

    Grey from a colour PNG/WEBP/GIF is read as RGB so that the luma is PIL's; JPEG grey is its Y plane.
    """
    if mode is None:
        if info.mode in ("P", "PA", "CMYK"):
            return "RGB"
        if info.format == "WEBP":  # UNCHANGED drops a WEBP's alpha
            return "RGB_ALPHA" if info.mode == "RGBA" else "RGB"
        return "UNCHANGED"
    grey = mode.startswith("L")
    # Alpha is only read from sources that have it: a palette PNG without transparency read as RGB_ALPHA gets
    # scrambled pixels from some decoders.
    alpha = mode.endswith("A") and info.mode.endswith("A")
    if grey and (info.format == "JPEG" or info.mode in _GREY_MODES):
        return "GRAY_ALPHA" if alpha else "GRAY"
    return "RGB_ALPHA" if alpha else "RGB"


def _decode_torchcodec(raw: bytes, info: ImageInfo, mode: str | None) -> torch.Tensor:
    encoded = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    image = _DECODERS[info.format](encoded, mode=_read_mode(info, mode), output_dtype="auto")
    if image.ndim == 4:  # GIF frames
        image = image[0]
    if image.dtype != torch.uint8:  # 16-bit PNG: keep the top byte, as PIL does
        image = (image.to(torch.int32) >> 8).to(torch.uint8)
    if info.format not in _EXIF_IN_DECODER and info.orientation != 1:
        image = apply_orientation(image, info.orientation)
    return convert_mode(image, mode)


def decode_jpegs_on_device(
    values: Sequence[bytes], device: str | torch.device, *, mode: str = "RGB"
) -> list[torch.Tensor]:
    """Decode a batch of JPEG bytes on ``device`` in one call (nvJPEG on CUDA), EXIF orientation applied.

    For consumers that decode on the GPU instead of in DataLoader workers. ``mode`` is "RGB" or "L"; the
    pixel limit and the other formats are the CPU path's (:func:`decode_image`).
    """
    if mode not in ("RGB", "L"):
        raise ValueError(f"device decoding reads mode 'RGB' or 'L', not {mode!r}")
    tensors = [torch.frombuffer(bytearray(v), dtype=torch.uint8) for v in values]
    return decoders.decode_jpeg(tensors, mode="RGB" if mode == "RGB" else "GRAY", device=device)


def _reason(error: Exception) -> str:
    """The first line of a decoder's message, without the C++ source location."""
    text = str(error).strip()
    return _CODEC_LOCATION.sub("", text.splitlines()[0]) if text else type(error).__name__
