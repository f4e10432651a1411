"""The resumable state of an IterableDataset: a few integers per slot, and how to merge slots' states.

A state, as ``state_dict()`` returns it (plain dicts, lists, tuples and ints: it goes through ``torch.save``,
``StatefulDataLoader`` and JSON)::

    {"crucible_torch_iterable": 1,           # format version
     "epoch": 3,
     "layout": [world_size, num_workers, even],
     "history": [[layout, [rows emitted by each slot]], ...],   # earlier layouts of this epoch (resizes)
     "slots": {slot: [token, emitted]}}                         # where each slot stands (see .nodes)

Inside a DataLoader worker the state holds that worker's slot only; `StatefulDataLoader` keeps one per worker
and hands it back to the same worker on resume. To resume with a different ``num_workers`` or
``world_size``, gather every slot's state (each rank's ``StatefulDataLoader.state_dict()``, e.g. with
``torch.distributed.all_gather_object``), merge them with `merge_state_dicts`, and load the result into the
dataset before building the new DataLoader: the rows the old slots had not emitted are redistributed (see
:mod:`.stages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .stages import Layout, Stage

VERSION_KEY = "crucible_torch_iterable"
VERSION = 1


@dataclass
class SlotState:
    """A parsed state: epoch, layout, earlier stages, and ``{slot: (token, emitted)}``."""

    epoch: int
    layout: Layout
    history: tuple[Stage, ...]
    slots: dict[int, tuple[Any, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            VERSION_KEY: VERSION,
            "epoch": self.epoch,
            "layout": self.layout.to_list(),
            "history": [[stage.layout.to_list(), list(stage.consumed)] for stage in self.history],
            "slots": {slot: [token, emitted] for slot, (token, emitted) in self.slots.items()},
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> SlotState:
        if not is_state(state):
            raise ValueError(
                "not an IterableDataset state (expected the dict that IterableDataset.state_dict() returns, "
                f"or merge_state_dicts() of several); got {sorted(state) if isinstance(state, Mapping) else state!r}"
            )
        if state[VERSION_KEY] != VERSION:
            raise ValueError(f"IterableDataset state version {state[VERSION_KEY]} unsupported (expected {VERSION})")
        history = tuple(
            Stage(Layout.from_list(layout), tuple(int(c) for c in consumed)) for layout, consumed in state["history"]
        )
        slots = {int(slot): (_tuples(token), int(emitted)) for slot, (token, emitted) in state["slots"].items()}
        return cls(int(state["epoch"]), Layout.from_list(state["layout"]), history, slots)


def is_state(value: Any) -> bool:
    """Whether ``value`` is an IterableDataset state dict."""
    return isinstance(value, Mapping) and VERSION_KEY in value


def _tuples(token: Any) -> Any:
    """Tokens are ints and tuples; JSON turns tuples into lists, which would no longer compare equal."""
    if isinstance(token, (list, tuple)):
        return tuple(_tuples(t) for t in token)
    return token


def _collect(value: Any, out: list[Mapping[str, Any]]) -> None:
    if is_state(value):
        out.append(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, out)


def merge_state_dicts(states: Iterable[Any]) -> dict[str, Any]:
    """One state holding every slot of several: dataset states, or ``StatefulDataLoader.state_dict()``s
    (their workers' dataset states are found inside), e.g. one per rank.

    Raises:
        ValueError: no state was found, or the states disagree on epoch, layout or history (they come from
            different runs or epochs), or give one slot two different positions.
    """
    found: list[Mapping[str, Any]] = []
    for state in states:
        _collect(state, found)
    if not found:
        raise ValueError("no IterableDataset state found in the given states")
    parsed = [SlotState.from_dict(s) for s in found]
    first = parsed[0]
    merged = SlotState(first.epoch, first.layout, first.history, {})
    for state in parsed:
        if (state.epoch, state.layout, state.history) != (first.epoch, first.layout, first.history):
            raise ValueError(
                f"states from different epochs or layouts cannot be merged: epoch {first.epoch}, layout "
                f"{first.layout} vs epoch {state.epoch}, layout {state.layout}"
            )
        for slot, position in state.slots.items():
            if merged.slots.get(slot, position) != position:
                raise ValueError(f"two states give slot {slot} two positions: {merged.slots[slot]} and {position}")
            merged.slots[slot] = position
    return merged.to_dict()
