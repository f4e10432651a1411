"""`Image`: image files stored as ``struct<bytes, path>``, decoded to PIL images.

Decoding here uses PIL (exact `datasets` behaviour: ``load()``, EXIF transpose, mode conversion). The fast
torchvision decode to tensors belongs to ``crucible_torch.transforms``.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa

from ..errors import ImageDecodeError
from .file_storage import FILE_STORAGE_TYPE, cast_file_storage, encode_file_reference

if TYPE_CHECKING:
    import PIL.Image

# The dtypes PIL.Image.fromarray keeps exactly (Pillow's list minus int8, whose values it does not preserve).
_PIL_ARRAY_DTYPES = frozenset(
    np.dtype(code)
    for code in (
        "|b1",
        "|u1",
        "<u2",
        ">u2",
        "<i2",
        ">i2",
        "<u4",
        ">u4",
        "<i4",
        ">i4",
        "<f4",
        ">f4",
        "<f8",
        ">f8",
    )
)
_PNG_MODES = ("1", "L", "LA", "RGB", "RGBA")


def is_pil_image(value: Any) -> bool:
    """Whether ``value`` is a PIL image, without importing PIL when nothing has loaded it yet."""
    if "PIL.Image" not in sys.modules:
        return False
    import PIL.Image

    return isinstance(value, PIL.Image.Image)


@dataclass
class Image:
    """An image; decodes to a loaded ``PIL.Image.Image``, converted to ``mode`` when set.

    ``decode=False`` keeps the stored ``{"bytes", "path"}`` dict. Images larger than PIL's decompression-bomb
    limit (``2 * PIL.Image.MAX_IMAGE_PIXELS``) are refused with an `ImageDecodeError`.
    """

    mode: str | None = None
    decode: bool = True
    id: str | None = field(default=None, repr=False)
    dtype: ClassVar[str] = "PIL.Image.Image"
    pa_type: ClassVar[pa.DataType] = FILE_STORAGE_TYPE
    _type: ClassVar[str] = "Image"

    def encode_example(self, value: Any) -> dict[str, Any]:
        """Encode a path, bytes, a ``{"bytes", "path"}`` dict, a PIL image, or pixels (numpy array, lists)."""
        import PIL.Image

        if isinstance(value, list):
            value = np.array(value)
        encoded = encode_file_reference(value, "image")
        if encoded is not None:
            return encoded
        if isinstance(value, np.ndarray):
            return encode_np_array(value)
        if isinstance(value, PIL.Image.Image):
            return encode_pil_image(value)
        raise TypeError(
            f"Cannot encode a {type(value).__name__} as an Image: expected a path, bytes, a dict with "
            "'bytes' and/or 'path', a PIL image or a numpy array"
        )

    def decode_example(self, value: dict[str, Any] | str) -> PIL.Image.Image:
        """Open, fully load and EXIF-transpose the image; convert it to ``mode`` when set.

        A value that is already decoded (not a dict or path) is returned as is.
        """
        if not self.decode:
            raise RuntimeError("Decoding is disabled for this feature. Please use Image(decode=True) instead.")
        if isinstance(value, str):
            value = {"path": value, "bytes": None}
        if not isinstance(value, dict):
            return value
        image = open_image(value.get("bytes"), value.get("path"))
        if self.mode and self.mode != image.mode:
            image = image.convert(self.mode)
        return image

    def flatten(self) -> Image | dict[str, Any]:
        """Itself while decoding, else its storage fields (``bytes``, ``path``) as `Value` features."""
        from .value import Value

        return self if self.decode else {"bytes": Value("binary"), "path": Value("string")}

    def cast_storage(self, storage: pa.Array) -> pa.StructArray:
        """Cast paths, bytes, partial ``{bytes, path}`` structs or lists of pixels to the image storage."""
        types = pa.types
        if types.is_list(storage.type) or types.is_large_list(storage.type) or types.is_fixed_size_list(storage.type):
            storage = pa.array(
                [
                    None if pixels is None else encode_np_array(np.array(pixels))["bytes"]
                    for pixels in storage.to_pylist()
                ],
                pa.binary(),
            )
        return cast_file_storage(storage, "image")


def open_image(data: bytes | None, path: str | None) -> PIL.Image.Image:
    """Open an image from bytes (preferred) or a local path, ``load()`` it and apply its EXIF orientation.

    Raises `ImageDecodeError` for undecodable data or a decompression bomb, ``FileNotFoundError`` for a
    missing file.
    """
    import PIL.Image
    import PIL.ImageOps

    where = repr(path) if path else "from bytes"
    if data is None and path is None:
        raise ValueError("An image should have one of 'path' or 'bytes' but both are None.")
    try:
        image = PIL.Image.open(BytesIO(data)) if data is not None else PIL.Image.open(path)
        image.load()  # reads the pixels now and closes the file: no "Too many open files"
        if image.getexif().get(PIL.Image.ExifTags.Base.Orientation) is not None:
            image = PIL.ImageOps.exif_transpose(image)
    except PIL.Image.DecompressionBombError as err:
        raise ImageDecodeError(
            f"Refused to decode image {where}: {err} Raise PIL.Image.MAX_IMAGE_PIXELS (or set it to None) "
            "if the image is trusted."
        ) from err
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f"Image file {path!r} not found; remote paths (hf://, https://) must be downloaded before decoding"
        ) from err
    except (OSError, SyntaxError, ValueError) as err:  # UnidentifiedImageError is an OSError
        size = f" ({len(data)} bytes)" if data is not None else ""
        raise ImageDecodeError(f"Cannot decode image {where}{size}: {err}") from err
    return image


def image_to_bytes(image: PIL.Image.Image) -> bytes:
    """Serialise in the image's own format when PIL can write it, else PNG (modes 1/L/LA/RGB/RGBA) or TIFF."""
    import PIL.Image

    PIL.Image.init()
    if image.format and image.format in PIL.Image.OPEN and image.format in PIL.Image.SAVE:
        fmt = image.format
    else:
        fmt = "PNG" if image.mode in _PNG_MODES else "TIFF"
    buffer = BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def encode_pil_image(image: PIL.Image.Image) -> dict[str, Any]:
    """A PIL image opened from a file is stored by path; any other is serialised to bytes."""
    filename = getattr(image, "filename", "")
    if filename:
        return {"path": filename, "bytes": None}
    return {"path": None, "bytes": image_to_bytes(image)}


