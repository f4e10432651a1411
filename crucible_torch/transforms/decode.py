"""Decode encoded images to uint8 CHW tensors: torchvision for JPEG/PNG/WEBP/GIF, PIL for everything else.

Every route gives the same contract: EXIF orientation applied, channels converted to ``mode`` ("RGB",
"L", "RGBA", "LA"; None keeps the native L/LA/RGB/RGBA channels, palette and CMYK become RGB), 16-bit PNG
reduced to 8 bits, only the first frame of an animation. The header is read first (:mod:`.probe`) so that
images over a pixel limit are refused before any pixel memory is allocated, and so that a JPEG whose consumer
needs at most half its size is decoded at reduced scale (:mod:`.reduced`). Failures raise
:class:`~crucible_torch.errors.ImageDecodeError` naming the row/column (``where``), the sniffed format and
the decoder's reason.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
from PIL import Image
from torchvision import io as tv_io

from crucible_torch.errors import ImageDecodeError
from crucible_torch.transforms.functional import apply_orientation, check_mode, convert_mode, pil_to_chw
from crucible_torch.transforms.probe import ImageInfo, decode_error, probe_bytes, read_bytes
from crucible_torch.transforms.reduced import decode_jpeg_reduced, jpeg_draft_scale

# torchvision 0.29 marks its image codecs deprecated in favour of TorchCodec and warns on every call; the
# warning is for us, not for our users, so it is silenced for exactly that message and module.
warnings.filterwarnings(
    "ignore",
    message="The image decoding and encoding capabilities of TorchVision are deprecated",
    category=DeprecationWarning,
    module=r"torchvision\.io\.image",
)

MAX_IMAGE_PIXELS = 178_956_970
"""Default pixel limit (width x height) of the decompression-bomb guard: PIL's own hard limit."""

SizeHint = tuple[int, int] | Callable[[int, int], "tuple[int, int] | None"]
"""The ``(height, width)`` a caller needs at least, or a function of the source size giving it."""

_TORCHVISION_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
_GREY_MODES = frozenset({"L", "LA", "I;16"})  # PNG colour types read as grey
_Mode = tv_io.ImageReadMode
_TORCHVISION_LOCATION = re.compile(r"^\w+, \S+:\d+, ")  # "decode_jpeg, /path/decode_jpeg.cpp:171, ..."


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
        if info.format in _TORCHVISION_FORMATS and not info.animated:
            return _decode_torchvision(raw, info, mode)
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


def _read_mode(info: ImageInfo, mode: str | None) -> tv_io.ImageReadMode:
    """The torchvision read mode closest to ``mode``; :func:`convert_mode` finishes what it cannot do.

    Grey from a colour PNG/WEBP/GIF is read as RGB so that the luma is PIL's; JPEG grey is its Y plane.
    """
    if mode is None:
        if info.mode in ("P", "PA", "CMYK"):
            return _Mode.RGB
        if info.format == "WEBP":  # UNCHANGED drops a WEBP's alpha
            return _Mode.RGB_ALPHA if info.mode == "RGBA" else _Mode.RGB
        return _Mode.UNCHANGED
    grey = mode.startswith("L")
    # Alpha is only read from sources that have it: torchvision 0.29 returns scrambled pixels for
    # RGB_ALPHA/GRAY_ALPHA on a palette PNG without transparency.
    alpha = mode.endswith("A") and info.mode.endswith("A")
    if grey and (info.format == "JPEG" or info.mode in _GREY_MODES):
        return _Mode.GRAY_ALPHA if alpha else _Mode.GRAY
    return _Mode.RGB_ALPHA if alpha else _Mode.RGB


def _decode_torchvision(raw: bytes, info: ImageInfo, mode: str | None) -> torch.Tensor:
    encoded = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    exif_in_decoder = info.format in ("JPEG", "PNG")
    image = tv_io.decode_image(encoded, mode=_read_mode(info, mode), apply_exif_orientation=exif_in_decoder)
    if image.ndim == 4:  # GIF frames
        image = image[0]
    if image.dtype != torch.uint8:  # 16-bit PNG
        image = (image.to(torch.int32) >> 8).to(torch.uint8)
    if not exif_in_decoder and info.orientation != 1:
        image = apply_orientation(image, info.orientation)
    return convert_mode(image, mode)


def _reason(error: Exception) -> str:
    """The first line of a decoder's message, without torchvision's C++ source location."""
    text = str(error).strip()
    return _TORCHVISION_LOCATION.sub("", text.splitlines()[0]) if text else type(error).__name__
