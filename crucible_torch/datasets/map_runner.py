"""Running a ``map``/``filter`` function over a dataset: inputs formatted and outputs merged as in `datasets`.

Inputs: in python format (without ``input_columns``) the function gets a `LazyBatch`/`LazyRow`; in any other
format (numpy, torch, pandas, arrow, a ``set_transform``) it gets what ``__getitem__`` would return for that
row or batch (``filter`` formats batches and splits them into rows, as `datasets` does).

Outputs of ``map``: a returned dict updates the row (``{**inputs, **returned}``); in python format, what the
function assigned to or deleted from its input row persists too, and ``remove_columns`` drops input columns
(and, when the function returns its input, what it assigned under those names). A returned ``pyarrow.Table``
or ``pandas.DataFrame`` (batched) replaces the rows. Columns computed in Python are typed by
:class:`.map_output.OutputTypes`; untouched input columns stay Arrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..features import Features, FeatureType, array_of_type
from .lazy import LazyBatch, LazyRow
from .map_output import OutputTypes, output_schema

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_dict")


def _frame_to_table(frame: Any) -> pa.Table:
    return pa.Table.from_pandas(frame).replace_schema_metadata(None)


class Runner:
    """Applies the user function to the rows or batches of one dataset (see the module docstring)."""

    def __init__(
        self,
        dataset: Dataset,
        function: Callable | None,
        *,
        with_indices: bool,
        with_rank: bool,
        input_columns: list[str] | None,
        batched: bool,
        batch_size: int,
        drop_last_batch: bool,
        remove_columns: list[str],
        features: Features | None,
        fn_kwargs: dict,
        for_filter: bool,
        writer_batch_size: int | None = 1000,
        try_original_type: bool = True,
        on_mixed_types: str | None = None,
    ):
        self.dataset = dataset
        self.function = function if function is not None else (lambda x, *args, **kwargs: x)
        self.with_indices, self.with_rank = with_indices, with_rank
        self.input_columns = input_columns
        self.batched, self.batch_size, self.drop_last_batch = batched, batch_size, drop_last_batch
        self.chunk_rows = batch_size if batched else max(1, writer_batch_size or 1000)
        self.remove_columns = remove_columns
        self.features = features
        self.fn_kwargs = fn_kwargs
        self.for_filter = for_filter
        self.lazy = dataset._format_type is None and input_columns is None
        self.columns_only = dataset._indices is None and not drop_last_batch
        # as in `datasets`, try_original_type=False only applies to batched maps (rows always try the old type)
        self.types = OutputTypes(dataset._info.features, features, try_original_type or not batched, on_mixed_types)
        self.output: Features | None = None  # every output column's feature, fixed by the first chunk
        self.updating: bool | None = None
        self._schemas: dict[tuple, pa.Schema] = {}  # output schemas built so far (one per stored-columns layout)

    # ------------------------------------------------------------------ inputs
    def _call(self, inputs: Any, indices: Any, rank: int) -> Any:
        args = [inputs] if self.input_columns is None else [inputs[c] for c in self.input_columns]
        if self.with_indices:
            args.append(indices)
        if self.with_rank:
            args.append(rank)
        return self.function(*args, **self.fn_kwargs)

    def _view(self) -> Dataset:
        """The dataset as the function sees it: all columns (or ``input_columns``) in the dataset's format."""
        ds = self.dataset
        view = ds._replace(fingerprint=ds._fingerprint)
        view._format_columns = self.input_columns
        view._output_all_columns = False
        return view

    def chunks(self) -> Iterator[tuple[pa.Table, range]]:
        """(Arrow rows, their positions in the dataset) per batch of the function (or per writer batch)."""
        ds = self.dataset
        n = ds.num_rows
        size = self.chunk_rows if self.chunk_rows and self.chunk_rows > 0 else max(n, 1)
        stop = n - n % size if (self.batched and self.drop_last_batch) else n
        for start in range(0, stop, size):
            end = min(start + size, stop)
            yield ds._rows_table(slice(start, end)), range(start, end)

    def _results(self, pa_inputs: pa.Table, rows: range, offset: int, rank: int) -> tuple[Any, Any]:
        """(inputs the function saw, what it returned): one of each when batched, lists of rows otherwise."""
        indices = range(offset + rows.start, offset + rows.stop)
        view = self._view()
        features = self.dataset._info.features
        if self.batched:
            inputs = LazyBatch(pa_inputs, features) if self.lazy else view._format(pa_inputs, "batch")
            return inputs, self._call(inputs, list(indices), rank)
        if self.lazy:
            batch = LazyBatch(pa_inputs, features)
            inputs = [LazyRow(batch, i) for i in range(pa_inputs.num_rows)]
        elif self.for_filter:
            formatted = view._format(pa_inputs, "batch")
            inputs = [{k: v[i] for k, v in formatted.items()} for i in range(pa_inputs.num_rows)]
        else:
            inputs = [view._format(pa_inputs.slice(i, 1), "row") for i in range(pa_inputs.num_rows)]
        return inputs, [self._call(row, index, rank) for row, index in zip(inputs, indices)]

    # ------------------------------------------------------------------ filter
    def masks(self, offset: int = 0, rank: int = 0, bar: Any = None) -> Iterator[np.ndarray]:
        """One boolean array per chunk: whether each row is kept (truthiness of what the function returned)."""
        for pa_inputs, rows in self.chunks():
            _, results = self._results(pa_inputs, rows, offset, rank)
            if bar is not None:
                bar.update(len(rows))
            yield _mask(results, len(rows))

    # ------------------------------------------------------------------ map
    def tables(self, offset: int = 0, rank: int = 0, bar: Any = None) -> Iterator[pa.Table]:
        """Per chunk, the table to store (see `output_schema`); nothing when the function returns None."""
        for pa_inputs, rows in self.chunks():
            inputs, results = self._results(pa_inputs, rows, offset, rank)
            if bar is not None:
                bar.update(len(rows))
            table = self._output(pa_inputs, inputs, results, rows)
            if table is not None:
                yield table

    def _output(self, pa_inputs: pa.Table, inputs: Any, results: Any, rows: range) -> pa.Table | None:
        outcome = results if self.batched else _rows_outcome(results)
        updating = outcome is not None
        if self.updating is not None and updating != self.updating:
            raise ValueError(
                "the map function returned None for some rows and a value for others (rows "
                f"{rows.start}-{rows.stop - 1}); return a dict for every row, or None for every row"
            )
        self.updating = updating
        if not updating:
            return None
        if isinstance(outcome, pa.Table) or _is_frame(outcome):
            return self._replacement(outcome, results, rows)
        if not isinstance(outcome, Mapping):
            raise TypeError(
                f"Provided `function` which is applied to all elements of table returns a variable of type "
                f"{type(outcome).__name__}. Make sure provided `function` returns a variable of type `dict` (or a "
                "pyarrow table) to update the dataset or `None` if you are only interested in side effects."
            )
        if self.batched:
            names, python, maybe = self._merge_batch(pa_inputs, inputs, results)
        else:
            names, python, maybe = self._merge_rows(pa_inputs, inputs, results, rows)
        return self._assemble(pa_inputs, names, python, maybe, rows)

    def _replacement(self, outcome: Any, results: Any, rows: range) -> pa.Table:
        """A returned table (or per-row tables) replaces the rows: typed as Arrow typed it."""
        if self.batched:
            table = _frame_to_table(outcome) if _is_frame(outcome) else outcome
        else:
            table = pa.concat_tables([_frame_to_table(r) if _is_frame(r) else r for r in results])
        columns = {name: table.column(name) for name in table.column_names}
        return self._assemble(None, list(columns), columns, {}, rows)

    def _merge_batch(self, pa_inputs: pa.Table, batch: Any, result: Mapping) -> tuple[list, dict, dict]:
        """(output column order, columns computed in Python, read columns that may have changed in place)."""
        removed = set(self.remove_columns)
        if not isinstance(batch, LazyBatch):
            _check_batch_values(result)
            names = [c for c in pa_inputs.column_names if c not in removed]
            return names + [k for k in result if k not in names], dict(result), {}
        returned_self = result is batch
        names = [c for c in pa_inputs.column_names if c not in batch.deleted and c not in removed]
        python = {k: batch.data[k] for k in batch.assigned if k not in removed}
        names += [k for k in python if k not in names]
        if not returned_self:
            _check_batch_values(result)
            python.update(result)
            names += [k for k in result if k not in names]
        return names, python, self._read_changes(batch, names, python)

    def _merge_rows(self, pa_inputs: pa.Table, rows: list, results: list, positions: range) -> tuple[list, dict, dict]:
        """Per-row results as columns: what each row returned, assigned or deleted; every row must end with the
        same columns."""
        removed = set(self.remove_columns)
        inputs = pa_inputs.column_names
        input_set = set(inputs)
        kept_inputs = input_set - removed
        per_row: list[Mapping] = []
        shape: tuple | None = None
        for i, (row, result) in enumerate(zip(rows, results)):
            if not isinstance(result, Mapping):
                raise TypeError(f"map function returned {type(result).__name__}; it must return a dict (or None)")
            deleted: Any = ()
            if isinstance(row, LazyRow):
                values: Mapping = {} if result is row else result
                if row.assigned or row.deleted:
                    values = {k: v for k, v in row.assigned.items() if k not in removed}
                    if result is not row:
                        values.update(result)
                    deleted = row.deleted
            else:
                values = result
            row_shape = (frozenset(deleted), values.keys() - kept_inputs)
            if shape is None:
                shape = row_shape
            elif row_shape != shape:
                raise ValueError(
                    f"map function returned rows with different columns: row {positions.start + i} differs from row "
                    f"{positions.start} (new columns {sorted(row_shape[1])} vs {sorted(shape[1])}, deleted "
                    f"{sorted(row_shape[0])} vs {sorted(shape[0])}); every row must return the same columns"
                )
            per_row.append(values)
        deleted, new = shape if shape is not None else (frozenset(), set())
        names = [c for c in inputs if c not in deleted and c not in removed]
        names += [k for k in dict.fromkeys(k for values in per_row for k in values) if k in new]
        batch = rows[0]._batch if rows and isinstance(rows[0], LazyRow) else None
        python = {}
        for name in dict.fromkeys(k for values in per_row for k in values):
            if name not in kept_inputs:
                python[name] = [values[name] for values in per_row]
            elif batch is not None:  # an input column some rows assigned: the others keep their value
                python[name] = [v[name] if name in v else batch[name][i] for i, v in enumerate(per_row)]
            elif any(name not in values for values in per_row):
                raise ValueError(f"map function returned column {name!r} for some rows only (rows {positions})")
            else:
                python[name] = [values[name] for values in per_row]
        maybe = self._read_changes(batch, names, python) if batch is not None else {}
        return names, python, maybe

    @staticmethod
    def _read_changes(batch: LazyBatch, names: list[str], python: dict) -> dict[str, Any]:
        """Read input columns changed in place go to ``python``; those that may have changed are returned."""
        maybe = {}
        for key in batch.read_columns():
            if key not in names or key in python:
                continue
            changed = batch.changed_in_place(key)
            if changed:
                python[key] = batch.data[key]
            elif changed is None:
                maybe[key] = batch.data[key]
        return maybe

    def _assemble(
        self, pa_inputs: pa.Table | None, names: list[str], python: dict, maybe: dict, rows: range
    ) -> pa.Table:
        """Type the Python columns, cast carried ones to ``features``, and build the table to store."""
        if self.features is not None:
            unknown = [c for c in self.features if c not in names]
            if unknown:
                raise ValueError(f"features= names columns {unknown} that the map does not output (it outputs {names})")
            if len(names) == len(self.features):
                names = list(self.features)  # every column named: the features' order, as in `datasets`
        original = self.dataset._info.features
        arrays: dict[str, Any] = {}
        feats: dict[str, FeatureType] = {}
        stored: list[str] = []
        for name in names:
            if name in python:
                arrays[name], feats[name] = self.types.convert(name, python[name], rows)
                stored.append(name)
                continue
            array = pa_inputs.column(name)
            if name in maybe and not _unchanged(maybe[name], array):
                arrays[name], feats[name] = self.types.convert(name, maybe[name], rows)
                stored.append(name)
                continue
            arrays[name], changed = self.types.cast_carried(name, array)
            feats[name] = self.features[name] if self.features is not None and name in self.features else original[name]
            if changed or not self.columns_only:
                stored.append(name)
        lengths = {len(arrays[c]) for c in stored}
        carried = [c for c in names if c not in python and pa_inputs is not None]
        if carried and lengths and lengths != {pa_inputs.num_rows}:
            raise ValueError(
                f"map function returned {lengths.pop()} rows for a batch of {pa_inputs.num_rows}; to change the "
                f"number of rows, remove the input columns with remove_columns={carried}"
            )
        self._check_output(names, feats, rows)
        keep = stored if self.columns_only else names
        stored_features = {c: feats[c] for c in keep}
        key = (tuple(keep), repr(stored_features), repr(self.output))
        if key not in self._schemas:
            self._schemas[key] = output_schema(stored_features, self.output)
        return pa.Table.from_arrays([arrays[c] for c in keep], schema=self._schemas[key])

    def _check_output(self, names: list[str], feats: dict[str, FeatureType], rows: range) -> None:
        if self.output is None:
            self.output = Features({c: feats[c] for c in names})
            return
        if list(self.output) != names:
            raise ValueError(
                f"map output columns changed between rows: {list(self.output)} first, then {names} in rows "
                f"{rows.start}-{rows.stop - 1}; return the same columns for every row"
            )


