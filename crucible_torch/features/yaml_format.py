"""The README form of features (``dataset_info.features`` in a dataset card's YAML header).

It is a list of ``{"name": column, ...}`` entries where a Value is ``{"dtype": "int32"}``, a List is
``{"list": <inner>}``, a struct is ``{"struct": [...]}`` and other features are
``{"dtype": "image"}`` or ``{"dtype": {"class_label": {"names": {"0": "neg", ...}}}}``, exactly as `datasets`
writes and reads it. These functions convert between that form and the JSON dict of `Features.to_dict`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .dtypes import dtype_to_arrow

_LIST_KEYS = ("large_list", "list", "sequence")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _shorten(entry: dict[str, Any]) -> dict[str, Any]:
    """Shorten ``list: {dtype: x}`` to ``list: x`` and ``list: {struct: [...]}`` to ``list: [...]``.

    ClassLabel names become a mapping keyed by the id as a string (the Hub requires string keys).
    """
    for key in _LIST_KEYS:
        inner = entry.get(key)
        if isinstance(inner, dict) and list(inner) == ["dtype"]:
            entry[key] = inner["dtype"]
        elif isinstance(inner, dict) and list(inner) == ["struct"]:
            entry[key] = inner["struct"]
    label = entry.get("class_label")
    if isinstance(label, dict) and isinstance(label.get("names"), list):
        label["names"] = {str(i): name for i, name in enumerate(label["names"])}
    return entry


def _to_yaml(obj: Any) -> dict[str, Any]:
    if isinstance(obj, (list, tuple)):  # old [feature] syntax
        return _shorten({"list": _shorten(_to_yaml(obj[0]))})
    obj = dict(obj)
    type_name = obj.pop("_type", None)
    if type_name in ("List", "LargeList"):
        inner = _to_yaml(obj.pop("feature"))
        return _shorten({"list" if type_name == "List" else "large_list": inner, **obj})
    if type_name == "Value":
        return obj
    if type_name:
        return {"dtype": _shorten({_snake(type_name): obj}) if obj else _snake(type_name)}
    return {"struct": [{"name": name, **_to_yaml(sub)} for name, sub in obj.items()]}


def features_dict_to_yaml_list(features_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The README YAML list of a `Features.to_dict` result."""
    return _to_yaml(copy.deepcopy(features_dict))["struct"]


def _lengthen(entry: dict[str, Any]) -> dict[str, Any]:
    for key in _LIST_KEYS:
        if isinstance(entry.get(key), str):
            entry[key] = {"dtype": entry[key]}
    label = entry.get("class_label")
    if isinstance(label, dict) and isinstance(label.get("names"), dict):
        ids = sorted(label["names"], key=int)
        if ids and [int(i) for i in ids] != list(range(int(ids[-1]) + 1)):
            raise ValueError(
                f"ClassLabel expected a value for all label ids [0:{int(ids[-1]) + 1}] but some ids are missing."
            )
        label["names"] = [label["names"][i] for i in ids]
    return entry


def _is_value_dtype(name: str) -> bool:
    try:
        dtype_to_arrow({"float": "float32", "double": "float64"}.get(name, name))
    except ValueError:
        return False
    return True


def _from_yaml(obj: Any) -> Any:
    if isinstance(obj, list):
        entries = [dict(entry) for entry in obj]
        return {entry.pop("name"): _from_yaml(entry) for entry in entries}
    if not isinstance(obj, dict):
        raise TypeError(f"Expected a dict or a list but got {type(obj)}: {obj}")
    if not obj:
        return {}
    obj = dict(obj)
    key = next(iter(obj))
    if key in _LIST_KEYS:
        raw = obj[key]
        inner = _from_yaml(_lengthen(obj).pop(key))
        if key == "large_list":
            return {"feature": inner, **obj, "_type": "LargeList"}
        if key == "sequence" and isinstance(raw, list):  # old form: a sequence of a struct is a dict of lists
            return {name: {"feature": sub, **obj, "_type": "List"} for name, sub in inner.items()}
        return {"feature": inner, **obj, "_type": "List"}
    if key == "struct":
        return _from_yaml(obj["struct"])
    if key == "dtype":
        if not isinstance(obj["dtype"], str):
            return _from_yaml(obj["dtype"])
        return {**obj, "_type": "Value"} if _is_value_dtype(obj["dtype"]) else {"_type": _camel(obj["dtype"])}
    return {"_type": _camel(key), **_lengthen(obj)[key]}


def yaml_list_to_features_dict(yaml_list: list[dict[str, Any]]) -> dict[str, Any]:
    """The `Features.from_dict` input for a README YAML features list."""
    return _from_yaml(copy.deepcopy(yaml_list))