def encode_np_array(array: np.ndarray) -> dict[str, Any]:
    """Serialise a pixel array (HxW or HxWxC) to PNG/TIFF bytes, downcasting to a dtype PIL keeps exactly.

    Multi-channel arrays must be integers and become uint8; single-channel arrays keep their kind and are
    narrowed (with a warning) until PIL supports the dtype. Anything else raises ``TypeError``.
    """
    import PIL.Image

    dtype = array.dtype
    if array.ndim > 2:
        if dtype.kind not in ("u", "i"):
            raise TypeError(
                f"Unsupported array dtype {dtype} for image encoding. Only uint8 is supported for multi-channel arrays."
            )
        target = np.dtype("|u1")
    elif dtype in _PIL_ARRAY_DTYPES:
        target = dtype
    else:
        target = _narrow_dtype(dtype)
    if target != dtype:
        warnings.warn(f"Downcasting array dtype {dtype} to {target} to be compatible with 'Pillow'", stacklevel=3)
    image = PIL.Image.fromarray(array.astype(target))
    return {"path": None, "bytes": image_to_bytes(image)}


def _narrow_dtype(dtype: np.dtype) -> np.dtype:
    order = dtype.byteorder if dtype.byteorder not in ("=", "|") else ("<" if np.little_endian else ">")
    size = dtype.itemsize
    while size >= 1:
        try:
            candidate = np.dtype(f"{order}{dtype.kind}{size}")
        except TypeError:  # e.g. no 1-byte float
            candidate = None
        if candidate in _PIL_ARRAY_DTYPES:
            return candidate
        size //= 2
    raise TypeError(
        f"Cannot downcast dtype {dtype} to a valid image dtype. Valid image dtypes: "
        f"{sorted(str(d) for d in _PIL_ARRAY_DTYPES)}"
    )
