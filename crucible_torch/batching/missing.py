"""Missing values in number columns: where the first one is, and filling them, on Arrow (also inside lists).

A missing float becomes NaN in a tensor; a missing int or bool has no tensor value, so the torch format and
the Collator name the column and the row (`crucible_torch.errors.MissingValueError`) unless a fill value is
given, instead of turning the column into floats as `datasets` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _is_list(pa_type: pa.DataType) -> bool:
    types = pa.types
    return types.is_list(pa_type) or types.is_large_list(pa_type) or types.is_fixed_size_list(pa_type)


def holds_ints_or_bools(pa_type: pa.DataType) -> bool:
    """Int or bool values, directly or inside lists: the types whose missing values cannot be tensors."""
    while _is_list(pa_type):
        pa_type = pa_type.value_type
    return pa.types.is_integer(pa_type) or pa.types.is_boolean(pa_type)


def first_missing_row(array: pa.Array) -> int | None:
    """The first row whose value (or a value inside whose list) is missing; None when there is none.

    A missing list itself does not count: it is a missing row, not a missing number.
    """
    if not _is_list(array.type):
        if not array.null_count:
            return None
        return int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])
    inner = first_missing_row(array.flatten())
    if inner is None:
        return None
    lengths = pc.fill_null(pc.list_value_length(array), 0).to_numpy(zero_copy_only=False)
    return int(np.searchsorted(np.cumsum(lengths), inner, side="right"))


def fill_missing(array: pa.Array, fill_value: Any) -> pa.Array:
    """``array`` with its missing numbers (also inside lists) replaced by ``fill_value``."""
    pa_type = array.type
    if pa.types.is_list(pa_type) or pa.types.is_large_list(pa_type):
        factory = pa.LargeListArray if pa.types.is_large_list(pa_type) else pa.ListArray
        mask = array.is_null() if array.null_count else None
        offsets = array.offsets
        values = fill_missing(array.values, fill_value)
        return factory.from_arrays(offsets, values, mask=mask)
    if pa.types.is_fixed_size_list(pa_type):
        mask = array.is_null() if array.null_count else None
        values = fill_missing(array.flatten(), fill_value)
        return pa.FixedSizeListArray.from_arrays(values, pa_type.list_size, mask=mask)
    return pc.fill_null(array, pa.scalar(fill_value).cast(pa_type)) if array.null_count else array