def _unchanged(values: list, array: pa.ChunkedArray) -> bool:
    """Whether Python values read from ``array`` (and possibly changed in place) still equal it."""
    try:
        return array_of_type(values, array.type).equals(array.combine_chunks())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return False


def _rows_outcome(results: list) -> Any:
    """The kind of what per-row calls returned: None when every call returned None, else the first result."""
    first = next((r for r in results if r is not None), None)
    if first is not None and any(r is None for r in results):
        raise ValueError("the map function returned None for some rows and a value for others")
    return first


def _check_batch_values(result: Mapping) -> None:
    for name, values in result.items():
        if isinstance(values, (str, bytes, int, float, bool, Mapping)) or values is None:
            raise TypeError(
                f"the batched map function returned {type(values).__name__} for column {name!r}; with batched=True "
                "every column must be a list, a NumPy array or a tensor of values (one per output row)"
            )


def _mask(results: Any, num_rows: int) -> np.ndarray:
    """A filter's results as one bool per row, by truthiness (as `datasets` keeps a row when ``if result``)."""
    if isinstance(results, (pa.Array, pa.ChunkedArray)):
        results = results.to_pylist()
    elif hasattr(results, "detach") and hasattr(results, "cpu"):
        results = results.detach().cpu().numpy()
    if isinstance(results, np.ndarray) and results.dtype != object:
        mask = results.astype(bool).reshape(-1) if results.ndim <= 1 else None
    else:
        mask = np.fromiter((bool(r) for r in results), dtype=bool) if hasattr(results, "__iter__") else None
    if mask is None or mask.shape != (num_rows,):
        got = "a scalar" if mask is None else mask.shape[0]
        raise ValueError(
            f"filter function returned {got} values for a batch of {num_rows} rows; it must return one bool per row"
        )
    return mask
