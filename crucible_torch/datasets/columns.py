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

from ..features import ClassLabel, Features, LargeList, List, Value, cast_table_to_features, get_nested_type
from .encode import encoded_column, typed_column

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


def _format_args(dataset: Dataset) -> dict:
    """The format of ``dataset`` as ``with_format`` keyword arguments."""
    return {
        "type": dataset._format_type,
        "columns": dataset._format_columns,
        "output_all_columns": dataset._output_all_columns,
        **dataset._format_kwargs,
    }


def _flatten_column(
    name: str, feature: Any, array: pa.ChunkedArray, levels: int, names: list[str], arrays: list[pa.ChunkedArray]
) -> None:
    """Append ``name`` (or, for a struct, its fields as ``name.field``, recursively) where it stands."""
    expanded = feature if isinstance(feature, dict) else None
    if expanded is None and hasattr(feature, "flatten"):
        candidate = feature.flatten()
        expanded = candidate if candidate != feature else None
    if expanded is None or levels <= 0 or not pa.types.is_struct(array.type):
        names.append(name)
        arrays.append(array)
        return
    children = dict(zip([f.name for f in array.type], array.flatten()))
    for child, sub in expanded.items():
        _flatten_column(f"{name}.{child}", sub, children[child], levels - 1, names, arrays)


