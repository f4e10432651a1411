"""The split slicing grammar of ``load_dataset(split=...)``: ``train[:10%]+test[-100:](pct1_dropremainder)``.

A spec is one or more parts joined by ``+``; a part is a split name (``\\w+(\\.\\w+)*``, e.g. ``train.500``),
optionally followed by a slice ``[from:to]`` whose bounds are absolute row numbers or percentages (``%``),
negative bounds counting from the end and ``_`` allowed between digits, and optionally by a rounding mode in
parentheses. The resolution to absolute row ranges follows ``datasets.ReadInstruction`` exactly, including
its rounding (``closest`` = ``round(pct * n / 100)`` with Python's float rounding, ``pct1_dropremainder`` =
multiples of ``trunc(n / 100)``), so a slice selects the same rows as in ``datasets``.

The whole spec ``"all"`` means every split, in the order of the split lengths mapping (as ``datasets`` does).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from crucible_torch.errors import SplitNotFoundError

__all__ = ["ROUNDINGS", "SplitPart", "SplitSlice", "SplitSpec", "parse_split"]

ROUNDINGS = ("closest", "pct1_dropremainder")
ALL_SPLITS = "all"

_PART_RE = re.compile(
    r"""
    ^(?P<split>\w+(?:\.\w+)*)
    (?P<slice>\[
        (?:(?P<from>-?[\d_]+)(?P<from_pct>%)?)?
        :
        (?:(?P<to>-?[\d_]+)(?P<to_pct>%)?)?
    \])?
    (?:\((?P<rounding>[^)]*)\))?$
    """,
    re.X,
)
_PLUS_RE = re.compile(r"\s*\+\s*")
_GRAMMAR = "split[from:to](rounding), e.g. 'train[:10%]', 'test[-100:]' or 'train[:33%](pct1_dropremainder)'"


class SplitSlice(NamedTuple):
    """An absolute row range ``[start, stop)`` of one split (``stop < start`` selects nothing)."""

    split: str
    start: int
    stop: int

    @property
    def num_rows(self) -> int:
        """Number of rows the range selects."""
        return max(0, self.stop - self.start)


@dataclass(frozen=True)
class SplitPart:
    """One ``+``-separated part of a spec: a split, optionally sliced in rows (``abs``) or percent (``%``)."""

    split: str
    start: int | None = None
    stop: int | None = None
    unit: str = "abs"
    rounding: str | None = None
    sliced: bool = False

    def to_absolute(self, split_lengths: Mapping[str, int]) -> SplitSlice:
        """Resolve to absolute row bounds clamped to ``[0, len(split)]``, as ``datasets`` does."""
        if self.split not in split_lengths:
            raise SplitNotFoundError(self.split, list(split_lengths))
        n = split_lengths[self.split]
        start, stop = self.start, self.stop
        if self.unit == "%":
            to_rows = _pct1_dropremainder if self.rounding == "pct1_dropremainder" else _closest
            start = 0 if start is None else to_rows(start, n, self.split)
            stop = n if stop is None else to_rows(stop, n, self.split)
        else:
            start = 0 if start is None else start
            stop = n if stop is None else stop
        if start < 0:
            start = max(n + start, 0)
        if stop < 0:
            stop = max(n + stop, 0)
        return SplitSlice(self.split, min(start, n), min(stop, n))

    def __str__(self) -> str:
        if not self.sliced:
            return self.split
        pct = "%" if self.unit == "%" else ""
        lo = "" if self.start is None else f"{self.start}{pct}"
        hi = "" if self.stop is None else f"{self.stop}{pct}"
        text = f"{self.split}[{lo}:{hi}]"
        if self.unit == "%" and self.rounding not in (None, "closest"):
            text += f"({self.rounding})"
        return text


def _closest(boundary: int, n: int, split: str) -> int:
    return int(round(boundary * n / 100.0))


def _pct1_dropremainder(boundary: int, n: int, split: str) -> int:
    if n < 100:
        raise ValueError(
            f'Using "pct1_dropremainder" rounding on split {split!r} with {n} rows (< 100) is forbidden: it '
            "always results in an empty dataset. Use the default 'closest' rounding or absolute bounds."
        )
    return boundary * math.trunc(n / 100.0)


@dataclass(frozen=True)
class SplitSpec:
    """A parsed split spec: its parts in order (``+`` concatenates them)."""

    spec: str
    parts: tuple[SplitPart, ...]

    @property
    def is_all(self) -> bool:
        """True for the spec ``"all"``: every split of the dataset, in order."""
        return self.spec == ALL_SPLITS

    @property
    def split_names(self) -> list[str]:
        """The split names written in the spec, each once, in order of first appearance."""
        return list(dict.fromkeys(part.split for part in self.parts))

    def is_whole_splits(self) -> bool:
        """True when no part is sliced: ``train``, ``train+test`` or ``all`` (what streaming accepts)."""
        return not any(part.sliced for part in self.parts)

    def resolve_names(self, available: Sequence[str]) -> list[str]:
        """The splits to read, ``all`` expanded; raises :class:`SplitNotFoundError` for an unknown split."""
        if self.is_all:
            return list(available)
        for name in self.split_names:
            if name not in available:
                raise SplitNotFoundError(name, list(available))
        return self.split_names

    def streaming_split_names(self, available: Sequence[str]) -> list[str]:
        """The splits a streaming load concatenates; slices are refused with ``ValueError("Bad split ...")``.

        Streaming cannot seek to a percentage of a split whose length is unknown, so, as in ``datasets``, only
        whole splits (``train``, ``train+test``, ``all``) are accepted.
        """
        names = list(available) if self.is_all else [part.split for part in self.parts]
        if not self.is_whole_splits() or any(name not in available for name in names):
            raise ValueError(
                f"Bad split: {self.spec}. Available splits: {list(available)}. Streaming reads whole splits "
                "only (e.g. 'train' or 'train+test'); slice after loading with .take()/.skip() instead."
            )
        return names

    def to_absolute(self, split_lengths: Mapping[str, int]) -> list[SplitSlice]:
        """Resolve every part to absolute row bounds given each split's length (``datasets`` rounding)."""
        if self.is_all:
            return [SplitSlice(name, 0, n) for name, n in split_lengths.items()]
        return [part.to_absolute(split_lengths) for part in self.parts]

    def __str__(self) -> str:
        return self.spec


