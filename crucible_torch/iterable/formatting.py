"""What an IterableDataset yields for ``with_format(None | "numpy" | "torch" | "arrow")``, row by row or by batch.

Rows leave the pipeline as decoded Python dicts; a format converts them at the very end. Torch and numpy put
the plain columns back into Arrow with the features and format them with the map-style formatters, so a
streamed row comes out exactly as the same row of a `Dataset` (a struct batch is a list of dicts, an empty
list an empty tensor, a missing int raises `MissingValueError` naming the column); decoded media (PIL
images, audio) are tensorized as they are (uint8 CHW / HWC). Arrow gives one-row (or one-batch)
``pyarrow.Table``s encoded with the features. ``map`` and ``filter`` on a formatted dataset give the function
its rows in that format, as `datasets` does.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..features import Features, require_decoding, table_from_pydict
from ..formatting.formatters import canonical_format_type
from .nodes import Row, to_batch

FORMATS = (None, "numpy", "torch", "arrow")


def check_format(format_type: str | None) -> str | None:
    """The canonical name of a format an IterableDataset supports; ValueError for the others."""
    canonical = canonical_format_type(format_type)
    if canonical not in FORMATS:
        raise ValueError(f"IterableDataset supports the formats {list(FORMATS)}, not {format_type!r}")
    return canonical


class OutputFormat:
    """Converts decoded Python rows to ``format_type`` (see the module docstring)."""

    def __init__(self, format_type: str | None, features: Features | None) -> None:
        self.format_type = format_type
        self.features = features
        self._formatter: Any = None
        if format_type == "torch":
            from ..formatting.torch_format import TorchFormatter

            self._formatter = TorchFormatter(features)
        elif format_type == "numpy":
            from ..formatting.numpy_format import NumpyFormatter

            self._formatter = NumpyFormatter(features)
        media = {name for name, feature in (features or {}).items() if require_decoding(feature)}
        self._media = media

    def row(self, row: Row) -> Any:
        if self.format_type is None:
            return row
        if self.format_type == "arrow":
            return self._table(to_batch([row]))
        return self._tensors(to_batch([row]), one_row=True)

    def batch(self, rows: list[Row]) -> Any:
        batch = to_batch(rows)
        if self.format_type is None:
            return batch
        if self.format_type == "arrow":
            return self._table(batch)
        return self._tensors(batch)

    def _tensors(self, batch: dict[str, list], one_row: bool = False) -> dict[str, Any]:
        """Plain columns through Arrow and the map-style formatter (so a streamed row comes out as the same row
        of a `Dataset`); decoded media (PIL images, audio arrays) tensorized as they are."""
        formatter = self._formatter

        def as_they_are(values: list) -> Any:
            return formatter.tensorize(values[0]) if one_row else formatter.consolidate(formatter.tensorize(values))

        plain = {name: values for name, values in batch.items() if name not in self._media}
        out: dict[str, Any] = {}
        table = self._arrow(plain) if plain else None
        if table is not None:
            out.update(formatter.format_row(table) if one_row else formatter.format_batch(table))
        else:  # values Arrow cannot hold (e.g. tensors a map returned): tensorized as they are
            out.update({name: as_they_are(list(values)) for name, values in plain.items()})
        for name in self._media & set(batch):
            out[name] = as_they_are(list(batch[name]))
        return {name: out[name] for name in batch}

    def _arrow(self, batch: dict[str, list]) -> pa.Table | None:
        features = self.features
        try:
            if features is not None and all(name in features for name in batch):
                return table_from_pydict(batch, Features({name: features[name] for name in batch}))
            return pa.Table.from_pydict(batch)
        except (pa.ArrowException, TypeError, ValueError):
            return None

    def _table(self, batch: dict[str, list]) -> pa.Table:
        if self.features is None or set(self.features) != set(batch):
            return pa.Table.from_pydict(batch)
        return table_from_pydict(batch, self.features)
