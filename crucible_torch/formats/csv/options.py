"""The `datasets` csv builder's kwargs (pandas ``read_csv`` options), checked once and normalised.

Everything `datasets` passes to pandas is accepted by name. Options whose pandas semantics we reproduce are
kept here in a form the scanner and the type inference read directly (NA strings per column, the bool
spellings, the skip set); options that only tune pandas' own machinery (``engine="c"``, ``memory_map``,
``float_precision``, ``chunksize``) are accepted and have no effect; the few we cannot reproduce (Python
``converters``, named ``dialect``s, multi-row headers) raise a `ValueError` that says what to use instead.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# pandas' default NA strings (``pandas._libs.parsers.STR_NA_VALUES``).
PANDAS_NA_VALUES = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
     "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
)  # fmt: skip
QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC, QUOTE_NONE = 0, 1, 2, 3
WHITESPACE_SEP = r"\s+"


def _fail(option: str, why: str) -> ValueError:
    return ValueError(f"csv option {option}: {why}")


def _stringified(values: Any) -> set[str]:
    """pandas' ``_stringify_na_values``: each value as text, plus ``"5"``/``"5.0"`` for whole numbers."""
    out: set[str] = set()
    for value in values:
        out.add(str(value))
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            continue
        if number == number and number not in (float("inf"), float("-inf")) and number == int(number):
            out.update({f"{int(number)}.0", str(int(number))})
    return out


def _floats(strings: set[str]) -> frozenset[float]:
    """pandas' ``_floatify_na_values``: the NA strings that are numbers, as floats (NaN left out)."""
    out = set()
    for text in strings:
        try:
            number = float(text)
        except (TypeError, ValueError, OverflowError):
            continue
        if number == number:
            out.add(number)
    return frozenset(out)


@dataclass(frozen=True)
class NaRule:
    """The strings that mean "missing" in one column, and the numbers that do once parsed as floats."""

    strings: frozenset[str]
    floats: frozenset[float] = frozenset()


