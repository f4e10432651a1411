"""Features <-> the JSON dicts `datasets` writes (``{"dtype": "int64", "_type": "Value"}``, ...).

Fields equal to their default are omitted and ``_type`` comes last, byte-for-byte as `datasets`' ``asdict``.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from .audio import Audio
from .class_label import ClassLabel
from .image import Image
from .json import Json
from .nested import FeatureType
from .sequence import LargeList, List, Sequence
from .value import Value

FEATURE_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (Value, ClassLabel, List, LargeList, Sequence, Image, Audio, Json)
}


def feature_to_dict(feature: FeatureType) -> Any:
    """The JSON-ready dict of a (possibly nested) feature."""
    if isinstance(feature, dict):
        return {name: feature_to_dict(sub) for name, sub in feature.items()}
    if isinstance(feature, (list, tuple)):
        return [feature_to_dict(sub) for sub in feature]
    if dataclasses.is_dataclass(feature) and not isinstance(feature, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(feature):
            value = getattr(feature, f.name)
            if f.default is dataclasses.MISSING or value != f.default:
                out[f.name] = feature_to_dict(value)
        out["_type"] = feature._type
        return out
    return copy.deepcopy(feature)


def generate_from_dict(obj: Any) -> FeatureType:
    """Rebuild a feature from its JSON dict; a dict without a string ``_type`` is a struct of features.

    ``_type: "Sequence"`` (older files) becomes a `List`, or a dict of Lists for a dict feature. Keys that
    the feature class does not know (e.g. ``num_classes`` in old ClassLabel JSON) are ignored, as in
    `datasets`.
    """
    if isinstance(obj, list):
        return [generate_from_dict(item) for item in obj]
    if not isinstance(obj, dict):
        raise TypeError(f"Expected a feature dict, got {type(obj).__name__}: {obj!r}")
    if "_type" not in obj or isinstance(obj["_type"], dict):
        return {name: generate_from_dict(sub) for name, sub in obj.items()}
    obj = dict(obj)
    type_name = obj.pop("_type")
    cls = FEATURE_TYPES.get(type_name)
    if cls is None:
        raise ValueError(f"Feature type '{type_name}' not found. Available feature types: {list(FEATURE_TYPES)}")
    if cls in (List, LargeList, Sequence):
        inner = generate_from_dict(obj.pop("feature"))
        known = {"length", "id"} if cls is not LargeList else {"id"}
        return cls(inner, **{k: v for k, v in obj.items() if k in known})
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in obj.items() if k in known})
