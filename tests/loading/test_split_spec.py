"""The split slicing grammar, against ``datasets.ReadInstruction.from_spec(spec).to_absolute(name2len)``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_torch.errors import SplitNotFoundError
from crucible_torch.resolve.split_spec import SplitSlice, parse_split

LENGTHS = {"train": 1000, "validation": 37, "test": 250, "train.500": 500, "tiny": 3, "empty": 0}

SPECS = [
    "train",
    "test",
    "train.500",
    "train[:10%]",
    "train[10:20]",
    "test[-100:]",
    "test[:-100]",
    "train[-10%:]",
    "train[:33%](pct1_dropremainder)",
    "train[:33%](closest)",
    "test[:33%]+train[1:-1]",
    "train+test",
    "train + test",
    "validation[:50%]",
    "validation[25%:75%]",
    "validation[:1%]",
    "validation[-1%:]",
    "tiny[:50%]",
    "tiny[:34%]",
    "tiny[:17%]",
    "tiny[:16%]",
    "train[1_000:]",
    "train[:1_0]",
    "train[:]",
    "train[5:2]",
    "train[2000:]",
    "train[-2000:]",
    "train[10:50%]",
    "train[-100%:]",
    "train[:100%]",
    "empty[:50%]",
    "empty",
    "validation[:10%](pct1_dropremainder)",
    "train[:10%]+test[:10%](pct1_dropremainder)",
    "train[:10%](pct1_dropremainder)+test[:10%]",
    "train[:10%](pct1_dropremainder)+test[:10]",
    "train[:10](closest)",
    "train(closest)",
    "train[:101%]",
    "train[-101%:]",
    "train[:10%](nearest)",
    "train[:10%]()",
    "train[_1:]",
    "train[1__0:]",
    "train[:1_]",
    "train[1.5:]",
    "train-x",
    "",
    "+train",
    "train+",
    "missing",
    "train+missing[:5]",
    "train[:5]\n",
    "tr ain",
]


def _reference(spec: str, lengths: dict[str, int]) -> Any:
    from datasets import ReadInstruction

    try:
        return [(i.splitname, i.from_, i.to) for i in ReadInstruction.from_spec(spec).to_absolute(lengths)]
    except Exception as err:
        return err


def _ours(spec: str, lengths: dict[str, int]) -> Any:
    try:
        return [tuple(s) for s in parse_split(spec).to_absolute(lengths)]
    except Exception as err:
        return err


def _assert_same(theirs: Any, ours: Any, spec: str) -> None:
    if isinstance(theirs, BaseException):
        assert isinstance(ours, ValueError), (spec, theirs, ours)
        if "Unknown split" in str(theirs):
            assert isinstance(ours, SplitNotFoundError), (spec, ours)
        return
    assert ours == theirs, spec


@pytest.mark.parametrize("spec", SPECS)
def test_spec_matches_datasets(hf_offline: Any, spec: str) -> None:
    _assert_same(_reference(spec, LENGTHS), _ours(spec, LENGTHS), spec)


def _bound(pct: bool) -> st.SearchStrategy[str]:
    limit = 100 if pct else 3000
    return st.one_of(st.none(), st.integers(-limit, limit).map(lambda v: f"{v}{'%' if pct else ''}"))


@st.composite
def _part(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(LENGTHS)))
    if not draw(st.booleans()):
        return name
    pct = draw(st.booleans())
    lo, hi = draw(_bound(pct)), draw(_bound(pct))
    rounding = draw(st.sampled_from(["", "(closest)", "(pct1_dropremainder)"])) if pct else ""
    return f"{name}[{lo or ''}:{hi or ''}]{rounding}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(_part(), min_size=1, max_size=3),
    lengths=st.dictionaries(st.sampled_from(sorted(LENGTHS)), st.integers(0, 5000), min_size=1),
)
def test_spec_property_matches_datasets(hf_offline: Any, parts: list[str], lengths: dict[str, int]) -> None:
    spec = "+".join(parts)
    theirs, ours = _reference(spec, lengths), _ours(spec, lengths)
    _assert_same(theirs, ours, spec)
    if not isinstance(ours, BaseException):
        for part in ours:
            assert 0 <= part[1] <= lengths[part[0]] and 0 <= part[2] <= lengths[part[0]]


def test_whole_splits_and_streaming() -> None:
    available = ["train", "validation", "test"]
    assert parse_split("train+test").is_whole_splits()
    assert parse_split("train + test").streaming_split_names(available) == ["train", "test"]
    assert parse_split("all").streaming_split_names(available) == available
    for spec in ("train[:10%]", "train[:]", "train+test[5:]", "missing", "train+missing"):
        with pytest.raises(ValueError, match="Bad split"):
            parse_split(spec).streaming_split_names(available)
    assert not parse_split("train[:]").is_whole_splits()


def test_all_and_split_names() -> None:
    spec = parse_split("all")
    assert spec.is_all and spec.resolve_names(["a", "b"]) == ["a", "b"]
    assert spec.to_absolute({"a": 3, "b": 2}) == [SplitSlice("a", 0, 3), SplitSlice("b", 0, 2)]
    spec = parse_split("test[:10%]+train+test[-5:]")
    assert spec.split_names == ["test", "train"]
    with pytest.raises(SplitNotFoundError, match="'validation'"):
        spec.resolve_names(["validation"])
    assert str(spec) == "test[:10%]+train+test[-5:]"
    assert [str(p) for p in parse_split("train[:33%](pct1_dropremainder)+b[1:]").parts] == [
        "train[:33%](pct1_dropremainder)",
        "b[1:]",
    ]


def test_errors_name_the_spec() -> None:
    with pytest.raises(ValueError, match=r"train\[:10\]\(closest\)"):
        parse_split("train[:10](closest)")
    with pytest.raises(ValueError, match="Expected split"):
        parse_split("train[abc]")
    with pytest.raises(SplitNotFoundError, match='Unknown split "nope"'):
        parse_split("nope").to_absolute({"train": 1})
    with pytest.raises(ValueError, match="pct1_dropremainder"):
        parse_split("train[:5%](pct1_dropremainder)").to_absolute({"train": 99})
    assert SplitSlice("a", 5, 2).num_rows == 0 and SplitSlice("a", 2, 5).num_rows == 3