def _bound(text: str | None, spec: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"Bad split bound {text!r} in {spec!r}: '_' may only separate digits") from None


def _parse_part(text: str, spec: str) -> SplitPart:
    match = _PART_RE.match(text)
    if match is None:
        raise ValueError(f"Unrecognized split format {text!r} in {spec!r}. Expected {_GRAMMAR}.")
    unit = "%" if match["from_pct"] or match["to_pct"] else "abs"
    start, stop, rounding = _bound(match["from"], spec), _bound(match["to"], spec), match["rounding"]
    if rounding is not None and rounding not in ROUNDINGS:
        raise ValueError(f"Bad rounding {rounding!r} in split {spec!r}: must be one of {list(ROUNDINGS)}.")
    if unit != "%" and rounding is not None:
        raise ValueError(f"Bad split {spec!r}: a rounding can only be given with percent (%) bounds.")
    if unit == "%" and any(b is not None and abs(b) > 100 for b in (start, stop)):
        raise ValueError(f"Bad split {spec!r}: percent slice boundaries must be between -100 and 100.")
    if unit == "%" and rounding is None:
        rounding = "closest"
    sliced = match["slice"] is not None or match["rounding"] is not None
    return SplitPart(match["split"], start, stop, unit, rounding, sliced)


def parse_split(spec: str | SplitSpec) -> SplitSpec:
    """Parse a split spec such as ``"train[:10%]+test"``; raises ``ValueError`` naming the bad part."""
    if isinstance(spec, SplitSpec):
        return spec
    spec = str(spec)
    parts = tuple(_parse_part(sub, spec) for sub in _PLUS_RE.split(spec))
    first = parts[0]
    for part in parts[1:]:
        if first.unit != "abs" and part.unit != "abs" and first.rounding != part.rounding:
            raise ValueError(f"Bad split {spec!r}: parts with percent bounds must all use the same rounding.")
    return SplitSpec(spec, parts)
