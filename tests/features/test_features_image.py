"""Image encode/decode against PIL-built files and the installed `datasets` Image feature."""

from __future__ import annotations

from io import BytesIO

import datasets
import numpy as np
import PIL.Image
import pyarrow as pa
import pytest

from crucible_torch.errors import ImageDecodeError
from crucible_torch.features import Image


def _jpeg_with_orientation(array: np.ndarray, orientation: int) -> bytes:
    exif = PIL.Image.Exif()
    exif[0x0112] = orientation  # Orientation tag
    buffer = BytesIO()
    PIL.Image.fromarray(array).save(buffer, format="JPEG", exif=exif, quality=100)
    return buffer.getvalue()


def test_exif_orientation_is_applied() -> None:
    array = np.zeros((20, 40, 3), dtype=np.uint8)
    array[:, :20] = (255, 0, 0)  # left half red, right half blue
    array[:, 20:] = (0, 0, 255)
    data = _jpeg_with_orientation(array, 6)  # 6 = the camera was rotated: display rotated 90 deg clockwise
    decoded = Image().decode_example({"bytes": data, "path": None})
    assert decoded.size == (20, 40)  # width and height swapped
    pixels = np.asarray(decoded).astype(int)
    assert pixels[5, 10, 0] > 200 and pixels[5, 10, 2] < 60  # red (old left) is now on top
    assert pixels[35, 10, 2] > 200 and pixels[35, 10, 0] < 60  # blue at the bottom
    theirs = datasets.Image().decode_example({"bytes": data, "path": None})
    assert np.array_equal(np.asarray(theirs), np.asarray(decoded))


def test_image_without_orientation_is_unchanged(image_bytes, rgb_array) -> None:
    decoded = Image().decode_example({"bytes": image_bytes(rgb_array), "path": None})
    assert decoded.mode == "RGB" and np.array_equal(np.asarray(decoded), rgb_array)


@pytest.mark.parametrize(("source_mode", "target_mode"), [("RGBA", "RGB"), ("RGB", "L"), ("L", "RGB"), ("P", "RGB")])
def test_mode_conversion_matches_datasets(source_mode: str, target_mode: str, rgb_array) -> None:
    source = PIL.Image.fromarray(rgb_array).convert(source_mode)
    buffer = BytesIO()
    source.save(buffer, format="PNG")
    value = {"bytes": buffer.getvalue(), "path": None}
    ours = Image(mode=target_mode).decode_example(value)
    theirs = datasets.Image(mode=target_mode).decode_example(value)
    assert ours.mode == target_mode
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def test_png_alpha_is_kept(image_bytes) -> None:
    rgba = np.zeros((3, 3, 4), dtype=np.uint8)
    rgba[..., 3] = np.arange(9, dtype=np.uint8).reshape(3, 3) * 30
    decoded = Image().decode_example({"bytes": image_bytes(rgba), "path": None})
    assert decoded.mode == "RGBA"
    assert np.array_equal(np.asarray(decoded)[..., 3], rgba[..., 3])


def test_decode_from_path_loads_and_closes_the_file(tmp_path, rgb_array) -> None:
    path = tmp_path / "img.png"
    PIL.Image.fromarray(rgb_array).save(path)
    decoded = Image().decode_example({"bytes": None, "path": str(path)})
    assert np.array_equal(np.asarray(decoded), rgb_array)
    assert decoded.filename == str(path)
    assert getattr(decoded, "fp", None) is None  # loaded and closed: no "Too many open files"
    assert np.array_equal(np.asarray(Image().decode_example(str(path))), rgb_array)  # a bare path string


def test_missing_file_and_corrupt_bytes_give_clear_errors(tmp_path, image_bytes, rgb_array) -> None:
    with pytest.raises(FileNotFoundError, match="nope.png"):
        Image().decode_example({"bytes": None, "path": str(tmp_path / "nope.png")})
    with pytest.raises(ImageDecodeError, match="Cannot decode image from bytes"):
        Image().decode_example({"bytes": b"\x89PNG garbage", "path": None})
    truncated = image_bytes(rgb_array, "JPEG")[:200]
    with pytest.raises(ImageDecodeError, match="'cut.jpg'"):
        Image().decode_example({"bytes": truncated, "path": "cut.jpg"})
    with pytest.raises(ValueError, match="one of 'path' or 'bytes'"):
        Image().decode_example({"bytes": None, "path": None})


