"""Per-value transforms for ``Dataset.with_transform({"image": tf, ...})``.

Each named column's values go through their transform one by one; the other columns come out as in python
format. Image values are decoded by torchvision straight from their stored bytes to uint8 CHW tensors, and
at reduced JPEG scale when the transform reports the size it needs (``decode_size_hint``), which is where a
classification preset gets most of its speed. Runs inside DataLoader workers, so it parallelises.

For a collate that stacks the column (``defer_finish=True``), a transform that has a ``batch_finish`` step
(normalisation) gets only its ``per_image`` part here; the column comes back as an :class:`UnfinishedColumn`
that carries ``batch_finish``, to be run once on the stacked batch instead of once per image.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from ..features import Features, Image
from .decode import decode_image_value


def _decode_for(feature: Any, transform: Callable[[Any], Any], values: list, name: str) -> list:
    """Values of one column, decoded the way ``transform`` takes them."""
    if isinstance(feature, Image) and feature.decode and getattr(transform, "input_type", "tensor") == "tensor":
        hint = getattr(transform, "decode_size_hint", None)
        return [
            None
            if v is None
            else decode_image_value(
                v,
                mode=getattr(transform, "decode_mode", None) or feature.mode,
                max_size_hint=hint,
                where=f"row {row} of the batch, column {name!r}",
            )
            for row, v in enumerate(values)
        ]
    if feature is None:
        return values
    return Features({name: feature}).decode_column(name, values)


class UnfinishedColumn(list):
    """A column's values before their transform's batch-level step: apply ``finish`` to the stacked values (one
    tensor, ``finish(stacked, out=None)``) or to each value alone to get what the transform returns."""

    def __init__(self, values: list, finish: Callable[..., Any]):
        super().__init__(values)
        self.finish = finish


def apply_value_transforms(
    table: pa.Table,
    features: Features | None,
    transforms: Mapping[str, Callable[[Any], Any]],
    defer_finish: bool = False,
) -> dict[str, list]:
    """The batch ``table`` as python columns, with ``transforms[column]`` applied to each value of its column
    (up to its ``batch_finish`` step when ``defer_finish``: see :class:`UnfinishedColumn`)."""
    features = features or Features.from_arrow_schema(table.schema)
    plain = [c for c in table.column_names if c not in transforms]
    out = features.decode_batch(table.select(plain).to_pydict()) if plain else {}
    batch: dict[str, list] = {}
    for name in table.column_names:
        if name in transforms:
            transform = transforms[name]
            values = _decode_for(features.get(name), transform, table.column(name).to_pylist(), name)
            finish = getattr(transform, "batch_finish", None) if defer_finish else None
            if finish is not None and all(v is not None for v in values):
                batch[name] = UnfinishedColumn([transform.per_image(v) for v in values], finish)
            else:
                batch[name] = [None if v is None else transform(v) for v in values]
        else:
            batch[name] = out[name]
    return batch
