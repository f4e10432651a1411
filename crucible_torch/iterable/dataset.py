"""`IterableDataset`: a ``torch.utils.data.IterableDataset`` streaming rows from files, with `datasets`' API.

Every operation is lazy and returns a new dataset over a longer pipeline (:mod:`.nodes`). Iterating runs the
pipeline for one *slot*: the DataLoader worker (from torch) of the rank (from `split_dataset_by_node`), so
each slot reads its own rows of the epoch (:mod:`.partition`) and every row is read once per epoch, with no
idle worker when there are fewer files than workers.

``set_epoch(e)`` writes to a shared-memory tensor, so DataLoader workers kept alive by
``persistent_workers=True`` see it (datasets#6673). ``state_dict()`` / ``load_state_dict()`` follow the
``Stateful`` protocol of ``torchdata.stateful_dataloader``: called inside each worker, they save and restore
that worker's position exactly (:mod:`.state`). A loaded state is used by the next iteration of this object
if its epoch is the state's epoch (a state of a later epoch is ignored with a warning: call ``set_epoch``
first); during it, ``state_dict()`` reports live progress, so a second resume continues from the second
checkpoint (datasets#8308). As in `datasets`, a state loaded into the dataset *before* it is handed to
DataLoader workers travels with every later copy made for workers: later epochs ignore it once
``set_epoch`` moves on (``StatefulDataLoader.load_state_dict`` restores worker copies only).
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.utils.data

from ..arrow.info import DatasetInfo
from ..features import Features
from ..runtime.distributed import get_worker_info
from .formatting import OutputFormat, check_format
from .nodes import Node, Row, SlotContext, Token
from .ops import BatchNode, ColumnsNode, FilterNode, MapNode, SkipNode, TakeNode
from .source import SourceNode
from .stages import Layout, Stage
from .state import SlotState, is_state, merge_state_dicts

logger = logging.getLogger("crucible_torch.iterable")


@dataclass(frozen=True)
class NodeSplit:
    """This process's place among the ranks, as `split_dataset_by_node` set it."""

    rank: int
    world_size: int
    even: bool = True


def _shared_epoch(epoch: int) -> torch.Tensor:
    return torch.tensor(epoch, dtype=torch.int64).share_memory_()


def _identity(x: Any, *_: Any) -> Any:
    return x


def _keep(*_: Any) -> bool:
    return True


def _names(column_names: str | Sequence[str] | None) -> list[str] | None:
    if column_names is None:
        return None
    return [column_names] if isinstance(column_names, str) else list(column_names)


