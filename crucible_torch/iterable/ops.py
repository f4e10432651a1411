"""Row-wise and grouping steps of a streaming pipeline: ``map``, ``filter``, ``batch`` and column edits.

Semantics follow `datasets`' IterableDataset: functions receive decoded Python rows (or ``{column: values}``
batches when ``batched``), ``remove_columns`` drops input columns before the output is merged in, a batched
function may change the number of rows only when no input column would be left with another length, and
``features=`` on ``map`` encodes then decodes each output row with them (ClassLabel names -> ids, ...).

Resumption: row-wise steps keep their input's token; grouping steps (batched ``map``/``filter``, ``batch``)
give each group the token of a clean boundary, so a resume recomputes at most the group in progress instead
of losing it (datasets#7656: a batched ``map`` used to lose its state). ``with_indices`` counts rows per slot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..features import Features, List
from .formatting import OutputFormat
from .nodes import (
    Emitted,
    Node,
    Row,
    RowwiseNode,
    SlotContext,
    Token,
    counted,
    grouped,
    to_batch,
    to_rows,
)


def _indexed(node: Node, ctx: SlotContext, token: Token, with_indices: bool) -> Iterator[tuple[Token, Any]]:
    """``(token, (index, row))`` from ``node``; indices (and the token's count) only ``with_indices``."""
    if not with_indices:
        for tok, row in node.iter_slot(ctx, token):
            yield tok, (None, row)
        return
    inner, start = token if token is not None else (None, 0)
    for tok, index, row in counted(node.iter_slot(ctx, inner), start):
        yield tok, (index, row)


class _FunctionNode(Node):
    """What map and filter share: calling the user function on rows or batches, with indices and columns."""

    def __init__(
        self,
        child: Node,
        function: Callable[..., Any],
        with_indices: bool,
        input_columns: Sequence[str] | None,
        batched: bool,
        batch_size: int | None,
        fn_kwargs: Mapping[str, Any] | None,
        input_format: OutputFormat | None = None,
    ) -> None:
        self.children = (child,)
        self.function = function
        self.with_indices = with_indices
        self.input_columns = list(input_columns) if input_columns is not None else None
        self.batched = batched
        self.batch_size = batch_size
        self.fn_kwargs = dict(fn_kwargs or {})
        self.input_format = input_format

    def _formatted_row(self, row: Row) -> Any:
        return row if self.input_format is None else self.input_format.row(row)

    def _formatted_batch(self, rows: list[Row]) -> Any:
        return to_batch(rows) if self.input_format is None else self.input_format.batch(rows)

    def _call(self, inputs: Any, index: Any) -> Any:
        if self.input_columns is None:
            args = [inputs]
        else:
            missing = [c for c in self.input_columns if c not in inputs]
            if missing:
                raise ValueError(f"input_columns {missing} are not in the rows; their columns are {list(inputs)}")
            args = [inputs[c] for c in self.input_columns]
        if self.with_indices:
            args.append(index)
        return self.function(*args, **self.fn_kwargs)

    def _groups(self, ctx: SlotContext, token: Token) -> Iterator[tuple[Token, list[Any]]]:
        return grouped(_indexed(self.children[0], ctx, token, self.with_indices), self.batch_size)

    def shuffled(self, seed: int, buffer_size: int) -> Node:
        if self.batched or self.with_indices:
            return WindowShuffleNode(self, seed, buffer_size)
        return super().shuffled(seed, buffer_size)

    def seek_token(self, rows: int) -> Token | None:
        return None

    def consumed_rows(self, token: Token, emitted: int) -> int | None:
        return self.children[0].consumed_rows(token, 0 if self.batched else emitted)

    @property
    def relayout_blocker(self) -> str | None:
        if self.with_indices:
            return "with_indices=True (indices count rows per slot)"
        return super().relayout_blocker


class MapNode(_FunctionNode):
    """``map``: rows (or batches) through ``function``; its dict output updates the row."""

    def __init__(
        self,
        child: Node,
        function: Callable[..., Any],
        with_indices: bool = False,
        input_columns: Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        drop_last_batch: bool = False,
        remove_columns: Sequence[str] | None = None,
        features: Features | None = None,
        fn_kwargs: Mapping[str, Any] | None = None,
        input_format: OutputFormat | None = None,
    ) -> None:
        super().__init__(child, function, with_indices, input_columns, batched, batch_size, fn_kwargs, input_format)
        self.drop_last_batch = drop_last_batch
        self.remove_columns = set(remove_columns or ())
        self._features = features

    @property
    def features(self) -> Features | None:
        return self._features

    def with_children(self, children: tuple[Node, ...]) -> MapNode:
        return MapNode(
            children[0], self.function, self.with_indices, self.input_columns, self.batched, self.batch_size,
            self.drop_last_batch, sorted(self.remove_columns), self._features, self.fn_kwargs, self.input_format,
        )  # fmt: skip

    def seek_token(self, rows: int) -> Token | None:
        if self.batched or self.with_indices:
            return None
        return self.children[0].seek_token(rows)

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        if not self.batched:
            for tok, (index, row) in _indexed(self.children[0], ctx, token, self.with_indices):
                yield tok, self._map_row(row, index)
            return
        for tok, group in self._groups(ctx, token):
            if self.drop_last_batch and self.batch_size and self.batch_size > 0 and len(group) < self.batch_size:
                return
            for row in self._map_batch([row for _, row in group], [index for index, _ in group]):
                yield tok, row

    def _encoded(self, row: Row) -> Row:
        features = self._features
        return row if features is None else features.decode_example(features.encode_example(row))

    def _map_row(self, row: Row, index: int | None) -> Row:
        inputs = self._formatted_row(row)
        out = self._call(inputs, index)
        merged = {k: v for k, v in row.items() if k not in self.remove_columns}
        if out is not None:
            if not isinstance(out, Mapping):
                raise TypeError(
                    f"Provided `function` which is applied to all elements of table returns a variable of type "
                    f"{type(out)}. Make sure provided `function` returns a variable of type `dict` to update "
                    "the dataset or `None` if you are only interested in side effects."
                )
            merged.update((k, v) for k, v in out.items() if not (out is inputs and k in self.remove_columns))
        return self._encoded(merged)

    def _map_batch(self, rows: list[Row], indices: list[Any]) -> list[Row]:
        batch = to_batch(rows)
        formatted = batch if self.input_format is None else self.input_format.batch(rows)
        out = self._call(formatted, indices)
        inputs = {k: v for k, v in batch.items() if k not in self.remove_columns}
        if out is None:
            out = {}
        if not isinstance(out, Mapping):
            raise TypeError(f"A batched `function` must return a dict of columns (or None), got {type(out)}")
        out = {k: v for k, v in out.items() if not (out is formatted and k in self.remove_columns)}
        lengths = {k: len(v) for k, v in out.items()}
        if len(set(lengths.values())) > 1:
            first = next(iter(lengths))
            bad = [k for k, n in lengths.items() if n != lengths[first]]
            raise ValueError(
                f"Column lengths mismatch: columns {bad} have length {[lengths[k] for k in bad]} "
                f"while {first} has length {lengths[first]}."
            )
        if out:
            expected = next(iter(lengths.values()))
            bad = [k for k in inputs if k not in out and len(inputs[k]) != expected]
            if bad:
                raise ValueError(
                    f"Column lengths mismatch: columns {bad} have length {[len(inputs[k]) for k in bad]} "
                    f"while {next(iter(out))} has length {expected}. Make sure the mapped function returns all "
                    "columns at the same length, or drop the offending input columns with `remove_columns`."
                )
        return [self._encoded(row) for row in to_rows({**inputs, **out})]


class FilterNode(_FunctionNode):
    """``filter``: keep the rows for which ``function`` is true (a list of bools per batch when batched)."""

    def with_children(self, children: tuple[Node, ...]) -> FilterNode:
        return FilterNode(
            children[0], self.function, self.with_indices, self.input_columns, self.batched, self.batch_size,
            self.fn_kwargs, self.input_format,
        )  # fmt: skip

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        if not self.batched:
            for tok, (index, row) in _indexed(self.children[0], ctx, token, self.with_indices):
                if self._call(self._formatted_row(row), index):
                    yield tok, row
            return
        for tok, group in self._groups(ctx, token):
            rows = [row for _, row in group]
            mask = list(self._call(self._formatted_batch(rows), [index for index, _ in group]))
            if len(mask) != len(rows):
                raise ValueError(f"A batched filter function returned {len(mask)} values for a batch of {len(rows)}")
            for keep, row in zip(mask, rows):
                if keep:
                    yield tok, row


class ColumnsNode(RowwiseNode):
    """Column edits on Python rows (after a map; edits right after a source are folded into it).

    ``kind`` is ``"select"`` (``arg``: the names, in order), ``"remove"`` (``arg``: a set of names),
    ``"rename"`` (``arg``: old -> new) or ``"cast"`` (``arg``: the new Features, values re-encoded and
    decoded with them).
    """

    def __init__(self, child: Node, kind: str, arg: Any) -> None:
        super().__init__(child)
        self.kind = kind
        self.arg = arg

    def with_children(self, children: tuple[Node, ...]) -> ColumnsNode:
        return ColumnsNode(children[0], self.kind, self.arg)

    @property
    def features(self) -> Features | None:
        upstream = self.children[0].features
        if self.kind == "cast":
            return self.arg
        if upstream is None:
            return None
        if self.kind == "select":
            return Features({name: upstream[name] for name in self.arg})
        if self.kind == "remove":
            return Features({k: v for k, v in upstream.items() if k not in self.arg})
        return Features({self.arg.get(name, name): feature for name, feature in upstream.items()})

    def apply(self, row: Row) -> Row:
        if self.kind == "select":
            try:
                return {name: row[name] for name in self.arg}
            except KeyError as err:
                raise ValueError(f"column {err.args[0]!r} is not in the rows; their columns are {list(row)}") from None
        if self.kind == "remove":
            return {k: v for k, v in row.items() if k not in self.arg}
        if self.kind == "rename":
            return {self.arg.get(k, k): v for k, v in row.items()}
        return self.arg.decode_example(self.arg.encode_example(row))

    def seek_token(self, rows: int) -> Token | None:
        return self.children[0].seek_token(rows)


class BatchNode(Node):
    """``batch(batch_size, drop_last_batch)``: each output row is ``{column: [values of batch_size rows]}``."""

    def __init__(self, child: Node, batch_size: int, drop_last_batch: bool = False) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.children = (child,)
        self.batch_size = batch_size
        self.drop_last_batch = drop_last_batch

    @property
    def features(self) -> Features | None:
        upstream = self.children[0].features
        return None if upstream is None else Features({k: List(v) for k, v in upstream.items()})

    def with_children(self, children: tuple[Node, ...]) -> BatchNode:
        return BatchNode(children[0], self.batch_size, self.drop_last_batch)

    def shuffled(self, seed: int, buffer_size: int) -> Node:
        return WindowShuffleNode(self, seed, buffer_size)

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        for tok, group in grouped(self.children[0].iter_slot(ctx, token), self.batch_size):
            if self.drop_last_batch and len(group) < self.batch_size:
                return
            yield tok, to_batch(group)

    def consumed_rows(self, token: Token, emitted: int) -> int | None:
        child = self.children[0]
        one_to_one = child.seek_token(0) is not None  # each batch then has its own token: emitted <= 1
        return child.consumed_rows(token, self.batch_size * emitted if one_to_one else 0)


class _CountingNode(Node):
    """What take and skip share: a count ``n`` split over the slots, which pins the order below them."""

    verb = ""

    def __init__(self, child: Node, n: int) -> None:
        self.children = (child,)
        self.n = n

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return type(self)(children[0], self.n)

    def shuffled(self, seed: int, buffer_size: int) -> Node:
        return WindowShuffleNode(self, seed, buffer_size)

    @property
    def relayout_blocker(self) -> str | None:
        return f"{self.verb}() (its count is split over the old slots)"


class TakeNode(_CountingNode):
    """``take(n)``: the first rows of each slot's stream, ``n`` split over the slots as rows are."""

    verb = "take"

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        share = ctx.share(self.n)
        inner, start = token if token is not None else (None, 0)
        if start >= share:
            return
        for tok, index, row in counted(self.children[0].iter_slot(ctx, inner), start):
            yield tok, row
            if index + 1 >= share:
                return


class SkipNode(_CountingNode):
    """``skip(n)``: each slot's stream without its first rows, ``n`` split over the slots as rows are.

    Right after a source (or steps that keep one row per source row) the skipped rows are not read at all:
    the stream starts at the first kept row, seeking by metadata.
    """

    verb = "skip"

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        share = ctx.share(self.n)
        if token is not None:
            inner, start = token
        else:
            seek = self.children[0].seek_token(share)
            inner, start = (None, 0) if seek is None else (seek, share)
        for tok, index, row in counted(self.children[0].iter_slot(ctx, inner), start):
            if index >= share:
                yield tok, row


class WindowShuffleNode(Node):
    """A shuffle that cannot move to the sources (after take/skip/batch/a batched map): that step's output
    is permuted in consecutive windows of ``buffer_size`` rows, each by ``(seed, epoch, slot, window)``."""

    def __init__(self, child: Node, seed: int, buffer_size: int) -> None:
        self.children = (child,)
        self.seed = seed
        self.buffer_size = buffer_size

    def with_children(self, children: tuple[Node, ...]) -> WindowShuffleNode:
        return WindowShuffleNode(children[0], self.seed, self.buffer_size)

    def shuffled(self, seed: int, buffer_size: int) -> Node:
        return WindowShuffleNode(self.children[0], seed, buffer_size)

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        inner, start = token if token is not None else (None, 0)
        windows = grouped(self.children[0].iter_slot(ctx, inner), self.buffer_size)
        for tok, index, window in counted(windows, start):
            order = np.random.default_rng([self.seed, ctx.epoch, ctx.slot, index]).permutation(len(window))
            for i in order.tolist():
                yield tok, window[i]

    @property
    def relayout_blocker(self) -> str | None:
        return "a shuffle after take/skip/batch/batched map"
