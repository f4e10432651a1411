"""Image classification rows -> :class:`VisionExample`, with the label's real name from the dataset's features.

The names come from the ``ClassLabel`` the repo declares (``dataset.features["label"].names``), never from a
count (no ``class_i`` placeholders); the loader binds them when it loads the split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .rows import MalformedRow, field, integer, rest
from .types import VisionExample


def vision(
    row: Mapping[str, Any], *, label_names: Sequence[str], image: str = "image", label: str = "label"
) -> VisionExample:
    """The image (decoded PIL image, or the raw ``{"bytes", "path"}`` dict when decoding is off), the label id
    and its name."""
    index = integer(row, label)
    if not 0 <= index < len(label_names):
        raise MalformedRow(f"label {index} is outside the dataset's {len(label_names)} class names")
    return VisionExample(field(row, image), index, label_names[index], rest(row, (image, label)))
