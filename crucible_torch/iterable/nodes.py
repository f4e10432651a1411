"""The pipeline an IterableDataset runs in each slot, and the resume tokens that make it exactly resumable.

A pipeline is a tree of `Node`s (a planned source at the leaves, then map/filter/batch/take/...). In a slot,
``node.iter_slot(ctx, token)`` yields ``(token, row)`` pairs: ``token`` is a small value (ints and tuples)
such that ``iter_slot(ctx, token)`` starts again with that row, or with the group of outputs that row
belongs to. The dataset keeps, for the last row it emitted, its token and how many rows it emitted since
that token changed; resuming replays from the token and drops that many rows (see :mod:`.state`).

Tokens by node kind:

- source: the number of rows of the slot's stream before this row, so a resume seeks by metadata;
- row-wise steps (map, filter, column edits): the input's token, unchanged;
- steps that count their input (``take``, ``skip``, ``with_indices``): ``(input token, count)``, the count
  being the step's counter when the first row with that input token arrived;
- steps that group rows (``batch``, batched ``map``/``filter``): the token of the group's first row when that
  row is the first with its token (a clean boundary, where a replay regroups identically), else the token of
  the last clean group, so a replay restarts at an earlier clean boundary and drops more rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..features import Features
from .partition import slot_share
from .stages import Layout, Stage

Row = dict[str, Any]
Token = Any
Emitted = tuple[Token, Row]
_NOTHING = object()


@dataclass(frozen=True)
class SlotContext:
    """Where a pipeline runs: the epoch, the slot layout, this slot, and the earlier stages of the epoch."""

    epoch: int
    layout: Layout
    rank: int = 0
    worker: int = 0
    history: tuple[Stage, ...] = ()

    @property
    def slot(self) -> int:
        return self.layout.slot(self.rank, self.worker)

    def share(self, n: int) -> int:
        """This slot's part of a row count ``n`` (``take(n)``, ``skip(n)``), split as pieces are."""
        layout = self.layout
        return slot_share(n, layout.world_size, layout.num_workers, self.rank, self.worker, layout.even)


class Node:
    """A step of a streaming pipeline; subclasses define `iter_slot` and the properties below."""

    children: tuple[Node, ...] = ()

    @property
    def features(self) -> Features | None:
        """The features of the rows this step yields, or None when unknown (after a map without features=)."""
        return self.children[0].features

    @property
    def num_units(self) -> int:
        """Units (row groups, byte ranges, files) of the sources below: the ``n_shards`` of the dataset."""
        return sum(child.num_units for child in self.children)

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        """Yield ``(token, row)`` for the slot ``ctx``, starting at ``token`` (None: from the start)."""
        raise NotImplementedError

    def with_children(self, children: tuple[Node, ...]) -> Node:
        """A copy of this step over other inputs."""
        raise NotImplementedError

    def shuffled(self, seed: int, buffer_size: int) -> Node:
        """This pipeline with its sources shuffled (children get seeds derived from ``seed``)."""
        if len(self.children) == 1:
            return self.with_children((self.children[0].shuffled(seed, buffer_size),))
        return self.with_children(
            tuple(child.shuffled(derived_seed(seed, i), buffer_size) for i, child in enumerate(self.children))
        )

    def seek_token(self, rows: int) -> Token | None:
        """The token of the ``rows``-th row when this step is one row per source row (else None)."""
        return None

    def consumed_rows(self, token: Token, emitted: int) -> int | None:
        """Source rows surely emitted, given the resume point; None when this pipeline cannot change layout."""
        return None

    @property
    def relayout_blocker(self) -> str | None:
        """Why a resume with another slot layout is impossible through this step (None when it is possible)."""
        for child in self.children:
            reason = child.relayout_blocker
            if reason:
                return reason
        return None


def derived_seed(seed: int, index: int) -> int:
    """A seed for the ``index``-th part of a pipeline shuffled with ``seed``."""
    return int(np.random.default_rng([seed, index]).integers(2**63 - 1))


class RowwiseNode(Node):
    """A step that turns each input row into at most one output row and keeps its token."""

    def __init__(self, child: Node) -> None:
        self.children = (child,)

    def apply(self, row: Row) -> Row | None:
        """The output row, or None to drop it."""
        raise NotImplementedError

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        apply = self.apply
        for tok, row in self.children[0].iter_slot(ctx, token):
            out = apply(row)
            if out is not None:
                yield tok, out

    def consumed_rows(self, token: Token, emitted: int) -> int | None:
        return self.children[0].consumed_rows(token, emitted)


def counted(rows: Iterable[Emitted], start: int) -> Iterator[tuple[Token, int, Row]]:
    """``(token, index, row)`` where ``index`` counts input rows from ``start`` and ``token`` is
    ``(input token, index of the first row with that input token)``: the token of a counting step."""
    index = start
    previous: Any = _NOTHING
    first = start
    for tok, row in rows:
        if tok != previous:
            previous, first = tok, index
        yield (tok, first), index, row
        index += 1


def grouped(rows: Iterable[Emitted], size: int | None) -> Iterator[tuple[Token, list[Row]]]:
    """Groups of ``size`` consecutive rows (all rows when ``size`` is None or <= 0), with each group's token.

    A group's token is its first row's token when that row is the first with its token, else the last such
    clean token (see the module docstring), so replaying from it regroups the rows identically.
    """
    whole = size is None or size <= 0
    previous: Any = _NOTHING
    clean: Any = None
    group: list[Row] = []
    group_token: Any = None
    for tok, row in rows:
        if not group:
            if tok != previous:
                clean = tok
            group_token = clean
        previous = tok
        group.append(row)
        if not whole and len(group) == size:
            yield group_token, group
            group = []
    if group:
        yield group_token, group


def to_batch(rows: list[Row]) -> dict[str, list]:
    """Rows -> ``{column: values}`` (the columns of the first row)."""
    if not rows:
        return {}
    return {name: [row.get(name) for row in rows] for name in rows[0]}


def to_rows(batch: dict[str, list]) -> list[Row]:
    """``{column: values}`` -> rows; the row count is the length of the first column."""
    if not batch:
        return []
    names = list(batch)
    n = len(batch[names[0]])
    return [{name: batch[name][i] for name in names} for i in range(n)]
