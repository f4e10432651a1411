"""The README (dataset card YAML) form of features, compared with `datasets`' own conversion."""

from __future__ import annotations

import datasets
import pytest
import yaml
from hypothesis import given, settings
from test_features_schema import EVERY_TYPE, _features

from crucible_torch.features import ClassLabel, Features, Image, List, Value

CARD = """
dataset_info:
  features:
  - name: id
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': negative
          '1': positive
  - name: tokens
    sequence: int32
  - name: answers
    sequence:
    - name: text
      dtype: string
    - name: start
      dtype: int32
  - name: pair
    list: float32
    length: 2
  - name: image
    dtype: image
  - name: meta
    struct:
    - name: source
      dtype: string
"""


def test_readme_card_features() -> None:
    yaml_list = yaml.safe_load(CARD)["dataset_info"]["features"]
    ours = Features.from_yaml_list(yaml_list)
    assert ours == {
        "id": Value("string"),
        "label": ClassLabel(names=["negative", "positive"]),
        "tokens": List(Value("int32")),
        "answers": {"text": List(Value("string")), "start": List(Value("int32"))},
        "pair": List(Value("float32"), length=2),
        "image": Image(),
        "meta": {"source": Value("string")},
    }
    assert ours.to_dict() == datasets.Features._from_yaml_list(yaml_list).to_dict()


def test_every_type_matches_datasets() -> None:
    ours = Features(EVERY_TYPE)
    theirs = datasets.Features.from_dict(ours.to_dict())
    assert ours.to_yaml_list() == theirs._to_yaml_list()
    assert Features.from_yaml_list(ours.to_yaml_list()) == ours
    assert yaml.safe_dump(ours.to_yaml_list()) == yaml.safe_dump(theirs._to_yaml_list())


def test_class_label_ids_must_be_complete() -> None:
    card = [{"name": "label", "dtype": {"class_label": {"names": {"0": "a", "2": "c"}}}}]
    with pytest.raises(ValueError, match="some ids are missing"):
        Features.from_yaml_list(card)


@settings(max_examples=100, deadline=None)
@given(_features)
def test_random_features_yaml_matches_datasets(features: Features) -> None:
    theirs = datasets.Features.from_dict(features.to_dict())
    assert features.to_yaml_list() == theirs._to_yaml_list()
    assert Features.from_yaml_list(features.to_yaml_list()) == features
    assert datasets.Features._from_yaml_list(features.to_yaml_list()).to_dict() == features.to_dict()
