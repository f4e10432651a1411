"""Several pipelines read as one: concatenation and interleaving, per slot.

Each part is partitioned over the slots on its own, so every slot reads its share of every part. Within a
slot, a concatenation reads its parts one after the other (in an order shuffled per epoch once the result is
shuffled); an interleaving alternates them as `datasets` does (round-robin, or sources drawn by
``probabilities`` in blocks of 1000 from a generator seeded by (seed, epoch, slot)), with the same stopping
strategies: ``first_exhausted`` stops once the last row of some part was taken, ``all_exhausted`` restarts
a part that ran out until every part ran out once, ``all_exhausted_without_replacement`` drops parts that
ran out. Tokens hold each part's resume point, so both resume exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..features import Features, align_features
from .nodes import Emitted, Node, RowwiseNode, SlotContext, Token, derived_seed

STOPPING_STRATEGIES = ("first_exhausted", "all_exhausted", "all_exhausted_without_replacement")
_DRAW_BLOCK = 1000
_END = object()


def _common_features(children: Sequence[Node]) -> Features | None:
    """Every column of every part, in order of first appearance (shared columns aligned as in `datasets`)."""
    features = [child.features for child in children]
    if any(f is None for f in features):
        return None
    aligned = align_features(features)  # type: ignore[arg-type]
    return Features({name: aligned[name] for f in features for name in f})


def _conformed(node: Node, features: Features | None) -> Node:
    """``node``, its rows given every column of ``features`` (None where it has no such column), in order."""
    if features is None or node.features is None or list(node.features) == list(features):
        return node
    return ConformNode(node, features)


class ConformNode(RowwiseNode):
    """Rows of one part of a concatenation or interleaving with the columns of the whole, None where missing."""

    def __init__(self, child: Node, features: Features) -> None:
        super().__init__(child)
        self._features = features
        self.names = list(features)

    @property
    def features(self) -> Features:
        return self._features

    def with_children(self, children: tuple[Node, ...]) -> ConformNode:
        return ConformNode(children[0], self._features)

    def apply(self, row: dict) -> dict:
        return {name: row.get(name) for name in self.names}

    def seek_token(self, rows: int) -> Token | None:
        return self.children[0].seek_token(rows)


class ConcatNode(Node):
    """The parts one after the other in each slot; ``seed`` (set by ``shuffle``) shuffles their order per epoch."""

    def __init__(self, children: Sequence[Node], seed: int | None = None) -> None:
        self._features = _common_features(children)
        self.children = tuple(_conformed(child, self._features) for child in children)
        self.seed = seed

    @property
    def features(self) -> Features | None:
        return self._features

    def with_children(self, children: tuple[Node, ...]) -> ConcatNode:
        return ConcatNode(children, self.seed)

    def shuffled(self, seed: int, buffer_size: int) -> Node:
        parts = tuple(child.shuffled(derived_seed(seed, i), buffer_size) for i, child in enumerate(self.children))
        return ConcatNode(parts, seed)

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        order = list(range(len(self.children)))
        if self.seed is not None:
            order = np.random.default_rng([self.seed, ctx.epoch]).permutation(len(order)).tolist()
        start, inner = token if token is not None else (0, None)
        for position in range(start, len(order)):
            child = self.children[order[position]]
            for tok, row in child.iter_slot(ctx, inner if position == start else None):
                yield (position, tok), row

    @property
    def relayout_blocker(self) -> str | None:
        return "concatenate_datasets"


class _Part:
    """One part of an interleaving in a slot: its iterator, the row looked ahead, and its resume cursor."""

    def __init__(self, node: Node, ctx: SlotContext, cursor: tuple[Token, int]) -> None:
        self.node, self.ctx = node, ctx
        self.cursor = cursor
        self.rows = node.iter_slot(ctx, cursor[0])
        for _ in range(cursor[1]):
            next(self.rows, None)
        self.ahead: Any = next(self.rows, _END)

    def take(self) -> Any:
        """The next row; moves the cursor past it and looks ahead at the one after."""
        tok, row = self.ahead
        self.cursor = (tok, self.cursor[1] + 1) if tok == self.cursor[0] else (tok, 1)
        self.ahead = next(self.rows, _END)
        return row

    def restart(self) -> None:
        self.cursor = (None, 0)
        self.rows = self.node.iter_slot(self.ctx, None)
        self.ahead = next(self.rows, _END)


class InterleaveNode(Node):
    """Rows alternating between parts, round-robin or drawn by ``probabilities`` (see the module docstring)."""

    def __init__(
        self,
        children: Sequence[Node],
        probabilities: Sequence[float] | None = None,
        seed: int | None = None,
        stopping_strategy: str = "first_exhausted",
    ) -> None:
        if stopping_strategy not in STOPPING_STRATEGIES:
            raise ValueError(
                f"{stopping_strategy} is not supported. Please enter a valid stopping_strategy: "
                f"{list(STOPPING_STRATEGIES)}"
            )
        if probabilities is not None:
            if len(probabilities) != len(children):
                raise ValueError(f"probabilities has {len(probabilities)} values for {len(children)} datasets")
            if stopping_strategy == "all_exhausted" and any(p <= 0 for p in probabilities):
                raise ValueError(
                    'interleave_datasets with stopping_strategy="all_exhausted" cannot exhaust a dataset that is '
                    "never sampled; give every dataset a probability > 0."
                )
        self._features = _common_features(children)
        self.children = tuple(_conformed(child, self._features) for child in children)
        self.probabilities = list(probabilities) if probabilities is not None else None
        self.seed = int(np.random.default_rng().integers(2**63 - 1)) if seed is None else seed
        self.stopping_strategy = stopping_strategy

    @property
    def features(self) -> Features | None:
        return self._features

    def with_children(self, children: tuple[Node, ...]) -> InterleaveNode:
        return InterleaveNode(children, self.probabilities, self.seed, self.stopping_strategy)

    def _choices(self, ctx: SlotContext, skip: int) -> Iterator[int]:
        """Part indices to draw from, after ``skip`` draws."""
        k = len(self.children)
        if self.probabilities is None:
            draw = skip
            while True:
                yield draw % k
                draw += 1
        # slot 0 of epoch 0 draws as `datasets` does in a single process: default_rng(seed)
        first = (ctx.epoch, ctx.slot) == (0, 0)
        rng = np.random.default_rng(self.seed if first else [self.seed, ctx.epoch, ctx.slot])
        blocks, into = divmod(skip, _DRAW_BLOCK)
        for _ in range(blocks):
            rng.choice(k, size=_DRAW_BLOCK, p=self.probabilities)
        while True:
            yield from rng.choice(k, size=_DRAW_BLOCK, p=self.probabilities)[into:].tolist()
            into = 0

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        k = len(self.children)
        draws, cursors, exhausted = token if token is not None else (0, ((None, 0),) * k, (False,) * k)
        parts = [_Part(child, ctx, cursor) for child, cursor in zip(self.children, cursors)]
        exhausted = list(exhausted)
        replace = not self.stopping_strategy.endswith("without_replacement")
        stop = any if self.stopping_strategy == "first_exhausted" else all
        for index in self._choices(ctx, draws):
            if stop(exhausted):
                return
            draws += 1
            part = parts[index]
            if exhausted[index] and not replace:
                continue
            before = (draws - 1, tuple(p.cursor for p in parts), tuple(exhausted))
            row = part.take() if part.ahead is not _END else _END
            if part.ahead is _END:
                exhausted[index] = True
                if replace:
                    part.restart()
            if row is not _END:
                yield before, row

    @property
    def relayout_blocker(self) -> str | None:
        return "interleave_datasets"
