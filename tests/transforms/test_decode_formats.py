"""decode_image / decode_image_value across formats, modes and EXIF orientations, checked against PIL."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps
from synthetic_images import encode, natural_image

from crucible_torch.errors import ImageDecodeError
from crucible_torch.transforms import decode_image, decode_image_value, probe_image, sniff_format

pytestmark = [
    pytest.mark.filterwarnings("ignore:Palette images with Transparency"),  # from PIL, building references
]


def pil_reference(data: bytes, mode: str | None) -> torch.Tensor:
    """PIL's decode of ``data`` as `datasets` does it (first frame, exif_transpose), converted to ``mode``."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if mode is None:
        mode = image.mode if image.mode in ("L", "LA", "RGB", "RGBA") else "RGB"
    array = np.array(image.convert(mode))
    tensor = torch.from_numpy(array)
    return tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1)


def assert_close(actual: torch.Tensor, expected: torch.Tensor, max_diff: int = 0) -> None:
    assert actual.dtype == torch.uint8
    assert actual.shape == expected.shape
    assert (actual.int() - expected.int()).abs().max().item() <= max_diff


@pytest.fixture
def photo(rng) -> Image.Image:
    return natural_image(rng, 48, 72)


@pytest.fixture
def translucent(photo) -> Image.Image:
    """``photo`` with an alpha gradient, so encoders cannot drop the alpha channel as opaque."""
    image = photo.copy()
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    return image


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_matches_pil_exif_transpose(photo, fmt, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    kwargs = {"quality": 95} if fmt == "JPEG" else {"lossless": True} if fmt == "WEBP" else {}
    data = encode(photo, fmt, exif=exif, **kwargs)
    decoded = decode_image(data)
    assert_close(decoded, pil_reference(data, "RGB"))
    assert probe_image(data).orientation == orientation
    assert probe_image(data).size == tuple(decoded.shape[1:])
    if orientation >= 5:
        assert decoded.shape[1:] == (72, 48)


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "LA", None])
@pytest.mark.parametrize(
    ("fmt", "source_mode", "kwargs", "max_diff"),
    [
        ("PNG", "RGB", {}, 0),
        ("PNG", "RGBA", {}, 0),
        ("PNG", "L", {}, 0),
        ("PNG", "LA", {}, 0),
        ("PNG", "P", {}, 0),
        ("BMP", "RGB", {}, 0),
        ("TIFF", "RGB", {}, 0),
        ("TIFF", "CMYK", {}, 0),
        ("WEBP", "RGB", {"lossless": True}, 0),
        ("WEBP", "RGBA", {"lossless": True}, 0),
        ("GIF", "P", {}, 0),
        # libjpeg-turbo in torchvision and in PIL: same decoder, identical output
        ("JPEG", "RGB", {"quality": 90}, 0),
        ("JPEG", "L", {"quality": 90}, 0),
    ],
)
def test_modes_match_pil(translucent, fmt, source_mode, kwargs, max_diff, mode):
    data = encode(translucent.convert(source_mode), fmt, **kwargs)
    expected = pil_reference(data, mode)
    if fmt == "JPEG" and mode in ("L", "LA") and source_mode == "RGB":
        # grey from a colour JPEG is libjpeg's Y plane (PIL's draft("L") gives the same), not RGB -> luma
        with Image.open(io.BytesIO(data)) as image:
            image.draft("L", image.size)
            expected = torch.from_numpy(np.array(image.convert(mode)))
            expected = expected.unsqueeze(0) if expected.ndim == 2 else expected.permute(2, 0, 1)
    assert_close(decode_image(data, mode=mode), expected, max_diff)


def test_native_channels_when_mode_is_none(translucent):
    expectations = {
        ("PNG", "RGBA"): 4,  # alpha kept
        ("PNG", "LA"): 2,
        ("PNG", "L"): 1,
        ("PNG", "P"): 3,  # palette becomes RGB
        ("JPEG", "L"): 1,  # grayscale JPEG
        ("JPEG", "CMYK"): 3,  # CMYK becomes RGB
        ("WEBP", "RGBA"): 4,
        ("GIF", "P"): 3,
    }
    for (fmt, source_mode), channels in expectations.items():
        data = encode(translucent.convert(source_mode), fmt)
        assert decode_image(data).shape == (channels, 48, 72), (fmt, source_mode)


def test_png_alpha_is_kept_exactly(rng):
    rgba = rng.integers(0, 256, size=(20, 30, 4), dtype=np.uint8)
    data = encode(Image.fromarray(rgba, mode="RGBA"), "PNG")
    assert torch.equal(decode_image(data, mode="RGBA"), torch.from_numpy(rgba).permute(2, 0, 1))
    assert torch.equal(decode_image(data), torch.from_numpy(rgba).permute(2, 0, 1))


def test_palette_png_with_transparency(photo):
    data = encode(photo.convert("P"), "PNG", transparency=3)
    assert_close(decode_image(data, mode="RGBA"), pil_reference(data, "RGBA"))
    assert_close(decode_image(data), pil_reference(data, "RGB"))


