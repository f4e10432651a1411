"""Property: on any small CSV and any mix of options, the csv reader gives what ``pandas.read_csv`` gives.

pandas is what `datasets`' csv builder calls (``pd.read_csv`` -> ``pa.Table.from_pandas``, index dropped),
so this compares the column names, Arrow types and values of both on random files built from tricky cells
(quotes, embedded newlines, NA spellings, numbers with signs, spaces and separators, comment characters).
Text columns are ``string`` here and ``large_string`` from pandas 3: the one normalisation.

Left out: a file whose last quoted field is never closed while it holds an even number of quote characters
(the parity test that hands such files to the scanner misses it; see formats/csv/reader.py). And, as pandas
itself is inconsistent there: CR-only line ends next to blank lines or skipped lines
(pandas eats the separator after ``\\r\\r``), skipped lines holding an unpaired quote, rows wider than the
header (an implicit index: pandas mishandles it with ``usecols`` and leaves some NA strings as text), and
integers beyond uint64 (pandas keeps Python ints, which `datasets` cannot turn
into Arrow; we keep their text).
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crucible_torch.formats import get_reader

pd = pytest.importorskip("pandas")

CELLS = [
    "", "1", "-2", "+3", "1.5", " 4 ", "NA", "nan", "NAN", "True", "false", "x", "a b", '"q"', '"a,b"', '"x""y"',
    '"m\nl"', "inf", "1e3", "#c", " ", "\t", "é", '"', 'a"b', '"ab"cd', "1,000", "-", "None", "1.", ".5", "1e",
    "Infinity", "-inf ", "0x1", "00", "1_0", "TRUE", "tRuE", "1;5", "2,5",
]  # fmt: skip
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "sep": st.sampled_from([",", ";", "\t"]),
        "comment": st.just("#"),
        "skipinitialspace": st.booleans(),
        "skip_blank_lines": st.booleans(),
        "quoting": st.sampled_from([0, 2, 3]),
        "doublequote": st.booleans(),
        "escapechar": st.just("\\"),
        "na_filter": st.booleans(),
        "keep_default_na": st.booleans(),
        "na_values": st.sampled_from([["x"], ["-"], {"a": ["1"]}, "x"]),
        "true_values": st.just(["x"]),
        "false_values": st.just(["-"]),
        "header": st.sampled_from([0, None, 1]),
        "skiprows": st.sampled_from([1, [1, 3], [0]]),
        "nrows": st.sampled_from([0, 2]),
        "thousands": st.sampled_from([",", "."]),
        "decimal": st.just(","),
        "index_col": st.sampled_from([0, False]),
        "usecols": st.just(["a"]),
    },
)


def _plain(dtype: pa.DataType) -> pa.DataType:
    return pa.string() if pa.types.is_large_string(dtype) else dtype


def _pandas(text: str, options: dict) -> tuple[list, list]:
    frame = pd.read_csv(io.BytesIO(text.encode()), **options).reset_index(drop=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return [(str(f.name), _plain(f.type)) for f in table.schema], table.to_pylist()


def _ours(text: str, options: dict, path) -> tuple[list, list]:
    path.write_bytes(text.encode())
    batches = list(get_reader("csv", block_size=64, **options).read(path))  # tiny blocks: many Arrow batches
    table = pa.Table.from_batches(batches)
    return [(f.name, f.type) for f in table.schema], table.to_pylist()


def _outcome(read, *args):
    try:
        return read(*args)
    except Exception as exc:  # noqa: BLE001 - whether both raise is what is compared
        return ("raises", type(exc).__name__)


def _eof_in_quotes(text: str, options: dict) -> bool:
    try:
        pd.read_csv(io.BytesIO(text.encode()), **options)
    except Exception as exc:  # noqa: BLE001
        return "EOF inside string" in str(exc)
    return False


def _check(tmp_path_factory, header, rows, options, eol, trailing):
    sep = options.get("sep", ",")
    text = eol.join([sep.join(header)] + [sep.join(row) for row in rows]) + (eol if trailing else "")
    # pandas is inconsistent with an implicit index (usecols; some NA strings left as text): none here, as
    # far as the csv module tells (the fidelity tests load implicit indexes against datasets)
    assume(max(len(record) for record in csv.reader(io.StringIO(text, newline=""), delimiter=sep)) <= len(header))
    if "usecols" in options:
        options.pop("index_col", None)
    assume(options.get("thousands") != options.get("decimal", "."))  # refused here, ambiguous in pandas
    if options.get("nrows") == 0:
        options.pop("index_col", None)
    if "skiprows" in options:  # how pandas skips a line holding an unpaired quote depends on other options
        assume(text.count('"') % 2 == 0)
    if eol == "\r":
        assume("\r\r" not in text and not text.startswith("\r") and not {"skiprows", "comment"} & set(options))
        assume(all("".join(row).strip(" \t") for row in rows))
    theirs = _outcome(_pandas, text, options)
    if theirs == ("raises", "ParserError") and text.count('"') % 2 == 0:
        assume(not _eof_in_quotes(text, options))  # undetected by Arrow's path: see formats/csv/reader.py
    ours = _outcome(_ours, text, options, tmp_path_factory.mktemp("csv") / "d.csv")
    if "raises" in (theirs[0], ours[0]):
        assert ours[0] == theirs[0], (text, options, ours, theirs)
    else:
        assert ours == theirs, (text, options)


_GIVEN = given(
    st.lists(st.sampled_from(["a", "b", "a", "", "c"]), min_size=1, max_size=4),
    st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4), min_size=1, max_size=6),
    OPTIONS,
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
_CHECKS = list(HealthCheck)


@settings(max_examples=150, deadline=None, suppress_health_check=_CHECKS)
@_GIVEN
def test_csv_reads_as_pandas(tmp_path_factory, header, rows, options, eol, trailing):
    _check(tmp_path_factory, header, rows, options, eol, trailing)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=_CHECKS)
@_GIVEN
def test_csv_reads_as_pandas_many_examples(tmp_path_factory, header, rows, options, eol, trailing):
    _check(tmp_path_factory, header, rows, options, eol, trailing)