def test_decompression_bomb_is_refused(monkeypatch, image_bytes) -> None:
    data = image_bytes(np.zeros((100, 100), dtype=np.uint8))
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", 1000)  # the error threshold is twice this
    with pytest.raises(ImageDecodeError, match="MAX_IMAGE_PIXELS"):
        Image().decode_example({"bytes": data, "path": None})


def test_decode_disabled_and_already_decoded() -> None:
    with pytest.raises(RuntimeError, match="Decoding is disabled"):
        Image(decode=False).decode_example({"bytes": b"", "path": None})
    image = PIL.Image.new("RGB", (2, 2))
    assert Image().decode_example(image) is image


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.uint8).reshape(3, 4),
        np.arange(24, dtype=np.uint8).reshape(2, 4, 3),
        np.arange(32, dtype=np.uint8).reshape(2, 4, 4),
        np.arange(12, dtype=np.uint16).reshape(3, 4) * 1000,
        np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        np.array([[True, False], [False, True]]),
    ],
)
def test_numpy_input_round_trips_like_datasets(array: np.ndarray) -> None:
    ours = Image().encode_example(array)
    theirs = datasets.Image().encode_example(array)
    assert ours["path"] is None
    decoded = np.asarray(Image().decode_example(ours))
    assert np.array_equal(decoded, array)
    assert np.array_equal(decoded, np.asarray(datasets.Image().decode_example(theirs)))


def test_numpy_downcasts_like_datasets() -> None:
    with pytest.warns(UserWarning, match="Downcasting array dtype int64 to int32"):
        encoded = Image().encode_example(np.arange(6, dtype=np.int64).reshape(2, 3))
    assert np.array_equal(np.asarray(Image().decode_example(encoded)), np.arange(6).reshape(2, 3))
    with pytest.warns(UserWarning, match="to uint8"):
        Image().encode_example(np.zeros((2, 2, 3), dtype=np.int32))
    for bad in (np.zeros((2, 2, 3), dtype=np.float32), np.zeros((2, 2), dtype=np.complex64)):
        with pytest.raises(TypeError):
            datasets.Image().encode_example(bad)
        with pytest.raises(TypeError):
            Image().encode_example(bad)


@pytest.mark.filterwarnings("ignore:Downcasting array dtype")
def test_encode_inputs_follow_datasets(tmp_path, rgb_array, image_bytes) -> None:
    path = tmp_path / "a.png"
    PIL.Image.fromarray(rgb_array).save(path)
    png = image_bytes(rgb_array)
    opened = PIL.Image.open(path)
    in_memory = PIL.Image.fromarray(rgb_array)
    jpeg = PIL.Image.open(BytesIO(image_bytes(rgb_array, "JPEG")))
    cases = [
        str(path),
        path,
        png,
        {"path": str(path), "bytes": png},
        {"path": "remote.png", "bytes": png},
        {"path": None, "bytes": png},
        opened,
        in_memory,
        jpeg,
    ]
    for value in cases:
        assert Image().encode_example(value) == datasets.Image().encode_example(value)
    assert Image().encode_example(in_memory)["bytes"].startswith(b"\x89PNG")
    assert Image().encode_example(jpeg)["bytes"].startswith(b"\xff\xd8")  # kept in its own format
    assert Image().encode_example(rgb_array.tolist())["bytes"] == Image().encode_example(rgb_array)["bytes"]
    with pytest.raises(ValueError, match="one of 'path' or 'bytes'"):
        Image().encode_example({"path": None, "bytes": None})
    with pytest.raises(TypeError, match="Cannot encode a int as an Image"):
        Image().encode_example(3)


@pytest.mark.filterwarnings("ignore:Downcasting array dtype")
def test_cast_storage_matches_datasets(image_bytes, rgb_array) -> None:
    png = image_bytes(rgb_array)
    storages = [
        pa.array(["a.png", None]),
        pa.array(["a.png", None], pa.large_string()),
        pa.array([png, None]),
        pa.array([png, None], pa.large_binary()),
        pa.array([{"path": "a.png"}, None]),
        pa.array([{"bytes": png}, {"bytes": None}]),
        pa.array([{"path": "p", "bytes": png}, None]),
        pa.array([rgb_array.tolist(), None]),
    ]
    for storage in storages:
        ours = Image().cast_storage(storage)
        theirs = datasets.Image().cast_storage(storage)
        assert ours.type == Image.pa_type
        assert ours.equals(theirs), storage.type
    with pytest.raises(TypeError, match="Couldn't cast int64 to the image storage"):
        Image().cast_storage(pa.array([1, 2]))
