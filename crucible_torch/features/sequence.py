"""List features: `List` (Arrow list or fixed-size list), `LargeList` (large_list), legacy `Sequence`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


class Sequence:
    """Legacy constructor kept for `datasets` compatibility: ``Sequence(f, n)`` returns ``List(f, n)``.

    For a dict feature it returns a dict of Lists, one per key (the TFDS convention `datasets` keeps), unless
    every value of the dict is already a `List`. ``isinstance(x, Sequence)`` is true for every `List`.
    """

    def __new__(cls, feature: Any = None, length: int = -1, **kwargs: Any) -> Any:
        if cls is Sequence and isinstance(feature, dict) and any(not isinstance(sub, List) for sub in feature.values()):
            return {key: List(sub, length=length, **kwargs) for key, sub in feature.items()}
        return super().__new__(List)


@dataclass(repr=False)
class List(Sequence):
    """A list of ``feature`` values: variable length (``length=-1``) or fixed (Arrow fixed-size list)."""

    feature: Any
    length: int = -1
    id: str | None = field(default=None, repr=False)
    _type: ClassVar[str] = "List"

    def __repr__(self) -> str:
        if self.length != -1:
            return f"List({self.feature!r}, length={self.length})"
        return f"List({self.feature!r})"


@dataclass(repr=False)
class LargeList:
    """A list of ``feature`` values with 64-bit offsets (Arrow ``large_list``)."""

    feature: Any
    id: str | None = field(default=None, repr=False)
    _type: ClassVar[str] = "LargeList"

    def __repr__(self) -> str:
        return f"LargeList({self.feature!r})"
