"""Column names and positions as pandas' C parser decides them from the header row and the first data row.

- Header cells that are empty become ``Unnamed: {position}``; a repeated name ``a`` becomes ``a.1``,
  ``a.2``, ... skipping names the header already has (``a,a,a.1`` -> ``a, a.2, a.1``), named columns
  before unnamed ones, exactly as pandas' ``_get_header``.
- When the first data row has more fields than there are names, the leading extra fields are an implicit
  index; index columns (implicit or ``index_col``) are not loaded, as `datasets` drops the pandas index.
- Without a header the columns are ``"0"``, ``"1"``, ... (pandas' integer labels, as Arrow names them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import DataFileError
from .options import CsvOptions

_ANY_WIDTH = 1 << 62


def mangle(header: list[str]) -> list[str]:
    """pandas' names for a header row: ``Unnamed: i`` for empty cells, ``.1``/``.2`` suffixes for repeats."""
    names = [name if name != "" else f"Unnamed: {i}" for i, name in enumerate(header)]
    unnamed = [i for i, name in enumerate(header) if name == ""]
    order = [i for i in range(len(names)) if i not in set(unnamed)] + unnamed
    counts: dict[str, int] = {}
    for i in order:
        base = col = names[i]
        count = counts.get(col, 0)
        while count > 0:
            counts[base] = count + 1
            col = f"{base}.{count}"
            count = count + 1 if col in names else counts.get(col, 0)
        names[i] = col
        counts[col] = count + 1
    return names


@dataclass(frozen=True)
class Columns:
    """Which fields of a row are loaded and under what names.

    ``width`` is the number of fields a row may have (longer rows are bad lines); ``positions[i]`` is the
    field loaded as ``names[i]`` (a position past a row's end reads as missing).
    """

    names: list[str]
    positions: list[int]
    width: int


def resolve_columns(options: CsvOptions, header: list[str] | None, first_row: list[str] | None, file: str) -> Columns:
    """The `Columns` of a file from its header row (None without one) and its first data row."""
    if options.names is not None:
        names = list(options.names)
    elif header is not None:
        names = mangle(header)
    else:
        names = [str(i) for i in range(len(first_row or []))]
    width = len(names)
    passed = len(first_row) if first_row is not None else 0
    index_col = options.index_col or []
    if options.index_col is not False and passed > len(names):
        # The first data row is wider than the names: its extra fields are the index. They lead the row,
        # or sit where index_col says (whose count must then match, as pandas requires).
        extra = passed - len(names)
        if index_col and (len(index_col) != extra or not all(isinstance(k, int) for k in index_col)):
            raise DataFileError(
                f"index_col names {len(index_col)} column(s) but the first row has {extra} field(s) more than "
                f"the {len(names)} names",
                file=file,
                hint="pass index_col= with as many positions as there are extra fields, or fix the header",
            )
        index = set(index_col) if index_col else set(range(extra))
        others = iter(names)
        full = [f"__index_{i}" if i in index else next(others) for i in range(passed)]
        dropped, width = index, passed
    else:
        full = names
        if options.index_col is False:
            width = max(width, passed)
        dropped = {_position(key, full, file, "index_col") for key in index_col}
    kept = [i for i in range(len(full)) if i not in dropped]
    if options.usecols is not None:
        width = _ANY_WIDTH  # pandas picks the fields usecols names out of rows of any length
        named = [i for i in range(len(full)) if i not in dropped] if dropped else list(range(len(full)))
        wanted = {_position(key, full, file, "usecols", named) for key in options.usecols}
        kept = [i for i in kept if i in wanted]
    return Columns([full[i] for i in kept], kept, width)


def _position(key: int | str, full: list[str], file: str, option: str, among: list[int] | None = None) -> int:
    """The field position of a column given by name or by position (counted in ``among``, default all)."""
    among = list(range(len(full))) if among is None else among
    if isinstance(key, int) and not isinstance(key, bool):
        if 0 <= key < len(among):
            return among[key]
    elif key in full:
        return full.index(key)
    raise DataFileError(
        f"{option} names {key!r}, which is not a column; the columns are {[full[i] for i in among]}",
        file=file,
        hint=f"pass {option}= with column names or positions (0-based) of this file",
    )
