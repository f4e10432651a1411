"""Column operations: rename, remove, select, cast, class_encode, add_column/add_item, flatten, unique.

Renaming, removing and selecting columns are replayable table operations (the result still pickles as file
paths). Casting that only changes feature metadata (``Image(decode=False)``, ClassLabel names over int64) is
zero-copy; casting that changes storage is computed batch by batch, into the cache when the data is on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..features import ClassLabel, Features, cast_table_to_features, get_nested_type
from .encode import column_to_arrow, table_from_rows

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


def _check_columns(dataset: Dataset, names: Sequence[str], what: str) -> None:
    missing = [n for n in names if n not in dataset.column_names]
    if missing:
        raise ValueError(
            f"Column(s) {missing} to {what} not in the dataset. Current columns in the dataset: {dataset.column_names}"
        )


class ColumnsMixin:
    """Operations on the set of columns and their features."""

    def rename_columns(self: Dataset, column_mapping: dict[str, str], new_fingerprint: str | None = None) -> Dataset:
        """Rename several columns at once; features and format columns follow."""
        _check_columns(self, list(column_mapping), "rename")
        new_names = [column_mapping.get(c, c) for c in self.column_names]
        if len(set(new_names)) != len(new_names):
            raise ValueError(f"Renaming {column_mapping} would give duplicate column names {new_names}")
        if any(not n for n in new_names):
            raise ValueError("New column names must not be empty strings")
        info = self._info.copy()
        info.features = Features({column_mapping.get(c, c): f for c, f in self.features.items()})
        new = self._replace(
            table=self._table.then("rename", tuple(new_names)),
            info=info,
            fingerprint=new_fingerprint or self._new_fingerprint("rename", mapping=column_mapping),
            keep_format=False,
        )
        if self._format_type is not None or self._format_columns is not None:
            columns = None if self._format_columns is None else [column_mapping.get(c, c) for c in self._format_columns]
            new._format_type, new._format_kwargs = self._format_type, dict(self._format_kwargs)
            new._format_columns, new._output_all_columns = columns, self._output_all_columns
            new._transform = self._transform
        return new

    def rename_column(
        self: Dataset, original_column_name: str, new_column_name: str, new_fingerprint: str | None = None
    ) -> Dataset:
        """Rename one column."""
        if new_column_name in self.column_names and new_column_name != original_column_name:
            raise ValueError(
                f"New column name {new_column_name} already in the dataset. Please choose a column "
                f"name which is not already in the dataset. Current columns in the dataset: "
                f"{self.column_names}"
            )
        return self.rename_columns({original_column_name: new_column_name}, new_fingerprint)

    def select_columns(self: Dataset, column_names: str | Sequence[str], new_fingerprint: str | None = None) -> Dataset:
        """Keep only ``column_names``, in that order."""
        names = [column_names] if isinstance(column_names, str) else list(column_names)
        _check_columns(self, names, "select")
        info = self._info.copy()
        info.features = Features({n: self.features[n] for n in names})
        return self._replace(
            table=self._table.then("select", tuple(names)),
            info=info,
            fingerprint=new_fingerprint or self._new_fingerprint("select_columns", names=names),
        )

    def remove_columns(self: Dataset, column_names: str | Sequence[str], new_fingerprint: str | None = None) -> Dataset:
        """Drop ``column_names``."""
        names = [column_names] if isinstance(column_names, str) else list(column_names)
        _check_columns(self, names, "remove")
        keep = [c for c in self.column_names if c not in names]
        return self.select_columns(keep, new_fingerprint or self._new_fingerprint("remove_columns", names=names))

    def cast(
        self: Dataset,
        features: Features,
        batch_size: int | None = 1000,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        num_proc: int | None = None,
        new_fingerprint: str | None = None,
        **_: Any,
    ) -> Dataset:
        """Cast every column to ``features`` (same column names); storage conversion happens only if needed."""
        features = features if isinstance(features, Features) else Features(features)
        if sorted(features) != sorted(self.column_names):
            raise ValueError(
                f"The columns in features ({list(features)}) must be identical as the columns in "
                f"the dataset: {self.column_names}"
            )
        features = Features({name: features[name] for name in self.column_names})
        fingerprint = new_fingerprint or self._new_fingerprint("cast", features=features.to_dict())
        info = self._info.copy()
        info.features = features
        target = features.arrow_schema
        if self.data.schema.remove_metadata() == target.remove_metadata():
            return self._replace(table=self._table.then("cast", target), info=info, fingerprint=fingerprint)
        from .processing import write_or_keep

        step = batch_size or 10_000
        batches = (
            cast_table_to_features(self.data.slice(s, step), features) for s in range(0, self.data.num_rows, step)
        )
        table = write_or_keep(self, batches, target, fingerprint, keep_in_memory)
        return self._replace(table=table, info=info, fingerprint=fingerprint)

    def cast_column(self: Dataset, column: str, feature: Any, new_fingerprint: str | None = None) -> Dataset:
        """Cast one column, e.g. ``cast_column("image", Image(decode=False))`` or strings to a ``ClassLabel``."""
        _check_columns(self, [column], "cast")
        features = self.features.copy()
        features[column] = feature
        return self.cast(features, new_fingerprint=new_fingerprint)

    def class_encode_column(self: Dataset, column: str, include_nulls: bool = False) -> Dataset:
        """Turn a column of labels into a ``ClassLabel`` with the sorted distinct values as names."""
        _check_columns(self, [column], "encode")
        if isinstance(self.features[column], ClassLabel):
            return self
        names = sorted(str(v) for v in self.unique(column) if include_nulls or v is not None)
        labels = self._rows_table(slice(None)).column(column) if self._indices is not None else self.data.column(column)
        as_text = pc.cast(labels, pa.string())
        if include_nulls:
            as_text = pc.fill_null(as_text, "None")
        ids = pc.index_in(as_text, value_set=pa.array(names, pa.string()))
        base = self.flatten_indices() if self._indices is not None else self
        features = base.features.copy()
        features[column] = ClassLabel(names=names)
        table = base.data.set_column(base.column_names.index(column), column, pc.cast(ids, pa.int64()))
        info = base._info.copy()
        info.features = features
        return base._replace(
            table=base._table.replaced(table.cast(features.arrow_schema)),
            info=info,
            fingerprint=self._new_fingerprint("class_encode_column", column=column, nulls=include_nulls),
        )

    def add_column(
        self: Dataset,
        name: str,
        column: Sequence | np.ndarray | pa.Array,
        new_fingerprint: str | None = None,
        feature: Any = None,
    ) -> Dataset:
        """Append a column (one value per row, in the current row order)."""
        if name in self.column_names:
            raise ValueError(
                f"Column {name} already in the dataset. Please choose a column name which is not "
                f"already in the dataset. Current columns in the dataset: {self.column_names}"
            )
        if len(column) != self.num_rows:
            raise ValueError(f"Column of length {len(column)} does not match the dataset's {self.num_rows} rows")
        base = self.flatten_indices() if self._indices is not None else self
        if isinstance(column, (pa.Array, pa.ChunkedArray)):
            array = column
            feature = feature or Features.from_arrow_schema(pa.schema([pa.field(name, column.type)]))[name]
        else:
            from .encode import infer_column_feature

            values = list(column) if not isinstance(column, np.ndarray) else column
            array = column_to_arrow(values, feature)
            feature = (
                feature
                or infer_column_feature(list(values))
                or Features.from_arrow_schema(pa.schema([pa.field(name, array.type)]))[name]
            )
        features = Features({**base.features, name: feature})
        table = base.data.append_column(pa.field(name, get_nested_type(feature)), array).cast(features.arrow_schema)
        info = base._info.copy()
        info.features = features
        return base._replace(
            table=base._table.replaced(table),
            info=info,
            fingerprint=new_fingerprint or self._new_fingerprint("add_column", name=name, column=column),
        )

    def add_item(self: Dataset, item: dict, new_fingerprint: str | None = None) -> Dataset:
        """Append one row (its values encoded by this dataset's features)."""
        row, _ = table_from_rows([{name: item.get(name) for name in self.column_names}], self.features)
        extra = set(item) - set(self.column_names)
        if extra:
            raise ValueError(f"Item has columns {sorted(extra)} that the dataset does not have: {self.column_names}")
        old_rows = self.data.num_rows
        table = pa.concat_tables([self.data, row.cast(self.data.schema)])
        indices = np.append(self._indices, old_rows) if self._indices is not None else False
        return self._replace(
            table=self._table.replaced(table),
            indices=indices,
            fingerprint=new_fingerprint or self._new_fingerprint("add_item", item=item),
        )

    def flatten(self: Dataset, new_fingerprint: str | None = None, max_depth: int = 16) -> Dataset:
        """Replace struct (dict) columns by one column per field, named ``parent.child``."""
        table = self.data
        for _ in range(max_depth):
            features = Features.from_arrow_schema(table.schema)
            nested = [n for n, f in features.items() if isinstance(f, dict)]
            if not nested:
                break
            table = pa.Table.from_arrays(
                [
                    arr
                    for n in table.column_names
                    for arr in (table.column(n).flatten() if n in nested else [table.column(n)])
                ],
                names=[
                    name
                    for n in table.column_names
                    for name in ([f"{n}.{child}" for child in features[n]] if n in nested else [n])
                ],
            )
        flat = self.features.flatten(max_depth=max_depth)
        table = table.cast(flat.arrow_schema)
        info = self._info.copy()
        info.features = flat
        return self._replace(
            table=self._table.replaced(table),
            info=info,
            fingerprint=new_fingerprint or self._new_fingerprint("flatten", depth=max_depth),
        )

    def unique(self: Dataset, column: str) -> list:
        """Distinct values of ``column`` in order of first appearance (in storage order, as `datasets` does)."""
        _check_columns(self, [column], "read")
        partial = self._indices is not None and len(self._indices) != self.data.num_rows
        values = self._rows_table(slice(None)).column(column) if partial else self.data.column(column)
        return pc.unique(values).to_pylist()
