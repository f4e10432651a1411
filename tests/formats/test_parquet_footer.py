"""``read_parquet_footer``: the same metadata pyarrow reads from the whole file, from two small ranged reads."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_torch.errors import DataFileError
from crucible_torch.formats.parquet_footer import read_parquet_footer


def _parquet(rows: int, row_group_size: int, text: int) -> bytes:
    table = pa.table({"id": list(range(rows)), "text": ["x" * text] * rows, "score": [i / 3 for i in range(rows)]})
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size)
    return sink.getvalue()


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(0, 3000), row_group_size=st.integers(1, 700), text=st.integers(0, 50))
def test_footer_matches_the_whole_file_and_reads_only_the_footer(rows: int, row_group_size: int, text: int) -> None:
    data = _parquet(rows, row_group_size, text)
    reads: list[tuple[int, int]] = []

    def read_range(start: int, end: int) -> bytes:
        reads.append((start, end))
        return data[start:end]

    got = read_parquet_footer(read_range, len(data), "x.parquet")
    want = pq.read_metadata(io.BytesIO(data))
    assert got.num_rows == want.num_rows == rows
    assert got.num_row_groups == want.num_row_groups
    assert [got.row_group(i).num_rows for i in range(got.num_row_groups)] == [
        want.row_group(i).num_rows for i in range(want.num_row_groups)
    ]
    assert got.schema.to_arrow_schema() == want.schema.to_arrow_schema()
    assert len(reads) == 2 and reads[0] == (len(data) - 8, len(data))
    footer_start = reads[1][0]
    assert footer_start > 4 and reads[1][1] == len(data) - 8  # no data page was read


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PAR1", "too short"),
        (b"PAR1" + b"\0" * 20 + b"PAR0", "no PAR1"),
        (b"PAR1" + b"\0" * 8 + b"\xff\0\0\0PAR1", "does not fit"),
    ],
)
def test_bad_files_are_named(data: bytes, message: str) -> None:
    with pytest.raises(DataFileError, match=message) as error:
        read_parquet_footer(lambda s, e: data[s:e], len(data), "bad.parquet")
    assert "bad.parquet" in str(error.value)
