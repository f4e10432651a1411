"""`ClassLabel`: class ids stored as ``int64`` (``-1`` = missing), with their names in the metadata."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class ClassLabel:
    """Class labels given by ``num_classes`` (names ``"0"``..), ``names`` or ``names_file`` (one name a line).

    Only ``names`` is serialised (as in `datasets`); ``num_classes`` is derived from it.
    """

    num_classes: InitVar[int | None] = None
    names: list[str] | None = None
    names_file: InitVar[str | None] = None
    id: str | None = field(default=None, repr=False)
    dtype: ClassVar[str] = "int64"
    pa_type: ClassVar[pa.DataType] = pa.int64()
    _type: ClassVar[str] = "ClassLabel"

    def __post_init__(self, num_classes: int | None, names_file: str | None) -> None:
        if names_file is not None and self.names is not None:
            raise ValueError("Please provide either names or names_file but not both.")
        if self.names is None:
            if names_file is not None:
                with open(names_file, encoding="utf-8") as f:
                    self.names = [line.strip() for line in f.read().split("\n") if line.strip()]
            elif num_classes is not None:
                self.names = [str(i) for i in range(num_classes)]
            else:
                raise ValueError("Please provide either num_classes, names or names_file.")
        elif not isinstance(self.names, Sequence) or isinstance(self.names, str):
            raise TypeError(f"Please provide names as a list, is {type(self.names)}")
        if num_classes is not None and num_classes != len(self.names):
            raise ValueError(
                "ClassLabel number of names do not match the defined num_classes. "
                f"Got {len(self.names)} names VS {num_classes} num_classes"
            )
        self.num_classes: int = len(self.names)
        self.names_file = names_file
        self._int2str = [str(name) for name in self.names]
        self._str2int = {name: i for i, name in enumerate(self._int2str)}
        if len(self._str2int) != len(self._int2str):
            raise ValueError("Some label names are duplicated. Each label name should be unique.")

    def str2int(self, values: str | Iterable[str]) -> int | list[int]:
        """Map a name (or each name of an iterable) to its id; a digit string in range is taken as the id."""
        if isinstance(values, str):
            return self._strval2int(values)
        if not isinstance(values, Iterable):
            raise ValueError(
                f"Values {values} should be a string or an Iterable (list, numpy array, pytorch, tensorflow tensors)"
            )
        return [self._strval2int(value) for value in values]

    def _strval2int(self, value: Any) -> int:
        value = str(value)
        found = self._str2int.get(value)
        if found is None:
            found = self._str2int.get(value.strip())
        if found is not None:
            return found
        try:
            as_int = int(value)
        except ValueError:
            as_int = None
        if as_int is None or not -1 <= as_int < self.num_classes:
            raise ValueError(f"Invalid string class label {value}")
        return as_int

    def int2str(self, values: int | Iterable[int]) -> str | list[str]:
        """Map an id (or each id of an iterable) to its name; ids outside ``[0, num_classes)`` raise."""
        if isinstance(values, (int, np.integer)):
            return self._int2str[self._check_int(values)]
        if not isinstance(values, Iterable):
            raise ValueError(
                f"Values {values} should be an integer or an Iterable (list, numpy array, pytorch, tensorflow tensors)"
            )
        checked = [self._check_int(v) for v in values]
        return [self._int2str[v] for v in checked]

    def _check_int(self, value: Any) -> int:
        if not 0 <= value < self.num_classes:
            raise ValueError(f"Invalid integer class label {value:d}")
        return int(value)

    def encode_example(self, value: Any) -> int:
        """Return the id of a name, or check an id: ``-1 <= id < num_classes`` (``-1`` = missing label)."""
        if isinstance(value, str):
            value = self._strval2int(value)
        if not -1 <= value < self.num_classes:
            raise ValueError(f"Class label {value:d} greater than configured num_classes {self.num_classes}")
        return int(value)

    def cast_storage(self, storage: pa.Array) -> pa.Array:
        """Cast integers (checked against ``num_classes``) or label names to the ``int64`` storage."""
        types = pa.types
        if types.is_integer(storage.type) and len(storage) > 0:
            top = pc.max(storage).as_py()
            if top is not None and top >= self.num_classes:
                raise ValueError(f"Class label {top} greater than configured num_classes {self.num_classes}")
        elif types.is_string(storage.type) or types.is_large_string(storage.type) or types.is_string_view(storage.type):
            storage = pa.array(
                [None if name is None else self._strval2int(name) for name in storage.to_pylist()], pa.int64()
            )
        return storage.cast(self.pa_type)
