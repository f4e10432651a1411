"""pandas' column types for CSV text, decided and applied with Arrow compute on columns of strings.

pandas' C parser tries, per column and in file order: int64, then (when the first failure was an overflow)
uint64, else float64, then bool, else strings. Its rules, which `datasets` users see through the csv builder:

- numbers may carry surrounding whitespace and a sign (``" +1 "`` is an int); ``thousands`` may follow any
  digit of the integer part; ``decimal`` is the decimal mark; ``inf``/``Infinity`` (any case, signed, no
  whitespace) are floats; ``NAN`` is not a number (only the NA strings are missing values);
- an int column with a missing value becomes float64; an int too large for int64 makes the column uint64
  when every value fits it and none is missing, else strings (pandas would hold Python ints, which Arrow
  cannot take);
- bools are ``true``/``false`` in any case, plus ``true_values``/``false_values`` as written; ``quoting=
  csv.QUOTE_NONNUMERIC`` skips the int step (numbers become float64).

`ColumnTypes` accumulates what each column allows over the batches of a file (the order of failures
matters, as in pandas); `convert` turns one batch's strings into the chosen type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .options import QUOTE_NONNUMERIC, CsvOptions, NaRule

_SPACES = " \t\n\r\v\f"
_INFINITIES = {"inf": "inf", "+inf": "inf", "-inf": "-inf", "infinity": "inf", "+infinity": "inf", "-infinity": "-inf"}
_INT64_MAX, _INT64_MIN, _UINT64_MAX = "9223372036854775807", "9223372036854775808", "18446744073709551615"


class Syntax:
    """The regular expressions (RE2) for ints and floats under one ``thousands``/``decimal`` setting."""

    def __init__(self, options: CsvOptions) -> None:
        t = re.escape(options.thousands) if options.thousands else ""
        d = re.escape(options.decimal)
        digits = rf"\d[\d{t}]*" if t else r"\d+"
        self.int = rf"^[+-]?{digits}$"
        self.float = rf"^[+-]?(?:{digits}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?$"
        self.thousands = options.thousands
        self.decimal = options.decimal
        plain = r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
        self.plain = plain if options.thousands is None and options.decimal == "." else None


def _missing(values: pa.Array, rule: NaRule) -> pa.Array:
    """True where a value is missing: null (a short row), or one of the NA strings."""
    null = values.is_null()
    if not rule.strings:
        return null
    listed = pc.is_in(values, value_set=pa.array(sorted(rule.strings), pa.string()))
    return pc.or_(null, pc.fill_null(listed, False))


def _digits(stripped: pa.Array, syntax: Syntax) -> pa.Array:
    """The digits of int-looking strings without sign, thousands separators or leading zeros."""
    text = pc.replace_substring_regex(stripped, r"^[+-]", "")
    if syntax.thousands:
        text = pc.replace_substring(text, syntax.thousands, "")
    return pc.utf8_ltrim(text, "0")


def _beyond(digits: pa.Array, limit: str) -> pa.Array:
    """True where a digit string (no leading zeros) is larger than ``limit``."""
    length = pc.utf8_length(digits)
    longer = pc.greater(length, len(limit))
    same = pc.and_(pc.equal(length, len(limit)), pc.greater(digits, limit))
    return pc.or_(longer, same)


def _first(mask: pa.Array) -> int | None:
    index = pc.index(mask, True).as_py()
    return None if index < 0 else index


@dataclass
class ColumnTypes:
    """What one column's values allow so far, in file order (see the module docstring)."""

    int_failure: str | None = None  # "other" or "overflow": how the int64 parse first failed
    missing: bool = False
    uint_ok: bool = True
    float_ok: bool = True
    bool_ok: bool = True
    plain: bool = True  # every present value is a bare number Arrow casts exactly as pandas parses it
    rows: int = 0

    def settled(self) -> bool:
        """True once the column can only be strings, whatever its remaining values are."""
        if self.int_failure == "overflow":
            return self.missing or not self.uint_ok
        return self.int_failure == "other" and not self.float_ok and not self.bool_ok

    def update(self, values: pa.Array, rule: NaRule, options: CsvOptions, syntax: Syntax) -> None:
        """Take in the next batch of the column's raw strings."""
        self.rows += len(values)
        if self.settled() and self.missing:
            return
        missing = _missing(values, rule)
        self.missing = self.missing or bool(pc.any(missing).as_py())  # the conversion skips the NA test without
        if self.settled():
            return
        present = pc.invert(missing)
        if not pc.any(present).as_py():
            return
        raw = pc.filter(values, present)
        if self.int_failure is None and self._all_int64(raw, syntax):
            if self.bool_ok:  # ints are floats too, but bools only when true_values/false_values spell them
                self.bool_ok = bool(pc.all(_bools(raw, options)[2]).as_py())
            return
        stripped = pc.utf8_trim(values, _SPACES)
        if self.int_failure is None or self.uint_ok:
            self._check_ints(stripped, present, missing, syntax)
        if self.plain:
            self.plain = syntax.plain is not None and bool(pc.all(pc.match_substring_regex(raw, syntax.plain)).as_py())
        if self.float_ok:
            is_float = pc.fill_null(pc.match_substring_regex(stripped, syntax.float), False)
            is_inf = pc.fill_null(pc.is_in(pc.utf8_lower(values), value_set=pa.array(list(_INFINITIES))), False)
            self.float_ok = bool(pc.all(pc.or_(missing, pc.or_(is_float, is_inf))).as_py())
        if self.bool_ok:
            self.bool_ok = bool(pc.all(pc.or_(missing, _bools(values, options)[2])).as_py())

    def _all_int64(self, present: pa.Array, syntax: Syntax) -> bool:
        """Fast path: every present value is a plain int that fits int64."""
        if syntax.thousands or not pc.all(pc.match_substring_regex(present, r"^-?[0-9]+$")).as_py():
            return False  # (a failing Arrow cast costs far more than this test)
        try:
            ints = pc.cast(present, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        low = pc.min(ints).as_py()
        self.uint_ok = (
            self.uint_ok and (low is None or low >= 0) and not bool(pc.any(pc.starts_with(present, "-")).as_py())
        )
        return True

    def _check_ints(self, stripped: pa.Array, present: pa.Array, missing: pa.Array, syntax: Syntax) -> None:
        """Where the int64 parse first fails (``other`` or ``overflow``), and whether uint64 still fits."""
        is_int = pc.fill_null(pc.match_substring_regex(stripped, syntax.int), False)
        digits = _digits(stripped, syntax)
        negative = pc.starts_with(stripped, "-")
        overflow = pc.and_(is_int, _beyond(digits, _INT64_MAX))
        overflow = pc.or_(overflow, pc.and_(pc.and_(is_int, negative), _beyond(digits, _INT64_MIN)))
        if self.int_failure is None:
            other = _first(pc.and_(present, pc.invert(is_int)))
            too_big = _first(pc.and_(present, overflow))
            if other is not None or too_big is not None:
                first_other = len(stripped) if other is None else other
                self.int_failure = "overflow" if too_big is not None and too_big < first_other else "other"
        fits_uint = pc.and_(pc.and_(is_int, pc.invert(negative)), pc.invert(_beyond(digits, _UINT64_MAX)))
        self.uint_ok = self.uint_ok and bool(pc.all(pc.or_(missing, fits_uint)).as_py())

    def dtype(self, options: CsvOptions) -> pa.DataType:
        """The column's type once every batch was seen."""
        failure = self.int_failure
        if options.quoting == QUOTE_NONNUMERIC:
            failure = failure or "other"
        if failure is None:
            return pa.float64() if self.missing else pa.int64()
        if failure == "overflow" and options.quoting != QUOTE_NONNUMERIC:
            return pa.uint64() if self.uint_ok and not self.missing else pa.string()
        if self.float_ok:
            return pa.float64()
        if self.bool_ok:
            return pa.bool_()
        return pa.string()


def _bools(values: pa.Array, options: CsvOptions) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(is true, is false, is either): ``true``/``false`` in any case, or the given spellings exactly."""
    lowered = pc.utf8_lower(values)
    true = pc.equal(lowered, "true")
    false = pc.equal(lowered, "false")
    if options.true_values:
        true = pc.or_(true, pc.is_in(values, value_set=pa.array(sorted(options.true_values))))
    if options.false_values:
        false = pc.or_(false, pc.is_in(values, value_set=pa.array(sorted(options.false_values))))
    true, false = pc.fill_null(true, False), pc.fill_null(false, False)
    return true, false, pc.or_(true, false)


class BadValue(ValueError):
    """A value that does not parse as the type ``features=`` asks for; ``row`` is its index in the batch."""

    def __init__(self, row: int, value: str, dtype: pa.DataType) -> None:
        super().__init__(f"{value!r} is not a valid {dtype}")
        self.row = row
        self.value = value
        self.dtype = dtype


def convert(
    values: pa.Array,
    dtype: pa.DataType,
    rule: NaRule,
    options: CsvOptions,
    syntax: Syntax,
    seen: ColumnTypes | None = None,
) -> pa.Array:
    """One batch of a column's raw strings as ``dtype`` (missing values null), by pandas' parsing rules.

    ``seen`` is what the type pass saw in the file's column: with no missing value the NA test is skipped,
    and bare numbers go straight to Arrow's cast.

    Raises:
        BadValue: a value does not parse as ``dtype`` (only possible when the type comes from ``features=``).
    """
    if seen is not None and not seen.missing:
        missing, kept = pa.nulls(len(values), pa.bool_()).fill_null(False), values
    else:
        missing = _missing(values, rule)
        kept = pc.if_else(missing, pa.scalar(None, pa.string()), values)
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return kept.cast(dtype)
    if seen is not None and seen.plain and (pa.types.is_integer(dtype) or pa.types.is_floating(dtype)):
        numbers = _cast(kept, dtype, kept)
        if rule.floats and pa.types.is_floating(dtype):
            listed = pc.is_in(numbers, value_set=pa.array(sorted(rule.floats), dtype))
            numbers = pc.if_else(pc.fill_null(listed, False), pa.scalar(None, dtype), numbers)
        return numbers
    if pa.types.is_boolean(dtype):
        true, _, either = _bools(kept, options)
        _check(kept, either, missing, dtype)
        return pc.if_else(either, true, pa.scalar(None, pa.bool_()))
    stripped = pc.utf8_trim(kept, _SPACES)
    text = pc.replace_substring_regex(stripped, r"^\+", "")
    if syntax.thousands:
        text = pc.replace_substring(text, syntax.thousands, "")
    if pa.types.is_integer(dtype):
        _check(kept, pc.fill_null(pc.match_substring_regex(stripped, syntax.int), False), missing, dtype)
        return _cast(text, dtype, kept)
    if pa.types.is_floating(dtype):
        lowered = pc.utf8_lower(kept)
        is_inf = pc.fill_null(pc.is_in(lowered, value_set=pa.array(list(_INFINITIES))), False)
        ok = pc.or_(pc.fill_null(pc.match_substring_regex(stripped, syntax.float), False), is_inf)
        _check(kept, ok, missing, dtype)
        if syntax.decimal != ".":
            text = pc.replace_substring(text, syntax.decimal, ".")
        infinity = pc.replace_substring(pc.replace_substring(lowered, "infinity", "inf"), "+", "")
        floats = _cast(pc.if_else(is_inf, infinity, text), pa.float64(), kept)
        if rule.floats:
            listed = pc.is_in(floats, value_set=pa.array(sorted(rule.floats), pa.float64()))
            floats = pc.if_else(pc.fill_null(listed, False), pa.scalar(None, pa.float64()), floats)
        return floats.cast(dtype)
    return _cast(stripped, dtype, kept)


def _cast(text: pa.Array, dtype: pa.DataType, raw: pa.Array) -> pa.Array:
    try:
        return pc.cast(text, dtype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for row in range(len(text)):  # the error path only: find the value Arrow refused
            try:
                pc.cast(text[row : row + 1], dtype)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise BadValue(row, raw[row].as_py(), dtype) from None
        raise


def _check(values: pa.Array, ok: pa.Array, missing: pa.Array, dtype: pa.DataType) -> None:
    bad = _first(pc.and_(pc.invert(missing), pc.invert(ok)))
    if bad is not None:
        raise BadValue(bad, values[bad].as_py(), dtype)
