"""What an IterableDataset yields for ``with_format(None | "numpy" | "torch" | "arrow")``, row by row or by batch.

Rows leave the pipeline as decoded Python dicts; a format converts them at the very end, with the map-style
formatters' rules, so a streamed row and the same row of a `Dataset` come out alike: torch through
``Collator(features)`` (numbers -> int64/float32 tensors, images -> uint8 CHW), numpy with int64/float32
arrays, arrow as one-row (or one-batch) ``pyarrow.Table``s encoded with the features.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..features import Features, table_from_pydict
from ..formatting.formatters import NumpyFormatter, TorchFormatter, canonical_format_type, unnest
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
        if format_type == "torch":
            self._converter: Any = TorchFormatter(features)
        elif format_type == "numpy":
            self._converter = NumpyFormatter(features)
        else:
            self._converter = None

    def row(self, row: Row) -> Any:
        if self.format_type is None:
            return row
        if self.format_type == "torch":
            return self._converter.collator.convert_row(row)
        if self.format_type == "numpy":
            return unnest(self._converter.convert_batch({k: [v] for k, v in row.items()}))
        return self._table(to_batch([row]))

    def batch(self, rows: list[Row]) -> Any:
        batch = to_batch(rows)
        if self.format_type is None:
            return batch
        if self.format_type == "arrow":
            return self._table(batch)
        return self._converter.convert_batch(batch)

    def _table(self, batch: dict[str, list]) -> pa.Table:
        if self.features is None or set(self.features) != set(batch):
            return pa.Table.from_pydict(batch)
        return table_from_pydict(batch, self.features)