def _is_null(feature: Any) -> bool:
    return isinstance(feature, Value) and feature.dtype == "null"


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

        # only the rows of this dataset are cast (as `datasets` does): rows a filter dropped may not fit the features
        step = batch_size or 10_000
        starts = range(0, self.num_rows, step)
        batches = (cast_table_to_features(self._rows_table(slice(s, s + step)), features) for s in starts)
        table = write_or_keep(self, batches, target, fingerprint, keep_in_memory)
        return self._replace(table=table, indices=None, info=info, fingerprint=fingerprint)

    def cast_column(self: Dataset, column: str, feature: Any, new_fingerprint: str | None = None) -> Dataset:
        """Cast one column, e.g. ``cast_column("image", Image(decode=False))`` or strings to a ``ClassLabel``."""
        _check_columns(self, [column], "cast")
        features = self.features.copy()
        features[column] = feature
        return self.cast(features, new_fingerprint=new_fingerprint)

    def class_encode_column(self: Dataset, column: str, include_nulls: bool = False) -> Dataset:
        """Turn a column of labels into a ``ClassLabel`` whose names are the sorted distinct values as text
        (``str(value)``, as `datasets` spells them: ``"True"``, ``"1.5"``); nulls stay null unless
        ``include_nulls`` (then they are the class ``"None"``)."""
        _check_columns(self, [column], "encode")
        feature = self._info.features[column]
        if isinstance(feature, ClassLabel) or self.num_rows == 0:  # `datasets` maps nothing over no rows
            return self
        if not isinstance(feature, Value):
            raise ValueError(
                f"Class encoding is only supported for Value column, and column {column} is {type(feature).__name__}."
            )
        labels = self._rows_table(slice(None)).column(column).combine_chunks()
        distinct = pc.unique(labels)
        texts = [None if v is None else v if isinstance(v, str) else str(v) for v in distinct.to_pylist()]
        if include_nulls:
            texts = ["None" if t is None else t for t in texts]
        names = sorted({t for t in texts if t is not None})
        name_ids = {name: i for i, name in enumerate(names)}
        lookup = pa.array([None if t is None else name_ids[t] for t in texts], pa.int64())
        ids = pc.take(lookup, pc.index_in(labels, value_set=distinct, skip_nulls=False))
        base = self.flatten_indices() if self._indices is not None else self
        features = base._info.features.copy()
        features[column] = ClassLabel(names=names)
        table = base.data.set_column(base.column_names.index(column), column, ids)
        info = base._info.copy()
        info.features = features
        return base._replace(
            table=base._table.replaced(table.cast(features.arrow_schema)),
            info=info,
            fingerprint=self._new_fingerprint("class_encode_column", column=column, nulls=include_nulls),
        )

    def align_labels_with_mapping(self: Dataset, label2id: dict, label_column: str) -> Dataset:
        """Renumber a ``ClassLabel`` (or ``List(ClassLabel)``) column so that its ids follow ``label2id`` (a model's
        mapping); names are matched case-insensitively, and the feature takes the mapping's names."""
        _check_columns(self, [label_column], "align")
        feature = self._info.features[label_column]
        inner = feature.feature if isinstance(feature, (List, LargeList)) else feature
        if not isinstance(inner, ClassLabel):
            raise ValueError(
                "Aligning labels with a mapping is only supported for ClassLabel column or List column with the inner "
                f"type ClassLabel, and column {feature} is of type {type(feature).__name__}."
            )
        label2id = dict(sorted(label2id.items(), key=lambda item: item[1]))
        names = list(label2id)
        lower = {name.lower(): new_id for name, new_id in label2id.items()}
        missing = [name for name in inner.names if name.lower() not in lower]
        if missing:
            raise KeyError(f"labels {missing} of column {label_column!r} are not in the mapping {sorted(lower)}")
        lookup = pa.array([lower[name.lower()] for name in inner.names], pa.int64())
        new_inner = ClassLabel(num_classes=len(names), names=names)
        features = self._info.features.copy()
        features[label_column] = new_inner if inner is feature else List(new_inner)

        def renumber(table: pa.Table) -> pa.Table:
            column = table.column(label_column).combine_chunks()
            if inner is feature:
                column = pc.take(lookup, column)
            else:
                column = pa.ListArray.from_arrays(column.offsets, pc.take(lookup, column.values), mask=column.is_null())
            return table.set_column(table.column_names.index(label_column), label_column, column)

        return (
            self.with_format("arrow")
            .map(renumber, batched=True, features=features, desc="Aligning the labels")
            .with_format(**_format_args(self))
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
        if feature is not None:
            array = encoded_column(column, feature, name)
        else:
            array, feature = typed_column(column, column=name)
        features = Features({**base._info.features, name: feature})
        table = base.data.append_column(pa.field(name, get_nested_type(feature)), array).cast(features.arrow_schema)
        info = base._info.copy()
        info.features = features
        return base._replace(
            table=base._table.replaced(table),
            info=info,
            fingerprint=new_fingerprint or self._new_fingerprint("add_column", name=name, column=column),
        )

    def add_item(self: Dataset, item: dict, new_fingerprint: str | None = None) -> Dataset:
        """Append one row, its values encoded by this dataset's features. As in `datasets`, a key the dataset
        lacks becomes a new column (None in the other rows), and a column the item lacks is None in it."""
        own = self._info.features
        features = Features(own)
        for key, value in item.items():
            if key not in own or (_is_null(own[key]) and value is not None):
                features[key] = typed_column([value], column=key)[1]
        row = {name: encoded_column([item.get(name)], feature, name) for name, feature in features.items()}
        row_table = pa.Table.from_arrays(list(row.values()), schema=features.arrow_schema)
        old_rows = self.data.num_rows
        arrays = [
            self.data.column(name) if name in own else pa.nulls(old_rows, get_nested_type(feature))
            for name, feature in features.items()
        ]
        table = pa.Table.from_arrays(arrays, names=list(features)).cast(features.arrow_schema)
        info = self._info.copy()
        info.features = features
        indices = np.append(self._indices, old_rows) if self._indices is not None else False
        return self._replace(
            table=self._table.replaced(pa.concat_tables([table, row_table])),
            indices=indices,
            info=info,
            fingerprint=new_fingerprint or self._new_fingerprint("add_item", item=item),
        )

    def flatten(self: Dataset, new_fingerprint: str | None = None, max_depth: int = 16) -> Dataset:
        """Replace struct (dict) columns by one column per field, named ``parent.child``, in place of the struct
        (the column order is the table's, as in `datasets`)."""
        names: list[str] = []
        arrays: list[pa.ChunkedArray] = []
        for name, feature in self._info.features.items():
            _flatten_column(name, feature, self.data.column(name), max_depth - 1, names, arrays)
        flat = self._info.features.flatten(max_depth=max_depth)
        flat = Features({name: flat[name] for name in names})
        table = pa.Table.from_arrays(arrays, names=names)
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
