"""Exceptions shared by the data layers, each naming what failed and where.

Errors subclass the builtin that `datasets` raises in the same situation (``ValueError`` for an unknown split
or config, ``FileNotFoundError`` for missing data), so code that catches those keeps working. Hub errors live
in :mod:`crucible_torch.hub.errors` because the hub client stands alone.
"""

from __future__ import annotations

from collections.abc import Iterable


class CrucibleError(Exception):
    """Base class of every error raised by crucible_torch outside the hub client."""


class DataFileError(CrucibleError, ValueError):
    """A data file could not be read: names the file, the position (line, row group, byte) and the column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        row_group: int | None = None,
        byte_offset: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.row_group = row_group
        self.byte_offset = byte_offset
        self.column = column
        self.hint = hint
        self.reason = message
        where = []
        if file is not None:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if row_group is not None:
            where.append(f"row group {row_group}")
        if byte_offset is not None:
            where.append(f"byte {byte_offset}")
        if column is not None:
            where.append(f"column {column!r}")
        text = f"{', '.join(where)}: {message}" if where else message
        if hint:
            text = f"{text} ({hint})"
        super().__init__(text)


class SchemaMismatchError(DataFileError):
    """Two files of one split have column types that Arrow cannot unify."""


class EmptySplitError(CrucibleError, ValueError):
    """A requested split holds no rows (`datasets` refuses it too: "Instruction ... corresponds to no data")."""

    def __init__(self, split: str, files: Iterable[str]) -> None:
        self.split = split
        self.files = list(files)
        shown = ", ".join(self.files[:5]) + (f" and {len(self.files) - 5} more" if len(self.files) > 5 else "")
        super().__init__(
            f"split {split!r} holds no rows: its data files ({shown}) are empty or hold only a header; "
            "check data_files= (or the repo's split patterns) and the files"
        )


class DataFilesNotFoundError(CrucibleError, FileNotFoundError):
    """A data-file pattern matched nothing, or a dataset directory holds no loadable files."""


class DatasetScriptError(CrucibleError, RuntimeError):
    """The dataset is a loading script (``{name}.py``), which `datasets` no longer runs either."""


class DatasetCardError(CrucibleError, ValueError):
    """A dataset card (README.md YAML) holds a value that cannot be used; names the dataset, field and value."""


class DatasetNotFoundError(CrucibleError, FileNotFoundError):
    """The dataset path is neither a local directory, a packaged builder, nor a Hub repository."""


def _names(valid: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in valid)


class ConfigNotFoundError(CrucibleError, ValueError):
    """An unknown config name was requested; the message lists the valid ones."""

    def __init__(self, name: str, valid: Iterable[str], where: str = "") -> None:
        self.name = name
        self.valid = list(valid)
        place = f" in {where}" if where else ""
        super().__init__(f"BuilderConfig {name!r} not found{place}. Available: [{_names(self.valid)}]")


class SplitNotFoundError(CrucibleError, ValueError):
    """An unknown split name was requested; the message lists the valid ones (as `datasets` does)."""

    def __init__(self, name: str, valid: Iterable[str], where: str = "") -> None:
        self.name = name
        self.valid = list(valid)
        place = f" of {where}" if where else ""
        super().__init__(f'Unknown split "{name}"{place}. Should be one of [{_names(self.valid)}].')


class ImageDecodeError(CrucibleError, ValueError):
    """Image bytes could not be decoded; names the row and column when known."""


class MissingValueError(CrucibleError, ValueError):
    """A missing value (None) where a tensor of ints or bools cannot hold one; names the column and the row.

    ``row`` counts rows of the batch being converted; a map-style dataset re-raises it with its own row index.
    """

    def __init__(self, column: str, row: int, where: str = "of the batch", hint: str | None = None) -> None:
        self.column, self.row, self.hint = column, row, hint
        fix = hint or (
            "filter those rows, or give a fill value: with_format('torch', fill_value=0) or Collator(fill_value=0)"
        )
        super().__init__(
            f"column {column!r}: row {row} {where} is missing (None), and an int or bool tensor cannot hold a missing "
            f"value; {fix}"
        )

    def at(self, row: int, where: str) -> MissingValueError:
        """The same error for another row numbering (e.g. the dataset's index instead of the batch's)."""
        return MissingValueError(self.column, row, where, self.hint)