def test_cmyk_jpeg_converts_like_pil(photo):
    data = encode(photo.convert("CMYK"), "JPEG", quality=95)
    assert_close(decode_image(data), pil_reference(data, "RGB"))


def test_gif_first_frame_of_animation(rng):
    frames = [natural_image(rng, 30, 40).convert("P") for _ in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    data = buffer.getvalue()
    assert probe_image(data).animated
    decoded = decode_image(data, mode="RGB")
    assert_close(decoded, pil_reference(data, "RGB"))
    second = frames[1].convert("RGB")
    assert not torch.equal(decoded, torch.from_numpy(np.array(second)).permute(2, 0, 1))


def test_single_frame_gif_with_transparency(photo):
    data = encode(photo.convert("P"), "GIF", transparency=0)
    assert not probe_image(data).animated
    assert_close(decode_image(data), pil_reference(data, "RGB"))


def test_lossy_webp_matches_pil(photo):
    data = encode(photo, "WEBP", quality=80)
    assert sniff_format(data) == "WEBP"
    assert_close(decode_image(data), pil_reference(data, "RGB"), max_diff=0)


def test_sixteen_bit_png_keeps_top_byte(rng):
    grey16 = rng.integers(0, 65536, size=(10, 12), dtype=np.uint16)
    data = encode(Image.fromarray(grey16), "PNG")
    assert torch.equal(decode_image(data), torch.from_numpy((grey16 >> 8).astype(np.uint8)).unsqueeze(0))


def test_path_and_storage_dict_inputs(tmp_path, photo):
    data = encode(photo, "PNG")
    path = tmp_path / "image.png"
    path.write_bytes(data)
    expected = pil_reference(data, "RGB")
    assert_close(decode_image(path), expected)
    assert_close(decode_image(str(path)), expected)
    assert_close(decode_image_value({"bytes": data, "path": "ignored-when-bytes.png"}), expected)
    assert_close(decode_image_value({"bytes": None, "path": str(path)}), expected)
    assert_close(decode_image_value(photo, mode="RGB"), expected)
    with pytest.raises(ImageDecodeError, match=r"row 3, column 'img': image value has neither 'bytes' nor 'path'"):
        decode_image_value({"bytes": None, "path": None}, where="row 3, column 'img'")


@pytest.mark.parametrize(
    ("make", "fmt_text", "reason"),
    [
        (lambda jpeg: jpeg[: len(jpeg) // 3], "JPEG", "truncated"),
        (
            lambda jpeg: jpeg[:2] + bytes(200),
            "unrecognised format, starts with b'\\xff\\xd8\\x00",
            "not a recognised",
        ),
        (
            lambda jpeg: b"<html>not found</html>",
            "unrecognised format, starts with b'<html>no'",
            "not a recognised",
        ),
        (lambda jpeg: b"\x89PNG\r\n\x1a\n" + bytes(40), "PNG", ""),
        (lambda jpeg: b"", "empty input", "empty"),
    ],
)
def test_undecodable_bytes_name_row_column_and_format(photo, make, fmt_text, reason):
    data = make(encode(photo, "JPEG"))
    with pytest.raises(ImageDecodeError) as info:
        decode_image(data, where="row 17, column 'image'")
    message = str(info.value)
    assert message.startswith("row 17, column 'image': cannot decode image (")
    assert fmt_text in message
    assert f"{len(data)} bytes" in message
    assert reason in message
    assert isinstance(info.value, ValueError)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        decode_image(tmp_path / "nope.jpg")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width x height`` followed by a tiny (wrong) IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"\x00" * 16)
    idat_chunk = struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + chunk + idat_chunk


def test_decompression_bomb_refused_before_decoding():
    data = png_header_only(100_000, 100_000)
    assert probe_image(data).size == (100_000, 100_000)
    with pytest.raises(ImageDecodeError, match=r"row 2: .*PNG.*100000x100000 = 10,000,000,000 pixels.*limit"):
        decode_image(data, where="row 2")


def test_pixel_limit_is_adjustable(photo):
    data = encode(photo, "BMP")
    with pytest.raises(ImageDecodeError, match="BMP.*72x48 = 3,456 pixels is over the limit of 1,000"):
        decode_image(data, max_pixels=1000)
    assert decode_image(data, max_pixels=None).shape == (3, 48, 72)


def test_invalid_mode_lists_valid_ones(photo):
    with pytest.raises(ValueError, match="'CMYK'.*RGB, L, RGBA, LA"):
        decode_image(encode(photo, "PNG"), mode="CMYK")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (nvJPEG)")
def test_jpeg_batch_decoded_on_the_gpu_matches_the_cpu(photo):
    from crucible_torch.transforms.decode import decode_jpegs_on_device

    blobs = [encode(photo, "JPEG", quality=q) for q in (70, 90)]
    on_gpu = decode_jpegs_on_device(blobs, "cuda")
    for blob, image in zip(blobs, on_gpu):
        assert image.device.type == "cuda"
        expected = decode_image(blob, mode="RGB")
        assert image.shape == expected.shape
        assert (image.cpu().int() - expected.int()).abs().float().mean() < 2.0  # nvJPEG's IDCT differs slightly
