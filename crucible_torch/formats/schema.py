"""One Arrow schema for the files of a split, and record batches brought to it.

Shards of one split often disagree a little: a column missing from one JSONL file, a column that is all
null in one shard, ints in one file and floats in the next. `unify_schemas` accepts exactly those
differences (Arrow's "permissive" promotion: null -> any, int -> float, int widths, string -> large_string,
struct fields merged; any type -> `Json`) and refuses the rest with a `SchemaMismatchError` naming both
files, the column and both types, so the fix (``features=``) is obvious.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from ..errors import DataFileError, SchemaMismatchError
from ..features import Features, cast_array_to_feature, get_nested_type


def unify_types(left: pa.DataType, right: pa.DataType) -> pa.DataType | None:
    """The type both values fit in under permissive promotion, or None when there is none.

    `Json` holds any value, so Json and any other type unify to Json (at any depth of lists and structs).
    """
    if left == right:
        return left
    try:
        merged = pa.unify_schemas(
            [pa.schema([pa.field("x", left)]), pa.schema([pa.field("x", right)])],
            promote_options="permissive",
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return _unify_with_json(left, right)
    return merged.field("x").type


def _unify_with_json(left: pa.DataType, right: pa.DataType) -> pa.DataType | None:
    if isinstance(left, pa.JsonType) or isinstance(right, pa.JsonType):
        return pa.json_()
    types = pa.types
    if (types.is_list(left) or types.is_large_list(left)) and (types.is_list(right) or types.is_large_list(right)):
        inner = unify_types(left.value_type, right.value_type)
        if inner is None:
            return None
        return pa.large_list(inner) if types.is_large_list(left) or types.is_large_list(right) else pa.list_(inner)
    if types.is_struct(left) and types.is_struct(right):
        fields = {f.name: f.type for f in left}
        for f in right:
            merged = unify_types(fields[f.name], f.type) if f.name in fields else f.type
            if merged is None:
                return None
            fields[f.name] = merged
        return pa.struct(fields)
    return None


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


def _caster(schema: pa.Schema) -> dict[str, object]:
    """Column -> the feature whose storage cast reaches its type (ClassLabel names -> ids, anything -> Json).

    Only columns whose feature describes the field's Arrow type exactly are listed; others get Arrow's cast.
    """
    try:
        features = Features.from_arrow_schema(schema)
    except ValueError:  # a type no feature describes: Arrow casts every column
        return {}
    return {f.name: features[f.name] for f in schema if get_nested_type(features[f.name]) == f.type}


def align_batch(batch: pa.RecordBatch, schema: pa.Schema, *, file: str | None = None) -> pa.RecordBatch:
    """Bring ``batch`` to ``schema``: missing columns become nulls, others are cast and put in schema order.

    Casts follow the features the schema carries, as `datasets`' ``table_cast``: label names become
    ClassLabel ids, any value becomes `Json` text, structs gain the fields they lack.

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
    features: dict[str, object] | None = None
    for field in schema:
        index = batch.schema.get_field_index(field.name)
        if index < 0:
            arrays.append(pa.nulls(batch.num_rows, field.type))
            continue
        column = batch.column(index)
        if column.type != field.type:
            features = _caster(schema) if features is None else features
            try:
                feature = features.get(field.name)
                column = column.cast(field.type) if feature is None else cast_array_to_feature(column, feature)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, ValueError) as exc:
                raise DataFileError(
                    f"cannot cast {column.type} to {field.type}: {exc}",
                    file=file,
                    column=field.name,
                    hint="pass features= with a type that fits the values of every file",
                ) from exc
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
