"""Where values need the `Json` type, as paths into nested values and features, and how to encode them there.

A path is a tuple of struct keys and ``0`` (every element of a list): ``("messages", 0)`` is each message
of the ``messages`` lists. `datasets` 5.2 (``on_mixed_types="use_json"``) makes the values at a path JSON
text when they cannot share one Arrow type:

- `mixed_type_paths` finds structs whose keys differ between rows (or that are empty) and structs or lists
  mixed with scalars, in one pass over the values;
- scalars of different kinds (``1`` and ``"a"``) are found by Arrow's JSON reader, whose error names the
  column as ``/a/[]/b`` (`path_of_arrow_error`);
- `encode_at` turns the values at a path into JSON text, and `with_json_at` / `json_paths_of` map paths to
  and from the `Json` leaves of a feature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .json import Json, json_dumps
from .nested import FeatureType
from .sequence import LargeList, List

JsonPath = tuple[Any, ...]  # str keys, and 0 for "every element of a list"
_ARROW_TYPE_CHANGE = re.compile(r"Column\((?P<column>.*)\) changed from (?P<old>\w+) to (?P<new>\w+)")


def mixed_type_paths(values: Iterable[Any], *, include_root: bool = False) -> list[JsonPath]:
    """Paths where ``values`` hold structs with different keys, empty structs, or structs/lists among scalars.

    The values at a path are those of every row (nulls skipped); a path found here is not descended into.
    ``include_root`` also tests the values themselves (a column), not only what is inside them (rows).
    """
    found: list[JsonPath] = []
    pending: list[tuple[JsonPath, list[Any]]] = [((), [v for v in values if v is not None])]
    while pending:
        path, content = pending.pop(0)
        if not content:
            continue
        if all(isinstance(v, dict) for v in content):
            keys = set(content[0])
            if (include_root or path) and (not keys or any(set(v) != keys for v in content)):
                found.append(path)
                continue
            for key in dict.fromkeys(k for v in content for k in v):
                pending.append((path + (key,), [v[key] for v in content if v.get(key) is not None]))
        elif all(isinstance(v, list) for v in content):
            pending.append((path + (0,), [item for v in content for item in v if item is not None]))
        elif any(isinstance(v, (dict, list)) for v in content) and (include_root or path):
            found.append(path)
    return found


def encode_at(value: Any, path: JsonPath) -> Any:
    """``value`` with what lies at ``path`` replaced by its JSON text (nulls stay null)."""
    if value is None:
        return None
    if not path:
        return json_dumps(value)
    key, rest = path[0], path[1:]
    if key == 0 and isinstance(value, list):
        return [encode_at(item, rest) for item in value]
    if isinstance(value, dict):
        if key not in value:
            return value
        return {**value, key: encode_at(value[key], rest)}
    return value


def decode_at(value: Any, path: JsonPath) -> Any:
    """``value`` with the JSON text at ``path`` replaced by the value it encodes."""
    if value is None:
        return None
    if not path:
        return json.loads(value) if isinstance(value, str) else value
    key, rest = path[0], path[1:]
    if key == 0 and isinstance(value, list):
        return [decode_at(item, rest) for item in value]
    if isinstance(value, dict) and key in value:
        return {**value, key: decode_at(value[key], rest)}
    return value


def decode_json_columns(columns: Mapping[str, list[Any]], features: Mapping[str, FeatureType]) -> dict[str, list[Any]]:
    """``{column: values}`` of stored values with every `Json` value decoded (and nothing else decoded).

    What `datasets` does for ``to_list``/``to_dict``/``to_pandas``/``to_json``: JSON columns read back as the
    values that were written, while images stay stored bytes.
    """
    out = dict(columns)
    for name, feature in features.items():
        paths = json_paths_of(feature) if name in out else []
        for path in paths:
            out[name] = [decode_at(value, path) for value in out[name]]
    return out


def add_path(paths: list[JsonPath], path: JsonPath) -> None:
    """Add ``path`` to ``paths``; it replaces the paths below it.

    Raises:
        ValueError: ``path`` lies below a path already in ``paths`` (its values are JSON text already).
    """
    if any(path[: len(known)] == known for known in paths):
        raise ValueError(f"the values at {format_path(path)} are already encoded as JSON")
    paths[:] = [known for known in paths if known[: len(path)] != path] + [path]


def format_path(path: JsonPath) -> str:
    """``("messages", 0, "content")`` -> ``messages[].content`` (for messages)."""
    text = ""
    for key in path:
        text += "[]" if key == 0 else f".{key}" if text else str(key)
    return text or "<row>"


def path_of_arrow_error(message: str, rows: Sequence[Any]) -> JsonPath | None:
    """The path of the column Arrow's JSON reader reports as changing type, resolved against ``rows``.

    Arrow writes the column as ``/key/[]/key`` without escaping a ``/`` inside a key, so the path is the one
    that matches the keys present in ``rows``. Returns None when the message is not such an error.

    Raises:
        ValueError: two different paths of ``rows`` spell the same column.
    """
    match = _ARROW_TYPE_CHANGE.search(message)
    if match is None:
        return None
    column = match.group("column")
    if not column:
        return ()
    found: JsonPath | None = None
    for row in rows:
        pending: list[tuple[Any, str, JsonPath]] = [(row, column, ())]
        while pending:
            value, remaining, path = pending.pop()
            if not remaining:
                if found is not None and found != path:
                    raise ValueError(f"the column {column!r} named by Arrow matches both {found} and {path}")
                found = path
            elif isinstance(value, dict):
                for key, child in value.items():
                    prefix = f"/{key}"
                    if remaining == prefix or remaining.startswith(prefix + "/"):
                        pending.append((child, remaining[len(prefix) :], path + (key,)))
            elif isinstance(value, list) and (remaining == "/[]" or remaining.startswith("/[]/")):
                pending.extend((child, remaining[3:], path + (0,)) for child in value)
    return found


def _visit(feature: FeatureType, func: Callable[[FeatureType, JsonPath], FeatureType], path: JsonPath) -> FeatureType:
    if isinstance(feature, dict):
        out = type(feature)({k: _visit(sub, func, path + (k,)) for k, sub in feature.items()})
    elif isinstance(feature, LargeList):
        out = LargeList(_visit(feature.feature, func, path + (0,)), id=feature.id)
    elif isinstance(feature, List):
        out = List(_visit(feature.feature, func, path + (0,)), length=feature.length, id=feature.id)
    elif isinstance(feature, (list, tuple)) and len(feature) == 1:
        out = List(_visit(feature[0], func, path + (0,)))
    else:
        out = feature
    return func(out, path)


def with_json_at(feature: FeatureType, paths: Sequence[JsonPath]) -> FeatureType:
    """``feature`` with the sub-features at ``paths`` replaced by `Json`."""
    wanted = set(paths)
    return _visit(feature, lambda node, path: Json() if path in wanted else node, ())


def json_paths_of(feature: FeatureType) -> list[JsonPath]:
    """The paths of the `Json` leaves of ``feature``."""
    paths: list[JsonPath] = []

    def collect(node: FeatureType, path: JsonPath) -> FeatureType:
        if isinstance(node, Json):
            paths.append(path)
        return node

    _visit(feature, collect, ())
    return paths
