"""Row selection and order: select, shuffle, take, skip, sort, shard, train_test_split, flatten_indices.

Each operation composes an indices mapping over the same Arrow table; no rows are copied. ``shuffle(seed=s)``
is ``numpy.random.default_rng(s).permutation(len(self))`` applied through the current mapping, exactly as in
`datasets`, so the same seed gives the same row order in both libraries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import ceil, floor
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from .stratify import stratified_split

if TYPE_CHECKING:
    from .arrow_dataset import Dataset
    from .dataset_dict import DatasetDict


def _unseeded_seed() -> int:
    """The seed `datasets` derives from NumPy's global state when none is given; the global generator then
    moves one step, so the next call (the next epoch's ``shuffle()``) gets another seed, as in `datasets`."""
    _, keys, pos, *_ = np.random.get_state()
    seed = int(keys[pos] if pos < 624 else keys[0])
    np.random.random()
    return seed


def _as_index_array(indices: Any, n: int) -> np.ndarray:
    if isinstance(indices, range):
        arr = np.arange(indices.start, indices.stop, indices.step, dtype=np.int64)
    elif hasattr(indices, "to_numpy") and not isinstance(indices, np.ndarray):
        arr = np.asarray(indices.to_numpy(), dtype=np.int64)
    else:
        arr = (
            np.fromiter(indices, dtype=np.int64)
            if not isinstance(indices, (np.ndarray, list, tuple))
            else (np.asarray(indices, dtype=np.int64).reshape(-1))
        )
    if arr.size and (arr.max() >= n or arr.min() < 0):
        bad = int(arr.max()) if arr.max() >= n else int(arr.min())
        raise IndexError(f"Index {bad} out of range for dataset of size {n}.")
    return arr


class ReorderMixin:
    """Operations that choose and order rows through the indices mapping."""

    def select(
        self: Dataset,
        indices: Iterable[int],
        keep_in_memory: bool = False,
        indices_cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        new_fingerprint: str | None = None,
    ) -> Dataset:
        """Rows at ``indices`` (range, list, array), in that order; composes with earlier selections."""
        arr = _as_index_array(indices, self.num_rows)
        fingerprint = new_fingerprint or self._new_fingerprint("select", indices=arr)
        if self._indices is None and arr.size and arr[-1] - arr[0] == arr.size - 1 and np.all(np.diff(arr) == 1):
            return self._replace(table=self._table.then("slice", int(arr[0]), int(arr.size)), fingerprint=fingerprint)
        if self._indices is None and arr.size == 0:
            return self._replace(table=self._table.then("slice", 0, 0), fingerprint=fingerprint)
        composed = self._indices[arr] if self._indices is not None else arr
        return self._replace(indices=composed, fingerprint=fingerprint)

    def repeat(self: Dataset, num_times: int) -> Dataset:
        """The rows ``num_times`` times over, in order (the same table stacked, no rows copied)."""
        if num_times is None:
            raise ValueError("Map style datasets do not support indefinite repetition.")
        if num_times <= 0:
            return self.select([])
        from .combine import concatenate_datasets

        return concatenate_datasets([self] * num_times)

    def take(self: Dataset, n: int) -> Dataset:
        """The first ``n`` rows."""
        return self.select(range(min(n, self.num_rows)))

    def skip(self: Dataset, n: int) -> Dataset:
        """All rows after the first ``n``."""
        return self.select(range(min(n, self.num_rows), self.num_rows))

    def shuffle(
        self: Dataset,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        indices_cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        new_fingerprint: str | None = None,
    ) -> Dataset:
        """Rows in the order of ``default_rng(seed).permutation(len(self))`` (or ``generator.permutation``)."""
        if seed is not None and generator is not None:
            raise ValueError("Both `seed` and `generator` were provided. Please specify just one of them.")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise ValueError("The provided generator must be an instance of numpy.random.Generator")
        if generator is None:
            generator = np.random.default_rng(_unseeded_seed() if seed is None else seed)
        permutation = generator.permutation(self.num_rows)
        fingerprint = new_fingerprint or (self._new_fingerprint("shuffle", seed=seed) if seed is not None else None)
        return self.select(permutation, new_fingerprint=fingerprint)

    def sort(
        self: Dataset,
        column_names: str | Sequence[str],
        reverse: bool | Sequence[bool] = False,
        null_placement: str = "at_end",
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        indices_cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        new_fingerprint: str | None = None,
    ) -> Dataset:
        """Rows ordered by ``column_names`` (stable), ascending unless ``reverse``; nulls ``at_end``/``at_start``."""
        names = [column_names] if isinstance(column_names, str) else list(column_names)
        for name in names:
            if name not in self.column_names:
                raise ValueError(
                    f"Column '{name}' not found in the dataset. Please provide a column from {self.column_names}"
                )
        flags = [reverse] * len(names) if isinstance(reverse, bool) else list(reverse)
        if len(flags) != len(names):
            raise ValueError("Parameter 'reverse' should be a bool or a list of bools as long as column_names")
        if null_placement not in ("at_start", "at_end"):
            null_placement = {"first": "at_start", "last": "at_end"}.get(null_placement, null_placement)
        table = self._rows_table(slice(None)).select(names)
        keys = [(name, "descending" if flag else "ascending", null_placement) for name, flag in zip(names, flags)]
        order = pc.sort_indices(table, sort_keys=keys).to_numpy()
        fingerprint = new_fingerprint or self._new_fingerprint("sort", names=names, flags=flags, nulls=null_placement)
        return self.select(order, new_fingerprint=fingerprint)

    def shard(self: Dataset, num_shards: int, index: int, contiguous: bool = True, **_: Any) -> Dataset:
        """Shard ``index`` of ``num_shards``: a contiguous block (sizes differ by at most one) or every n-th row."""
        if not 0 <= index < num_shards:
            raise ValueError("index should be in [0, num_shards-1]")
        n = self.num_rows
        if contiguous:
            div, mod = divmod(n, num_shards)
            start = div * index + min(index, mod)
            end = start + div + (1 if index < mod else 0)
            return self.select(range(start, end))
        return self.select(np.arange(index, n, num_shards))

    def flatten_indices(self: Dataset, keep_in_memory: bool = False, **_: Any) -> Dataset:
        """Rewrite the rows in mapped order so access is contiguous again (drops the indices mapping)."""
        if self._indices is None:
            return self
        from .processing import write_or_keep

        tables = (self._rows_table(slice(s, s + 10_000)) for s in range(0, self.num_rows, 10_000))
        table = write_or_keep(self, tables, self.data.schema, self._fingerprint + "-flat", keep_in_memory)
        return self._replace(table=table, indices=None, fingerprint=self._fingerprint)

    def train_test_split(
        self: Dataset,
        test_size: float | int | None = None,
        train_size: float | int | None = None,
        shuffle: bool = True,
        stratify_by_column: str | None = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        **_: Any,
    ) -> DatasetDict:
        """``DatasetDict(train=..., test=...)`` with `datasets`' sizes, rounding and generator calls."""
        from ..features import ClassLabel
        from .dataset_dict import DatasetDict

        n = self.num_rows
        if n == 0:
            return DatasetDict({"train": self, "test": self})
        if test_size is None and train_size is None:
            test_size = 0.25
        for name, size in (("test_size", test_size), ("train_size", train_size)):
            if size is not None and not isinstance(size, (int, float)):
                raise ValueError(f"Invalid value for {name}: {size} of type {type(size)}")
            if (isinstance(size, int) and not 0 < size < n) or (isinstance(size, float) and not 0 < size < 1):
                raise ValueError(
                    f"{name}={size} should be either positive and smaller than the number of samples {n} "
                    "or a float in the (0, 1) range"
                )
        if isinstance(train_size, float) and isinstance(test_size, float) and train_size + test_size > 1:
            raise ValueError(
                f"The sum of test_size and train_size = {train_size + test_size}, should be in the (0, 1) range."
            )
        n_test = ceil(test_size * n) if isinstance(test_size, float) else test_size
        n_train = floor(train_size * n) if isinstance(train_size, float) else train_size
        if train_size is None:
            n_train = n - n_test
        elif test_size is None:
            n_test = n - n_train
        if n_train + n_test > n:
            raise ValueError(f"The sum of train_size and test_size = {n_train + n_test}, should be smaller than {n}.")
        n_train, n_test = int(n_train), int(n_test)
        if n_train == 0:
            raise ValueError(
                f"With n_samples={n}, test_size={test_size} and train_size={train_size}, "
                "the resulting train set will be empty."
            )
        if generator is None and shuffle:
            if seed is None:
                seed = _unseeded_seed()
            generator = np.random.default_rng(seed)
        if not shuffle:
            if stratify_by_column is not None:
                raise ValueError("Stratified train/test split is not implemented for `shuffle=False`")
            train_idx, test_idx = np.arange(n_train), np.arange(n_train, n_train + n_test)
        elif stratify_by_column is not None:
            if stratify_by_column not in self.features:
                raise ValueError(f"Key {stratify_by_column} not found in {list(self.features)}")
            if not isinstance(self.features[stratify_by_column], ClassLabel):
                raise ValueError(
                    f"Stratifying by column is only supported for ClassLabel column, and column "
                    f"{stratify_by_column} is {type(self.features[stratify_by_column]).__name__}."
                )
            labels = self._rows_table(slice(None)).column(stratify_by_column).to_numpy()
            train_idx, test_idx = stratified_split(labels, n_train, n_test, generator)
        else:
            permutation = generator.permutation(n)
            test_idx, train_idx = permutation[:n_test], permutation[n_test : n_test + n_train]
        return DatasetDict({"train": self.select(train_idx), "test": self.select(test_idx)})