@dataclass
class CsvOptions:
    """Normalised ``read_csv`` options; build with :meth:`from_kwargs`."""

    sep: str | None = ","  # one character; None with whitespace_sep, regex_sep or sniff
    whitespace_sep: bool = False  # sep=r"\s+": runs of spaces/tabs, as pandas' C parser
    regex_sep: re.Pattern[str] | None = None  # other multi-character seps: pandas' python engine
    sniff: bool = False  # sep=None: csv.Sniffer on the first line, as pandas' python engine
    header: int | None = 0
    names: list[str] | None = None
    index_col: list[int | str] | Literal[False] | None = None
    usecols: list[int | str] | None = None
    quotechar: str | None = '"'  # None when quoting is QUOTE_NONE
    quoting: int = QUOTE_MINIMAL
    doublequote: bool = True
    escapechar: str | None = None
    skipinitialspace: bool = False
    comment: str | None = None
    lineterminator: str | None = None
    skip_first: int = 0
    skip_lines: frozenset[int] = frozenset()
    nrows: int | None = None
    skipfooter: int = 0
    skip_blank_lines: bool = True
    na_filter: bool = True
    na: NaRule | dict[str | int, NaRule] = field(default_factory=lambda: NaRule(PANDAS_NA_VALUES))
    keep_default_na: bool = True
    true_values: frozenset[str] = frozenset()
    false_values: frozenset[str] = frozenset()
    thousands: str | None = None
    decimal: str = "."
    encoding: str = "utf-8"
    encoding_errors: str = "strict"
    on_bad_lines: Literal["error", "warn", "skip"] = "error"

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> CsvOptions:
        """Options from the csv builder's kwargs (the names `datasets`' ``CsvConfig`` uses)."""
        opts = cls()
        sep = kwargs.get("delimiter") if kwargs.get("delimiter") is not None else kwargs.get("sep", ",")
        if sep is None:
            opts.sep, opts.sniff = None, True
        elif not isinstance(sep, str) or not sep:
            raise _fail("sep", f"must be a non-empty string or None, got {sep!r}")
        elif sep == WHITESPACE_SEP:
            opts.sep, opts.whitespace_sep = None, True
        elif len(sep) > 1:
            try:
                opts.sep, opts.regex_sep = None, re.compile(sep)
            except re.error as exc:
                raise _fail("sep", f"{sep!r} is longer than one character, so a regular expression: {exc}") from exc
        else:
            opts.sep = sep
        names = kwargs.get("column_names") if kwargs.get("column_names") is not None else kwargs.get("names")
        opts.names = [str(n) if not isinstance(n, str) else n for n in names] if names is not None else None
        if opts.names is not None and len(set(opts.names)) != len(opts.names):
            raise _fail("names", f"duplicate names are not allowed: {opts.names}")
        header = kwargs.get("header", "infer")
        if header == "infer":
            header = None if opts.names is not None else 0
        if isinstance(header, (list, tuple)):
            raise _fail("header", "multi-row headers (a list) are not supported; pass one row number, or names=")
        if header is not None and (isinstance(header, bool) or not isinstance(header, int) or header < 0):
            raise _fail("header", f"must be 'infer', a row number or None, got {header!r}")
        opts.header = header
        opts._set_index_and_usecols(kwargs.get("index_col"), kwargs.get("usecols"))
        opts._set_quoting(kwargs)
        opts._set_rows(kwargs)
        opts._set_values(kwargs)
        opts._set_encoding(kwargs)
        opts._refuse_unsupported(kwargs)
        return opts

    # -- pieces of from_kwargs ----------------------------------------------------------------------------

    def _set_index_and_usecols(self, index_col: Any, usecols: Any) -> None:
        if index_col is True:
            raise _fail("index_col", "True is not a valid value (pandas refuses it too); pass a column")
        if index_col is not None and index_col is not False:
            index_col = list(index_col) if isinstance(index_col, (list, tuple)) else [index_col]
        self.index_col = index_col
        if usecols is not None:
            if callable(usecols) or isinstance(usecols, str):
                raise _fail("usecols", "must be a list of column names or positions; select columns after loading")
            self.usecols = list(usecols)

    def _set_quoting(self, kwargs: Mapping[str, Any]) -> None:
        quoting = kwargs.get("quoting", QUOTE_MINIMAL)
        if quoting not in (QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC, QUOTE_NONE):
            raise _fail("quoting", f"must be one of csv.QUOTE_MINIMAL/ALL/NONNUMERIC/NONE (0-3), got {quoting!r}")
        self.quoting = quoting
        quotechar = kwargs.get("quotechar", '"')
        self.quotechar = None if quoting == QUOTE_NONE or not quotechar else quotechar
        self.doublequote = bool(kwargs.get("doublequote", True))
        self.skipinitialspace = bool(kwargs.get("skipinitialspace", False))
        for name in ("quotechar", "escapechar", "comment", "lineterminator", "thousands"):
            value = kwargs.get(name)
            if value is not None and (not isinstance(value, str) or len(value) != 1):
                raise _fail(name, f"must be a single character, got {value!r}")
        self.escapechar = kwargs.get("escapechar")
        self.comment = kwargs.get("comment")
        self.lineterminator = kwargs.get("lineterminator")
        if self.lineterminator in ("\n", "\r"):
            self.lineterminator = None  # the default line ends already include it
        self.thousands = kwargs.get("thousands")
        decimal = kwargs.get("decimal", ".")
        if not isinstance(decimal, str) or len(decimal) != 1:
            raise _fail("decimal", f"must be a single character, got {decimal!r}")
        self.decimal = decimal
        if self.thousands is not None and self.thousands == decimal:
            raise _fail("thousands", f"cannot be the decimal mark too ({decimal!r}); pass decimal= with another one")
        if self.lineterminator is not None and (self.regex_sep is not None or self.sniff):
            raise _fail("lineterminator", "cannot be combined with a multi-character or sniffed sep (pandas neither)")

    def _set_rows(self, kwargs: Mapping[str, Any]) -> None:
        skiprows = kwargs.get("skiprows")
        if callable(skiprows):
            raise _fail("skiprows", "a callable is not supported; pass the row numbers to skip as a list")
        if isinstance(skiprows, (list, tuple, set, frozenset, range)):
            self.skip_lines = frozenset(int(i) for i in skiprows)
        elif skiprows is not None:
            if isinstance(skiprows, bool) or not isinstance(skiprows, int) or skiprows < 0:
                raise _fail("skiprows", f"must be a non-negative int or a list of row numbers, got {skiprows!r}")
            self.skip_first = skiprows
        for name in ("nrows", "skipfooter"):
            value = kwargs.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise _fail(name, f"must be a non-negative int, got {value!r}")
        self.nrows = kwargs.get("nrows")
        self.skipfooter = kwargs.get("skipfooter") or 0
        self.skip_blank_lines = bool(kwargs.get("skip_blank_lines", True))
        on_bad_lines = kwargs.get("on_bad_lines", "error")
        if on_bad_lines not in ("error", "warn", "skip"):
            raise _fail(
                "on_bad_lines", f"must be 'error', 'warn' or 'skip' (a callable is not supported), got {on_bad_lines!r}"
            )
        self.on_bad_lines = on_bad_lines

    def _set_values(self, kwargs: Mapping[str, Any]) -> None:
        self.na_filter = bool(kwargs.get("na_filter", True))
        keep_default = bool(kwargs.get("keep_default_na", True))
        self.keep_default_na = keep_default
        na_values = kwargs.get("na_values")
        defaults = set(PANDAS_NA_VALUES) if keep_default else set()
        if isinstance(na_values, Mapping):
            rules = {}
            for key, values in na_values.items():
                values = [values] if isinstance(values, str) or not isinstance(values, (list, tuple, set)) else values
                strings = _stringified(set(values) | defaults)
                rules[key] = NaRule(frozenset(strings), _floats(strings))
            self.na = rules
        else:
            if na_values is None:
                strings = defaults
            else:
                values = [na_values] if isinstance(na_values, str) or not isinstance(na_values, Sequence) else na_values
                strings = _stringified(values) | defaults
            self.na = NaRule(frozenset(strings), _floats(strings) if na_values is not None else frozenset())
        self.true_values = frozenset(str(v) for v in kwargs.get("true_values") or ())
        self.false_values = frozenset(str(v) for v in kwargs.get("false_values") or ())

    def _set_encoding(self, kwargs: Mapping[str, Any]) -> None:
        encoding = kwargs.get("encoding") or "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise _fail("encoding", f"unknown encoding {encoding!r}") from exc
        self.encoding = encoding
        errors = kwargs.get("encoding_errors") or "strict"
        try:
            codecs.lookup_error(errors)
        except LookupError as exc:
            raise _fail(
                "encoding_errors", f"unknown error handler {errors!r} (e.g. 'strict', 'replace', 'ignore')"
            ) from exc
        self.encoding_errors = errors

    @staticmethod
    def _refuse_unsupported(kwargs: Mapping[str, Any]) -> None:
        if kwargs.get("converters"):
            raise _fail(
                "converters", "Python converters are not supported; convert the column with .map() after loading"
            )
        if kwargs.get("dialect") is not None:
            raise _fail("dialect", "is not supported; pass sep, quotechar, escapechar, doublequote and quoting instead")
        if kwargs.get("engine") == "pyarrow":
            raise _fail("engine", "'pyarrow' parses differently from pandas' C parser; leave engine unset")
        if kwargs.get("engine") not in (None, "c", "python"):
            raise _fail("engine", f"must be None, 'c' or 'python', got {kwargs.get('engine')!r}")
        if kwargs.get("prefix") is not None or kwargs.get("mangle_dupe_cols", True) is not True:
            raise _fail("prefix/mangle_dupe_cols", "were removed from pandas; duplicate names become a, a.1, ...")
        if kwargs.get("error_bad_lines", True) is not True or kwargs.get("warn_bad_lines", True) is not True:
            raise _fail("error_bad_lines/warn_bad_lines", "were removed from pandas; use on_bad_lines")

    # -- what the scanner and the type inference read ------------------------------------------------------

    def na_rule(self, name: str, position: int) -> NaRule:
        """The NA strings of the column called ``name`` at ``position`` (dict keys are names, then positions)."""
        if not self.na_filter:
            return NaRule(frozenset())
        if isinstance(self.na, dict):
            for key in (name, position):
                if key in self.na:
                    return self.na[key]
            return NaRule(PANDAS_NA_VALUES if self.keep_default_na else frozenset())
        return self.na

    def skips(self, line_index: int) -> bool:
        """Whether the ``line_index``-th line of the file (a record counts once) is skipped (``skiprows``)."""
        return line_index < self.skip_first or line_index in self.skip_lines

    def python_dialect(self, delimiter: str) -> type[csv.Dialect]:
        """The ``csv`` module dialect pandas' python engine builds for a sniffed delimiter."""
        options = self

        class Dialect(csv.Dialect):
            quotechar = options.quotechar or '"'
            escapechar = options.escapechar
            doublequote = options.doublequote
            skipinitialspace = options.skipinitialspace
            quoting = options.quoting
            lineterminator = "\n"

        Dialect.delimiter = delimiter
        return Dialect
