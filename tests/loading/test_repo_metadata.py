"""Card metadata: front matter against huggingface_hub's DatasetCard, YAML features against `datasets`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_torch.features import Features
from crucible_torch.resolve.repo_metadata import (
    MetadataConfig,
    config_dataset_info,
    dataset_infos,
    default_config_name,
    load_card_data,
    metadata_configs,
    parse_front_matter,
    split_sizes,
)

READMES = [
    "---\nlicense: mit\nconfigs:\n- config_name: a\n  data_files: x.csv\n---\n# Title\n",
    "  ---\nconfigs:\n- config_name: a\n---  \ntext",
    "---\r\nlicense: mit\r\nsize: 3\r\n---\r\nbody",
    "---\n---\n",
    "---\nlicense: mit\n",
    "# no metadata\n---\nlicense: mit\n---\n",
    "",
    "---\na: 1\n---",
    "---\nkey: [1, 2\n---\n",
    "---\n- a\n- b\n---\n",
]


def _outcome(fn: Callable[[], Any]) -> Any:
    """The result of ``fn()``, or the exception it raised."""
    try:
        return fn()
    except Exception as err:
        return err


def _assert_same_outcome(theirs: Any, ours: Any) -> None:
    if isinstance(theirs, BaseException):
        assert isinstance(ours, ValueError), (theirs, ours)
    else:
        assert ours == theirs


@pytest.mark.parametrize("readme", READMES)
def test_front_matter_matches_huggingface_hub(readme: str) -> None:
    hub = pytest.importorskip("huggingface_hub")
    theirs = _outcome(lambda: hub.DatasetCard(readme).data.to_dict())
    ours = _outcome(lambda: {k: v for k, v in parse_front_matter(readme).items() if v is not None})
    _assert_same_outcome(theirs, ours)


YAML_FEATURES = [
    [{"name": "text", "dtype": "string"}, {"name": "n", "dtype": "int64"}, {"name": "f", "dtype": "float"}],
    [{"name": "label", "dtype": {"class_label": {"names": {"0": "neg", "1": "pos", "2": "neutral"}}}}],
    [{"name": "label", "dtype": {"class_label": {"names": {"1": "b", "0": "a"}}}}],
    [{"name": "label", "dtype": {"class_label": {"names": {str(i): f"c{i}" for i in range(12)}}}}],
    [
        {"name": "toks", "list": "int32"},
        {"name": "ll", "large_list": "float64"},
        {"name": "s", "sequence": "string"},
    ],
    [
        {"name": "img", "dtype": "image"},
        {"name": "aud", "dtype": "audio"},
        {"name": "t", "dtype": "timestamp[s]"},
    ],
    [
        {
            "name": "nested",
            "struct": [
                {"name": "x", "dtype": "float32"},
                {"name": "y", "list": [{"name": "z", "dtype": "string"}]},
            ],
        }
    ],
    [{"name": "seq", "sequence": [{"name": "q", "dtype": "int64"}, {"name": "r", "dtype": "string"}]}],
    [{"name": "fixed", "list": {"dtype": "int8"}, "length": 4}],
    [{"name": "msgs", "list": [{"name": "role", "dtype": "string"}, {"name": "content", "dtype": "string"}]}],
    [{"name": "img", "dtype": {"image": {"mode": "RGB"}}}],
    [{"name": "deep", "list": {"list": {"list": "int64"}}}],
    [{"name": "label", "dtype": {"class_label": {"names": {"0": "a", "2": "c"}}}}],
]


@pytest.mark.parametrize("yaml_features", YAML_FEATURES)
def test_features_from_yaml_matches_datasets(hf_offline: Any, yaml_features: list) -> None:
    theirs = _outcome(lambda: hf_offline.Features._from_yaml_list(yaml_features))
    ours = _outcome(lambda: hf_offline.Features.from_dict(Features.from_yaml_list(yaml_features).to_dict()))
    _assert_same_outcome(theirs, ours)


def _features(datasets: Any) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.sampled_from(["int8", "int64", "float32", "float64", "string", "bool", "large_string"]).map(datasets.Value),
        st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=4, unique=True).map(
            lambda names: datasets.ClassLabel(names=names)
        ),
        st.just(datasets.Image()),
    )
    names = st.text("abcdefgh", min_size=1, max_size=4)

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            children.map(datasets.List),
            children.map(datasets.LargeList),
            st.tuples(children, st.integers(1, 3)).map(lambda c: datasets.List(c[0], length=c[1])),
            st.dictionaries(names, children, min_size=1, max_size=3),
        )

    tree = st.recursive(leaves, extend, max_leaves=6)
    return st.dictionaries(names, tree, min_size=1, max_size=4).map(datasets.Features)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_features_yaml_round_trip(hf_offline: Any, data: st.DataObject) -> None:
    """Any Features written to YAML by `datasets` comes back identical through our reader."""
    features = data.draw(_features(hf_offline))
    assert hf_offline.Features.from_dict(Features.from_yaml_list(features._to_yaml_list()).to_dict()) == features


def test_default_config_rules() -> None:
    one = [MetadataConfig("only")]
    assert default_config_name(one) == "only"
    assert default_config_name([MetadataConfig("a"), MetadataConfig("default")]) == "default"
    assert default_config_name([MetadataConfig("a"), MetadataConfig("b", default=True)]) == "b"
    assert default_config_name([MetadataConfig("a"), MetadataConfig("b")]) is None
    with pytest.raises(ValueError, match="several default configs: 'a' and 'b'"):
        default_config_name([MetadataConfig("a", default=True), MetadataConfig("b", default=True)])


def test_metadata_configs() -> None:
    card = {
        "configs": [
            {
                "config_name": "a",
                "data_files": [{"split": "train", "path": "a/*"}],
                "sep": ";",
                "default": True,
            },
            {
                "config_name": "b",
                "data_dir": "b",
                "features": [{"name": "x", "dtype": "int32"}],
                "field": "data",
            },
        ]
    }
    a, b = metadata_configs(card)
    assert a == MetadataConfig("a", [{"split": "train", "path": "a/*"}], None, True, None, {"sep": ";"})
    assert b.data_dir == "b" and b.builder_kwargs == {"field": "data"}
    assert b.features_yaml == [{"name": "x", "dtype": "int32"}]
    assert metadata_configs({}) == [] and metadata_configs(None) == []
    for bad in (
        {"configs": {"config_name": "a"}},
        {"configs": [{"data_files": "x"}]},
        {"configs": [{"config_name": "a", "data_files": 3}]},
        {"configs": [{"config_name": "a", "data_files": [{"split": "a-b", "path": "x"}]}]},
        {"configs": [{"config_name": "a", "data_files": [{"split": "a", "path": "x", "extra": 1}]}]},
    ):
        with pytest.raises(ValueError, match="config"):
            metadata_configs(bad)


def test_dataset_info_and_split_sizes() -> None:
    single = {"dataset_info": {"features": [], "splits": [{"name": "train", "num_examples": 7}]}}
    assert list(dataset_infos(single)) == ["default"]
    assert split_sizes(config_dataset_info(single, "default")) == {"train": 7}
    named = {
        "dataset_info": [
            {"config_name": "x", "splits": [{"name": "a", "num_examples": 1}]},
            {"config_name": "y"},
        ]
    }
    assert list(dataset_infos(named)) == ["x", "y"]
    assert split_sizes(config_dataset_info(named, "x")) == {"a": 1}
    assert config_dataset_info(named, "z") is None and split_sizes(None) is None
    lone = {"dataset_info": {"config_name": "plain_text", "splits": [{"name": "t", "num_examples": 2}]}}
    assert split_sizes(config_dataset_info(lone, "default")) == {"t": 2}


def test_standalone_yaml_overrides_card() -> None:
    readme = "---\nlicense: mit\nconfigs:\n- config_name: a\n---\n"
    merged = load_card_data(readme, "configs:\n- config_name: b\npretty_name: X\n")
    assert merged == {"license": "mit", "configs": [{"config_name": "b"}], "pretty_name": "X"}
    assert load_card_data(None, None) == {} and load_card_data(readme, "") == parse_front_matter(readme)
    with pytest.raises(ValueError, match="huggingface.yaml"):
        load_card_data(readme, "- a\n")
