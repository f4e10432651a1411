"""One Features for datasets stacked row-wise (concatenation, interleaving), as `datasets` aligns them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .features import Features
from .value import Value


def _is_null(feature: Any) -> bool:
    while hasattr(feature, "feature"):
        feature = feature.feature
    return isinstance(feature, Value) and feature.dtype == "null"


def align_features(features_list: Sequence[Features]) -> Features:
    """One Features for stacked datasets: shared columns must agree unless one side is all-null."""
    merged: dict[str, Any] = {}
    for features in features_list:
        for name, feature in features.items():
            if name not in merged or _is_null(merged[name]):
                merged[name] = feature
            elif isinstance(feature, dict) and isinstance(merged[name], dict):
                merged[name] = dict(align_features([Features(merged[name]), Features(feature)]))
    for features in features_list:
        for name, feature in features.items():
            if not isinstance(feature, dict) and not _is_null(feature) and merged[name] != feature:
                raise ValueError(
                    f"The features can't be aligned because the key {name} of features {features} has unexpected "
                    f'type - {feature} (expected either {merged[name]} or Value("null")).'
                )
    return Features(merged)
