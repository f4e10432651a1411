"""Image format sniffing and header reading without decoding pixels.

The decoder needs an image's size before it decodes (the decompression-bomb guard, choosing a reduced JPEG
scale) and a few header facts that pick the decode route (CMYK JPEG, palette PNG, WEBP alpha or EXIF,
animated GIF/WEBP). JPEG, PNG, GIF and WEBP headers are parsed here in a few microseconds; any other format,
or a header this parser does not understand, is probed with ``PIL.Image.open``, which also reads only the
header.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass

from PIL import Image

from crucible_torch.errors import ImageDecodeError

# Magic bytes -> format name, checked in order (longest-prefix formats first where prefixes overlap).
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"BM", "BMP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG2000"),
    (0, b"8BPS", "PSD"),
    (0, b"qoif", "QOI"),
)
_FTYP_BRANDS = {b"avif": "AVIF", b"avis": "AVIF", b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF"}
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}
_PNG_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class ImageInfo:
    """What an image header says: format, stored width and height, native mode, EXIF orientation.

    ``mode`` uses PIL's names (``"L"``, ``"RGB"``, ``"RGBA"``, ``"LA"``, ``"P"``, ``"CMYK"``, ...);
    ``orientation`` is the EXIF Orientation tag (1-8, 1 when absent); ``animated`` is true for GIF/WEBP with
    more than one frame.
    """

    format: str
    width: int
    height: int
    mode: str
    orientation: int = 1
    animated: bool = False

    @property
    def size(self) -> tuple[int, int]:
        """``(height, width)`` of the decoded image, after its EXIF orientation is applied."""
        if self.orientation >= 5:
            return self.width, self.height
        return self.height, self.width


def sniff_format(data: bytes) -> str | None:
    """Name the image format from its magic bytes (``"JPEG"``, ``"PNG"``, ``"WEBP"``, ...), or None."""
    for offset, magic, name in _MAGIC:
        if data.startswith(magic, offset):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(data[8:12])
    return None


def describe_format(data: bytes) -> str:
    """A short phrase naming the sniffed format, or the leading bytes when it is not recognised."""
    name = sniff_format(data)
    if name is not None:
        return name
    return f"unrecognised format, starts with {data[:8]!r}" if data else "empty input"


def read_bytes(data: bytes | bytearray | memoryview | str | os.PathLike) -> tuple[bytes, str | None]:
    """Return ``(encoded bytes, path or None)`` for in-memory bytes or a file path."""
    if isinstance(data, bytes):
        return data, None
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data), None
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        with open(path, "rb") as f:
            return f.read(), path
    raise TypeError(f"expected image bytes or a file path, got {type(data).__name__}")


def decode_error(reason: str, raw: bytes, where: str | None, path: str | None = None) -> ImageDecodeError:
    """Build the ImageDecodeError raised for ``raw``: where it came from, its sniffed format and size, why."""
    source = f", file {path}" if path else ""
    text = f"cannot decode image ({describe_format(raw)}, {len(raw)} bytes{source}): {reason}"
    return ImageDecodeError(f"{where}: {text}" if where else text)


def probe_image(data: bytes | str | os.PathLike, *, where: str | None = None) -> ImageInfo:
    """Read an image's header (format, size, mode, orientation) without decoding its pixels.

    ``where`` (e.g. ``"row 17, column 'image'"``) is put in front of the error raised for unreadable input.
    """
    raw, path = read_bytes(data)
    return probe_bytes(raw, where, path)


def probe_bytes(raw: bytes, where: str | None = None, path: str | None = None) -> ImageInfo:
    """:func:`probe_image` for bytes already read (``path``, when they came from a file, goes in errors)."""
    if not raw:
        raise decode_error("the image is empty (0 bytes)", raw, where, path)
    info = _parse_header(raw)
    return info if info is not None else _probe_with_pil(raw, where, path)


def _parse_header(raw: bytes) -> ImageInfo | None:
    """Parse JPEG/PNG/GIF/WEBP headers; None for other formats or a header this parser cannot follow."""
    parser = _PARSERS.get(sniff_format(raw) or "")
    if parser is None:
        return None
    try:
        return parser(raw)
    except (struct.error, IndexError, ValueError):
        return None


def _probe_with_pil(raw: bytes, where: str | None, path: str | None) -> ImageInfo:
    try:
        with Image.open(io.BytesIO(raw)) as im:
            orientation = im.getexif().get(ORIENTATION_TAG, 1)
            return ImageInfo(
                format=im.format or describe_format(raw),
                width=im.width,
                height=im.height,
                mode=im.mode,
                orientation=orientation if orientation in range(1, 9) else 1,
                animated=getattr(im, "n_frames", 1) > 1,
            )
    except Image.DecompressionBombError as e:
        raise decode_error(f"{e} (decompression-bomb guard)", raw, where, path) from e
    except Exception as e:  # PIL raises many types on bad headers; all mean "not a readable image"
        reason = "not a recognised image format" if isinstance(e, Image.UnidentifiedImageError) else str(e)
        raise decode_error(reason, raw, where, path) from e


def _parse_jpeg(raw: bytes) -> ImageInfo | None:
    pos, orientation = 2, 1
    while pos + 4 <= len(raw):
        if raw[pos] != 0xFF:
            return None
        marker = raw[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", raw, pos + 2)
        segment = raw[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            orientation = exif_orientation(segment[6:])
        elif marker in _SOF_MARKERS:
            height, width, components = struct.unpack_from(">HHB", segment, 1)
            if height == 0 or width == 0 or components not in _JPEG_MODES:
                return None  # height defined later by a DNL marker, or an unusual colour layout
            return ImageInfo("JPEG", width, height, _JPEG_MODES[components], orientation)
        elif marker == 0xDA:  # start of scan before any frame header
            return None
        pos += 2 + length
    return None


def _parse_png(raw: bytes) -> ImageInfo | None:
    width, height, bit_depth, color_type = struct.unpack_from(">IIBB", raw, 16)
    if raw[12:16] != b"IHDR" or color_type not in _PNG_MODES:
        return None
    mode, orientation, pos = _PNG_MODES[color_type], 1, 8
    while pos + 8 <= len(raw):  # ancillary chunks before the image data: eXIf and tRNS
        length, kind = struct.unpack_from(">I4s", raw, pos)
        if kind == b"IDAT":
            break
        if kind == b"eXIf":
            orientation = exif_orientation(raw[pos + 8 : pos + 8 + length])
        elif kind == b"tRNS" and mode in ("L", "RGB", "P"):
            mode += "A"  # transparency: "PA" is a palette with a transparent entry
        pos += 12 + length
    if bit_depth == 16:
        mode = "I;16" if mode == "L" else mode
    return ImageInfo("PNG", width, height, mode, orientation)


def _parse_gif(raw: bytes) -> ImageInfo:
    width, height, flags = struct.unpack_from("<HHB", raw, 6)
    return ImageInfo("GIF", width, height, "P", animated=_gif_frames(raw, flags, stop=2) > 1)


def _gif_frames(raw: bytes, screen_flags: int, stop: int) -> int:
    """Count image descriptors (frames) in a GIF, stopping once ``stop`` are seen."""
    pos = 13 + (3 << ((screen_flags & 7) + 1) if screen_flags & 0x80 else 0)
    frames = 0
    while pos < len(raw) and frames < stop:
        block = raw[pos]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            pos += 2
        elif block == 0x2C:  # image descriptor, optional local colour table, LZW code size, sub-blocks
            frames += 1
            flags = raw[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        else:
            raise ValueError("bad GIF block")
        while raw[pos]:  # data sub-blocks, each prefixed by its length, ended by a zero length
            pos += raw[pos] + 1
        pos += 1
    return frames


def _parse_webp(raw: bytes) -> ImageInfo | None:
    kind = raw[12:16]
    if kind == b"VP8 ":
        if raw[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack_from("<HH", raw, 26)
        return ImageInfo("WEBP", width & 0x3FFF, height & 0x3FFF, "RGB")
    if kind == b"VP8L":
        (bits,) = struct.unpack_from("<I", raw, 21)
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return ImageInfo("WEBP", width, height, "RGBA" if bits >> 28 & 1 else "RGB")
    if kind == b"VP8X":
        flags = raw[20]
        width = int.from_bytes(raw[24:27], "little") + 1
        height = int.from_bytes(raw[27:30], "little") + 1
        orientation = _webp_exif_orientation(raw) if flags & 0x08 else 1
        mode = "RGBA" if flags & 0x10 else "RGB"
        return ImageInfo("WEBP", width, height, mode, orientation, animated=bool(flags & 0x02))
    return None


def _webp_exif_orientation(raw: bytes) -> int:
    pos = 12
    while pos + 8 <= len(raw):
        kind, length = struct.unpack_from("<4sI", raw, pos)
        if kind == b"EXIF":
            payload = raw[pos + 8 : pos + 8 + length]
            return exif_orientation(payload[6:] if payload.startswith(b"Exif\x00\x00") else payload)
        pos += 8 + length + (length & 1)
    return 1


def exif_orientation(tiff: bytes) -> int:
    """The Orientation tag (1-8) of a TIFF-structured EXIF block; 1 when absent or malformed."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        (ifd,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
            tag, kind = struct.unpack_from(order + "HH", tiff, entry)
            if tag == ORIENTATION_TAG and kind == 3:  # SHORT, stored in the entry's value field
                (value,) = struct.unpack_from(order + "H", tiff, entry + 8)
                return value if 1 <= value <= 8 else 1
    except (KeyError, struct.error):
        pass
    return 1


_PARSERS = {"JPEG": _parse_jpeg, "PNG": _parse_png, "GIF": _parse_gif, "WEBP": _parse_webp}