class IterableDataset(torch.utils.data.IterableDataset):
    """A stream of rows with `datasets`' IterableDataset API; build it with ``load_dataset(..., streaming=True)``
    or ``Dataset.to_iterable_dataset()``."""

    def __init__(
        self,
        node: Node,
        info: DatasetInfo | None = None,
        split: str | None = None,
        *,
        format_type: str | None = None,
        distributed: NodeSplit | None = None,
        epoch: int = 0,
    ) -> None:
        self._node = node
        self._info = info.copy() if info is not None else DatasetInfo()
        self._info.features = node.features
        self._split = split
        self._format_type = check_format(format_type)
        self._distributed = distributed
        self._epoch = _shared_epoch(epoch)
        self._pending: SlotState | None = None
        self._live: SlotState | None = None

    def _derive(self, node: Node | None = None, **changes: Any) -> IterableDataset:
        """A new dataset with this one's settings, a new pipeline and/or some settings changed."""
        kwargs: dict[str, Any] = {
            "format_type": self._format_type,
            "distributed": self._distributed,
            "epoch": self.epoch,
        }
        kwargs.update(changes)
        return IterableDataset(node or self._node, self._info, self._split, **kwargs)

    @classmethod
    def from_ray(
        cls,
        ray_dataset: Any,
        features: Features | None = None,
        cache_dir: str | os.PathLike | None = None,
        **kwargs: Any,
    ) -> IterableDataset:
        """The rows of a ``ray.data.Dataset``, written as shards by the Ray workers into ``cache_dir`` (a path or a
        pyarrow filesystem URI) and streamed from there, sharded over rank x DataLoader worker (see
        `crucible_torch.ray.iterable_from_ray`; needs the ``ray`` extra)."""
        # An upward import on purpose: crucible_torch.ray sits above this layer and imports ray, which the
        # library loads only when this is called.
        from ..ray import iterable_from_ray

        return iterable_from_ray(ray_dataset, features, cache_dir, **kwargs)

    # ------------------------------------------------------------------ properties
    @property
    def features(self) -> Features | None:
        """A copy of the features of the rows, or None when unknown (after a ``map`` without ``features=``)."""
        features = self._node.features
        return None if features is None else features.copy()

    @property
    def column_names(self) -> list[str] | None:
        features = self.features
        return None if features is None else list(features)

    @property
    def num_columns(self) -> int | None:
        features = self.features
        return None if features is None else len(features)

    @property
    def info(self) -> DatasetInfo:
        return self._info

    @property
    def split(self) -> str | None:
        return self._split

    @property
    def num_shards(self) -> int:
        """Units the rows are read in (parquet row groups, JSONL byte ranges, files). Unlike `datasets`, this
        does not cap useful DataLoader workers: slots are cut by rows, so every worker gets rows."""
        return self._node.num_units

    @property
    def n_shards(self) -> int:
        return self.num_shards

    @property
    def epoch(self) -> int:
        return int(self._epoch)

    @property
    def format(self) -> dict[str, Any]:
        return {"type": self._format_type}

    @property
    def collate_fn(self) -> Callable[[Any], Any]:
        """``Collator(self.features)`` for a DataLoader over this dataset's rows."""
        from ..batching.collator import Collator

        return Collator(self.features)

    def __repr__(self) -> str:
        names = self.column_names if self.column_names is not None else "Unknown"
        return f"IterableDataset({{\n    features: {names},\n    num_shards: {self.num_shards}\n}})"

    # ------------------------------------------------------------------ epochs and state
    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` for the next iteration: a new shuffle order (seen by persistent DataLoader workers)."""
        self._epoch.fill_(int(epoch))

    def _layout(self) -> tuple[Layout, int, int]:
        worker, num_workers = get_worker_info()
        split = self._distributed or NodeSplit(0, 1)
        return Layout(split.world_size, num_workers, split.even), split.rank, worker

    def state_dict(self) -> dict[str, Any]:
        """Where this slot stands: small and JSON-able (see :mod:`crucible_torch.iterable.state`)."""
        if self._live is not None:
            return self._live.to_dict()
        if self._pending is not None:
            return self._pending.to_dict()
        layout, rank, worker = self._layout()
        return SlotState(self.epoch, layout, (), {layout.slot(rank, worker): (None, 0)}).to_dict()

    def load_state_dict(self, state_dict: Mapping[str, Any] | Sequence[Any]) -> None:
        """Resume at ``state_dict`` on the next iteration of its epoch.

        Accepts this dataset's own ``state_dict()``, a ``StatefulDataLoader.state_dict()`` (its workers' states
        are found inside), a list of those (one per rank), or a list of worker states: several are merged with
        `merge_state_dicts`, so a job stopped with 2 workers resumes with 3 by loading the old loader's state
        here before building the new DataLoader (the rows no old worker emitted are spread over the new ones).
        """
        if not is_state(state_dict):
            states = state_dict if isinstance(state_dict, (list, tuple)) else [state_dict]
            state_dict = merge_state_dicts(states)
        self._pending = SlotState.from_dict(state_dict)

    def _begin(self) -> tuple[SlotContext, Token, int]:
        """The slot to iterate, where to start, and the live state that tracks it."""
        layout, rank, worker = self._layout()
        slot = layout.slot(rank, worker)
        epoch = self.epoch
        pending, self._pending = self._pending, None
        history: tuple[Stage, ...] = ()
        token, emitted = None, 0
        if pending is not None and pending.epoch != epoch:
            if pending.epoch > epoch:
                logger.warning(
                    "Ignoring the loaded state of epoch %d in epoch %d: call set_epoch(%d) before iterating "
                    "to resume it.", pending.epoch, epoch, pending.epoch,
                )  # fmt: skip
        elif pending is not None:
            history = pending.history
            if pending.layout == layout:
                if slot not in pending.slots:
                    raise ValueError(
                        f"the loaded state has no position for slot {slot} (rank {rank}, worker {worker}); it "
                        f"holds slots {sorted(pending.slots)}. Load the state of every worker and rank, merged "
                        "with merge_state_dicts(), or let StatefulDataLoader restore each worker's own state."
                    )
                token, emitted = pending.slots[slot]
            else:
                history = history + (self._finished_stage(pending),)
        self._live = SlotState(epoch, layout, history, {slot: (token, emitted)})
        return SlotContext(epoch, layout, rank, worker, history), token, emitted

    def _finished_stage(self, state: SlotState) -> Stage:
        """The stage a state with another layout describes: rows emitted by each of its slots."""
        blocker = self._node.relayout_blocker
        if blocker is not None:
            raise ValueError(
                f"cannot resume a state of layout {state.layout} with another layout: the pipeline has {blocker}. "
                "Resume with the same world_size and num_workers."
            )
        missing = sorted(set(range(state.layout.num_slots)) - set(state.slots))
        if missing:
            raise ValueError(
                f"resuming with another layout needs the position of every old slot, but slots {missing} of "
                f"{state.layout.num_slots} are missing: merge the states of every rank and worker with "
                "merge_state_dicts()."
            )
        consumed = [self._node.consumed_rows(*state.slots[slot]) for slot in range(state.layout.num_slots)]
        return Stage(state.layout, tuple(int(c or 0) for c in consumed))

    def _start(self) -> Iterator[Row]:
        """Begin an iteration now (so ``state_dict()`` sees it at once) and return the slot's rows."""
        ctx, token, emitted = self._begin()
        return self._follow(ctx, token, emitted)

    def _follow(self, ctx: SlotContext, token: Token, emitted: int) -> Iterator[Row]:
        """The slot's rows from a resume point; the live state follows each row as it is handed out."""
        if self._live is None:
            raise RuntimeError("IterableDataset._follow called before _begin() set up the live state")
        position = self._live.slots
        slot = ctx.slot
        rows = self._node.iter_slot(ctx, token)
        for _ in range(emitted):
            next(rows, None)
        current, count = token, emitted
        for tok, row in rows:
            if tok == current:
                count += 1
            else:
                current, count = tok, 1
            position[slot] = (current, count)
            yield row

    # ------------------------------------------------------------------ iteration
    def __iter__(self) -> Iterator[Any]:
        output = OutputFormat(self._format_type, self.features)
        rows = self._start()
        if self._format_type is None:
            return rows
        return map(output.row, rows)

    def iter(self, batch_size: int, drop_last_batch: bool = False) -> Iterator[Any]:
        """Batches of ``batch_size`` rows in the current format (dicts of lists in python format)."""
        return self._batches(self._start(), batch_size, drop_last_batch)

    def _batches(self, rows: Iterator[Row], batch_size: int, drop_last_batch: bool) -> Iterator[Any]:
        output = OutputFormat(self._format_type, self.features)
        while True:
            group = [row for _, row in zip(range(batch_size), rows)]
            if not group or (drop_last_batch and len(group) < batch_size):
                return
            yield output.batch(group)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_live"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._epoch = self._epoch.share_memory_()  # a no-op when torch already shared it with the worker

    # ------------------------------------------------------------------ lazy operations
    def map(
        self,
        function: Callable[..., Any] | None = None,
        with_indices: bool = False,
        input_columns: str | list[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        drop_last_batch: bool = False,
        remove_columns: str | list[str] | None = None,
        features: Features | None = None,
        fn_kwargs: dict | None = None,
    ) -> IterableDataset:
        """Apply ``function`` to each row (or batch), lazily; its dict output updates the row."""
        node = MapNode(
            self._node,
            function if function is not None else _identity,
            with_indices=with_indices,
            input_columns=_names(input_columns),
            batched=batched,
            batch_size=batch_size,
            drop_last_batch=drop_last_batch,
            remove_columns=_names(remove_columns),
            features=Features(features) if features is not None and not isinstance(features, Features) else features,
            fn_kwargs=fn_kwargs,
            input_format=self._input_format(),
        )
        return self._derive(node)

    def filter(
        self,
        function: Callable[..., Any] | None = None,
        with_indices: bool = False,
        input_columns: str | list[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        fn_kwargs: dict | None = None,
    ) -> IterableDataset:
        """Keep the rows for which ``function`` is true, lazily."""
        node = FilterNode(
            self._node,
            function if function is not None else _keep,
            with_indices,
            _names(input_columns),
            batched,
            batch_size,
            fn_kwargs,
            self._input_format(),
        )
        return self._derive(node)

    def _input_format(self) -> OutputFormat | None:
        """What map/filter functions receive: rows in this dataset's torch or numpy format, as in `datasets`."""
        return OutputFormat(self._format_type, self.features) if self._format_type in ("torch", "numpy") else None

    def shuffle(
        self, seed: int | None = None, generator: np.random.Generator | None = None, buffer_size: int = 1000
    ) -> IterableDataset:
        """Shuffle the unit order per epoch and the rows in windows of ``buffer_size`` (see :mod:`.order`).

        Use the same ``seed`` on every rank. Without seed nor generator, one is drawn at random.
        """
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, got {buffer_size}")
        if generator is not None:
            seed = int(copy.deepcopy(generator).integers(2**63 - 1))  # the caller's generator is not advanced
        elif seed is None:
            seed = int(np.random.default_rng().integers(2**63 - 1))
        return self._derive(self._node.shuffled(int(seed), buffer_size))

    def take(self, n: int) -> IterableDataset:
        """The first ``n`` rows: each slot takes its share of ``n`` (see :mod:`.partition`), so the whole job
        yields ``n`` rows whatever the number of workers and ranks (`datasets` gives each rank ``n``)."""
        if n < 0:
            raise ValueError(f"take() needs n >= 0, got {n}")
        return self._derive(TakeNode(self._node, n))

    def skip(self, n: int) -> IterableDataset:
        """All rows but the first ``n``, split over slots as in `take`; skipped rows are not read when possible."""
        if n < 0:
            raise ValueError(f"skip() needs n >= 0, got {n}")
        return self._derive(SkipNode(self._node, n))

    def batch(self, batch_size: int, drop_last_batch: bool = False) -> IterableDataset:
        """Group rows into ``{column: [values]}`` batches of ``batch_size`` rows (per slot)."""
        return self._derive(BatchNode(self._node, batch_size, drop_last_batch))

    def _check_columns(self, names: Sequence[str], what: str) -> None:
        known = self.column_names
        missing = [n for n in names if known is not None and n not in known]
        if missing:
            raise ValueError(f"Column name {missing} not in the dataset. Current columns in the dataset: {known}")

    def _columns(self, kind: str, arg: Any) -> IterableDataset:
        """A column edit: folded into the source when it comes right after it, else applied to rows."""
        node = self._node
        if isinstance(node, SourceNode):
            if kind == "select":
                index = {name: i for i, name in enumerate(node.names)}
                columns = [node.columns[index[name]] for name in arg]
                features = Features({name: node.features[name] for name in arg})
                return self._derive(node.edited(columns=columns, names=list(arg), features=features))
            if kind == "rename":
                names = [arg.get(name, name) for name in node.names]
                features = Features({arg.get(k, k): v for k, v in node.features.items()})
                return self._derive(node.edited(names=names, features=features))
            return self._derive(node.edited(features=arg))
        return self._derive(ColumnsNode(node, kind, arg))

    def select_columns(self, column_names: str | list[str]) -> IterableDataset:
        """Keep only ``column_names``, in that order (a parquet source then reads only those columns)."""
        names = _names(column_names)
        self._check_columns(names, "select")
        return self._columns("select", names)

    def remove_columns(self, column_names: str | list[str]) -> IterableDataset:
        """Drop ``column_names``."""
        names = _names(column_names)
        self._check_columns(names, "remove")
        if self.column_names is None:
            return self._derive(ColumnsNode(self._node, "remove", set(names)))
        return self._columns("select", [c for c in self.column_names if c not in names])

    def rename_columns(self, column_mapping: dict[str, str]) -> IterableDataset:
        """Rename several columns at once."""
        self._check_columns(list(column_mapping), "rename")
        if self.column_names is not None:
            renamed = [column_mapping.get(c, c) for c in self.column_names]
            if len(set(renamed)) != len(renamed):
                raise ValueError(f"Renaming {column_mapping} would give duplicate column names {renamed}")
        return self._columns("rename", dict(column_mapping))

    def rename_column(self, original_column_name: str, new_column_name: str) -> IterableDataset:
        """Rename one column."""
        return self.rename_columns({original_column_name: new_column_name})

    def cast(self, features: Features) -> IterableDataset:
        """Cast the rows to ``features`` (same column names)."""
        features = features if isinstance(features, Features) else Features(features)
        if self.column_names is not None and sorted(features) != sorted(self.column_names):
            raise ValueError(
                f"The columns in features ({list(features)}) must be identical as the columns in the dataset: "
                f"{self.column_names}"
            )
        if self.column_names is not None:
            features = Features({name: features[name] for name in self.column_names})
        return self._columns("cast", features)

    def cast_column(self, column: str, feature: Any) -> IterableDataset:
        """Cast one column, e.g. ``cast_column("image", Image(decode=False))``."""
        self._check_columns([column], "cast")
        if self.features is None:
            raise ValueError("cast_column needs known features; pass features= to map() first")
        features = self.features.copy()
        features[column] = feature
        return self._columns("cast", features)

    def with_format(self, type: str | None = None) -> IterableDataset:  # noqa: A002 - datasets' name
        """Yield rows as python (None), ``"numpy"``, ``"torch"`` or ``"arrow"``."""
        return self._derive(format_type=check_format(type))
