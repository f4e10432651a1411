"""Python values -> Arrow: the one conversion behind from_list/from_dict, add_item and map/filter outputs.

With Features, each value is encoded by its feature (an ``Image`` from a PIL image, path or bytes; a
``ClassLabel`` from its name) and stored as the feature's Arrow type. Without, the type is inferred by Arrow
after tensors and arrays become plain data, and columns holding PIL images become ``Image`` columns.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from ..features import (
    Features,
    Image,
    LargeList,
    List,
    Value,
    encode_nested_example,
    get_nested_type,
    is_pil_image,
)


def _plain(value: Any) -> Any:
    """Tensors and numpy scalars as values Arrow can type (arrays stay arrays: Arrow reads them as lists)."""
    if "torch" in sys.modules:
        import torch

        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.dtype == object or value.ndim > 1 else value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def infer_column_feature(values: list) -> Any | None:
    """A feature implied by the values themselves (PIL images -> ``Image``), else None (let Arrow infer)."""
    first = next((v for v in values if v is not None), None)
    return Image() if is_pil_image(first) else None


def _plain_arrow_type(feature: Any) -> bool:
    """Whether values of ``feature`` go to Arrow as they are (no ClassLabel, Image or Audio anywhere inside)."""
    if isinstance(feature, Value):
        return True
    if isinstance(feature, (List, LargeList)):
        return _plain_arrow_type(feature.feature)
    if isinstance(feature, dict):
        return all(_plain_arrow_type(f) for f in feature.values())
    return False


def column_to_arrow(values: list, feature: Any | None) -> pa.Array:
    """One column of python values as an Arrow array of ``feature``'s type (inferred when None).

    Plain values go to Arrow in one call; only columns that need encoding (images, class names, tensors)
    take the per-value path.
    """
    if feature is None:
        feature = infer_column_feature(values)
    if feature is None:
        if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype != object:
            return pa.array(values)
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            return pa.array([_plain(v) for v in values])
    if _plain_arrow_type(feature):
        try:
            return pa.array(values, type=get_nested_type(feature))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            pass
    encoded = [encode_nested_example(feature, _plain(v) if not is_pil_image(v) else v) for v in values]
    return pa.array(encoded, type=get_nested_type(feature))


def table_from_batch(batch: Mapping[str, Any], features: Features | None = None) -> tuple[pa.Table, Features]:
    """(table, features) for a dict of equal-length columns; ``features`` may name a subset of columns."""
    lengths = {name: len(values) for name, values in batch.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Column lengths mismatch: {lengths}")
    arrays, out_features = {}, {}
    for name, values in batch.items():
        feature = features.get(name) if features is not None else None
        try:
            arrays[name] = column_to_arrow(values, feature)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
            raise ValueError(f"Column {name!r}: cannot convert values to Arrow ({err})") from err
        if feature is None:
            feature = (
                infer_column_feature(values)
                or Features.from_arrow_schema(pa.schema([pa.field(name, arrays[name].type)]))[name]
            )
        out_features[name] = feature
    feats = Features(out_features)
    table = pa.Table.from_arrays(list(arrays.values()), schema=feats.arrow_schema) if arrays else pa.table({})
    return table, feats


def table_from_rows(rows: list[Mapping[str, Any]], features: Features | None = None) -> tuple[pa.Table, Features]:
    """Like `datasets`' ``from_list``: the columns are the first row's keys; a key missing from a row is None.

    Nested dicts are unified by Arrow, so a key absent from some messages of a chat reads back as None.
    """
    names = list(rows[0]) if rows else []
    batch = {name: [row.get(name) for row in rows] for name in names}
    return table_from_batch(batch, features)
