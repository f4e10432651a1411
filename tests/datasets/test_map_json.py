"""``map`` with ``on_mixed_types="use_json"`` (its default) against `datasets` 5.2: mixed outputs become `Json`.

Before the `Json` feature these maps raised (mixed scalars) or merged differently keyed structs into one
struct whose rows gained ``None`` fields.
"""

from __future__ import annotations

import datasets
import pytest

import crucible_torch as ct


def _chat(row, i):
    turns = [{"role": "user", "content": "q"}]
    if i % 2:
        turns.append({"role": "assistant", "content": "a", "tool_calls": [{"name": "f", "args": {"x": i}}]})
    return {"messages": turns}


FUNCTIONS = {
    "scalars-of-two-types": lambda row, i: {"y": 1 if i % 2 else "a"},
    "struct-keys-differ": lambda row, i: {"y": {"a": i} if i % 2 else {"b": str(i)}},
    "list-of-mixed": lambda row, i: {"y": [i, "x"]},
    "empty-structs": lambda row, i: {"y": {}},
    "chat-with-optional-tool-calls": _chat,
    "nested-scalar-mix": lambda row, i: {"y": {"k": i if i % 2 else "s"}},
}


@pytest.mark.parametrize("batched", [False, True], ids=["rows", "batches"])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_mixed_outputs_are_json_as_in_datasets(name, batched):
    function = FUNCTIONS[name]
    if batched:
        rows = function

        def function(batch, indices):  # noqa: F811 - the batched form of the same function
            outputs = [rows(None, i) for i in indices]
            return {key: [out[key] for out in outputs] for key in outputs[0]}

    results = []
    for lib in (datasets, ct):
        ds = lib.Dataset.from_dict({"x": list(range(6))})
        mapped = ds.map(function, with_indices=True, batched=batched, batch_size=6, writer_batch_size=2)
        results.append((repr(mapped.features), mapped[:]))
    assert results[1] == results[0]


def test_a_later_chunk_that_mixes_types_names_the_rows():
    ds = ct.Dataset.from_dict({"x": list(range(6))})
    with pytest.raises(ct.features.CastError, match="rows 2-3"):
        ds.map(lambda r, i: {"y": 1 if i < 2 else "z"}, with_indices=True, writer_batch_size=2)


def test_on_mixed_types_none_keeps_raising():
    ds = ct.Dataset.from_dict({"x": [0, 1]})
    with pytest.raises(ValueError, match="'y'"):
        ds.map(lambda r, i: {"y": 1 if i else "a"}, with_indices=True, on_mixed_types=None)
