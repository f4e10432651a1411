"""Helpers for differential tests: run one call through `datasets` and crucible_torch and compare exactly.

`describe` turns a result into plain data that keeps what matters for training: tensor and array dtypes and
shapes, NumPy scalar types, NaN, PIL pixels, feature types, so ``describe(ours) == describe(theirs)`` fails on
any difference a training loop could see.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import datasets as hf
import numpy as np
import torch

import crucible_torch as ct

hf.disable_progress_bars()
LIBS = {"datasets": hf, "crucible_torch": ct}


def _number(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def describe(value: Any) -> Any:
    """Plain data for a result: containers walked, tensors/arrays as (kind, dtype, shape, values)."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype), tuple(value.shape), describe(value.tolist()))
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return ("ndarray", "object", value.shape, [describe(v) for v in value.tolist()])
        return ("ndarray", value.dtype.str, value.shape, describe(value.tolist()))
    if isinstance(value, np.generic):
        return ("np", type(value).__name__, _number(value.item()))
    if isinstance(value, (hf.Features, ct.Features)):
        return features_dict(value)
    if isinstance(value, Mapping):
        return {k: describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ in ("Column", "RowBatch"):
        return [describe(v) for v in value]
    if hasattr(value, "getdata") and hasattr(value, "mode"):  # PIL image
        return ("PIL", value.mode, value.size, value.tobytes())
    return _number(value)


def features_dict(features: Any) -> dict:
    """Features as `datasets`' JSON dict (both libraries write the same one)."""
    return features.to_dict()


def outcome(fn: Callable[[Any], Any], lib: Any) -> Any:
    """``describe(fn(lib))``, or ``("raises", ExceptionType-name-free marker)`` when it raises."""
    try:
        return describe(fn(lib))
    except Exception as err:  # noqa: BLE001 - the comparison is whether both raise
        return ("raises", err)


def assert_same(fn: Callable[[Any], Any]) -> Any:
    """Run ``fn(datasets)`` and ``fn(crucible_torch)``; both must give the same result, or both raise."""
    theirs, ours = outcome(fn, hf), outcome(fn, ct)
    if isinstance(theirs, tuple) and theirs and theirs[0] == "raises":
        assert isinstance(ours, tuple) and ours and ours[0] == "raises", (
            f"datasets raised {theirs[1]!r}, we gave {ours}"
        )
        return ours[1]
    if isinstance(ours, tuple) and ours and ours[0] == "raises":
        raise AssertionError(f"we raised {ours[1]!r}; datasets gave {theirs}") from ours[1]
    assert ours == theirs, f"\nours:   {ours}\ntheirs: {theirs}"
    return ours
