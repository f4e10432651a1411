"""One Arrow schema for the files of a split, and record batches brought to it.

Shards of one split often disagree a little: a column missing from one JSONL file, a column that is all
null in one shard, ints in one file and floats in the next. `unify_schemas` accepts exactly those
differences (Arrow's "permissive" promotion: null -> any, int -> float, int widths, string -> large_string,
struct fields merged) and refuses the rest with a `SchemaMismatchError` naming both files, the column and
both types, so the fix (``features=``) is obvious.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from ..errors import DataFileError, SchemaMismatchError


def unify_types(left: pa.DataType, right: pa.DataType) -> pa.DataType | None:
    """The type both values fit in under permissive promotion, or None when there is none."""
    if left == right:
        return left
    try:
        merged = pa.unify_schemas(
            [pa.schema([pa.field("x", left)]), pa.schema([pa.field("x", right)])],
            promote_options="permissive",
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return merged.field("x").type


def unify_schemas(named_schemas: Sequence[tuple[str, pa.Schema]]) -> pa.Schema:
    """Merge the schemas of several files into the one every file can be cast to.

    Columns keep the order in which they are first seen; a column missing from some files is filled with
    nulls there. The metadata (e.g. the ``huggingface`` features key) is the first non-empty one.

    Raises:
        SchemaMismatchError: a column has types that do not promote, e.g. string in one file, int in another.
    """
    fields: dict[str, pa.Field] = {}
    origin: dict[str, str] = {}
    metadata = None
    for file_name, schema in named_schemas:
        if metadata is None and schema.metadata:
            metadata = schema.metadata
        for field in schema:
            if field.name not in fields:
                fields[field.name] = field.with_nullable(True)
                origin[field.name] = file_name
                continue
            seen = fields[field.name]
            merged = unify_types(seen.type, field.type)
            if merged is None:
                first = origin[field.name]
                raise SchemaMismatchError(
                    f"column {field.name!r} is {seen.type} in {first} but {field.type} in {file_name}",
                    file=file_name,
                    column=field.name,
                    hint="pass features= to load both files with one type, or fix the files so they agree",
                )
            if merged != seen.type:
                fields[field.name] = seen.with_type(merged)
                origin[field.name] = file_name
    return pa.schema(list(fields.values()), metadata=metadata)


def align_batch(batch: pa.RecordBatch, schema: pa.Schema, *, file: str | None = None) -> pa.RecordBatch:
    """Bring ``batch`` to ``schema``: missing columns become nulls, others are cast and put in schema order.

    Raises:
        DataFileError: the batch has a column the schema lacks, or a value that does not fit the target type
            (e.g. ``"abc"`` into int64); ``file`` is named in the message.
    """
    if batch.schema == schema:
        return batch
    extra = [name for name in batch.schema.names if schema.get_field_index(name) < 0]
    if extra:
        raise DataFileError(
            f"columns {extra} are not in the expected schema (columns {schema.names})",
            file=file,
            column=extra[0],
            hint="add them to features=, or select the columns to keep with columns=",
        )
    arrays = []
    for field in schema:
        index = batch.schema.get_field_index(field.name)
        if index < 0:
            arrays.append(pa.nulls(batch.num_rows, field.type))
            continue
        column = batch.column(index)
        if column.type != field.type:
            try:
                column = column.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise DataFileError(
                    f"cannot cast {column.type} to {field.type}: {exc}",
                    file=file,
                    column=field.name,
                    hint="pass features= with a type that fits the values of every file",
                ) from exc
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
