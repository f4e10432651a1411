"""Every registry entry loads from the sample Hub through the real HTTP client: the repo's configs and splits are
the ones the registry states, the rows and features are the repo's, and rows normalise lazily to the entry's
typed example (the first, the last, and every row through a DataLoader with workers)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

import crucible_torch as ct
from crucible_torch import cookbook
from crucible_torch.cookbook.loader import EXAMPLE
from crucible_torch.testing import SampleHub

NAMES = cookbook.list()


def _expected_rows(hub: SampleHub, entry: cookbook.DatasetEntry, split: str) -> int:
    repo = hub[entry.repo_id]
    configs = entry.concat.get(split) or (entry.default_config,)
    return sum(repo.configs[c][split] for c in configs)


@pytest.mark.parametrize("name", NAMES)
def test_entry_matches_its_repo_and_normalises(hub: SampleHub, name: str) -> None:
    entry = cookbook.info(name)
    repo = hub[entry.repo_id]
    repo_configs = ct.get_dataset_config_names(entry.repo_id, token=repo.token)
    if entry.concat:
        assert set(entry.configs) <= set(repo_configs)
        assert all(split in repo.configs[c] for split, cs in entry.concat.items() for c in cs)
        assert list(entry.concat) == list(entry.splits)
    else:
        assert repo_configs == list(entry.configs)
        assert list(repo.configs[entry.default_config]) == list(entry.splits)
    config = entry.default_config or entry.concat[entry.default_split][0]
    assert set(entry.columns) <= set(repo.features[config]), "the registry names columns the repo has"

    raw = cookbook.load(name, normalise=False, token=repo.token)
    if entry.streaming:
        assert isinstance(raw, ct.IterableDataset)
        assert sum(1 for _ in raw) == _expected_rows(hub, entry, entry.default_split)
        return
    assert len(raw) == _expected_rows(hub, entry, entry.default_split)
    assert raw.features == repo.features[config]
    if entry.normaliser is None:
        return
    typed = cookbook.load(name, token=repo.token, skip=False)
    assert len(typed) == len(raw)
    first, last = typed[0][EXAMPLE], typed[len(typed) - 1][EXAMPLE]
    assert isinstance(first, entry.example_type) and isinstance(last, entry.example_type)
    assert first == entry.normaliser(raw[0]) if entry.label_column is None else first.label == raw[0]["label"]


@pytest.mark.parametrize("name", ["gsm8k", "no_robots", "caltech101"])
def test_normalising_runs_in_dataloader_workers(hub: SampleHub, name: str) -> None:
    ds = cookbook.load(name).shuffle(seed=0)
    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2, collate_fn=ds.collate_fn)
    examples = [example for batch in loader for example in batch[EXAMPLE]]
    assert len(examples) == len(ds)
    assert all(isinstance(e, cookbook.info(name).example_type) for e in examples)


def test_streaming_entry_normalises_in_workers(hub: SampleHub) -> None:
    ds = cookbook.load("openthoughts3").shuffle(seed=0, buffer_size=64).batch(8, drop_last_batch=True)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
    batches = list(loader)
    rows = hub["open-thoughts/OpenThoughts3-1.2M"].num_rows("default", "train")
    assert len(batches) == rows // 8 or len(batches) == rows // 8 - 1  # each worker drops its own partial batch
    first = batches[0][EXAMPLE][0]
    assert isinstance(first, cookbook.Conversation) and first.messages[0].role == "user"


def test_skip_rules_are_counted_and_can_be_turned_off(hub: SampleHub, caplog: pytest.LogCaptureFixture) -> None:
    raw = cookbook.load("helpsteer3", normalise=False)
    ties = sum(row["overall_preference"] == 0 for row in raw)
    assert ties, "the sample holds ties"
    with caplog.at_level(logging.INFO, logger="crucible_torch.cookbook"):
        kept = cookbook.load("helpsteer3")
    assert len(kept) == len(raw) - ties
    assert f"skipped {ties} of {len(raw)} rows: ties" in caplog.text
    everything = cookbook.load("helpsteer3", skip=False)
    preferred = [row[EXAMPLE].preferred for row in everything]
    assert preferred.count("tie") == ties and len(preferred) == len(raw)


def test_all_subjects_entry_concatenates_every_config(hub: SampleHub) -> None:
    subjects = cookbook.info("hendrycks_math_all").concat["test"]
    ds = cookbook.load("hendrycks_math_all", split="test", normalise=False)
    parts = [ct.load_dataset("EleutherAI/hendrycks_math", s, split="test") for s in subjects]
    assert ds.to_list() == [row for part in parts for row in part]
    with pytest.raises(ValueError, match="takes no config"):
        cookbook.load("hendrycks_math_all", config="algebra")


def test_vision_examples_carry_the_real_class_names(hub: SampleHub) -> None:
    ds = cookbook.load("oxford_iiit_pet", split="test")
    names = ct.load_dataset("dpdl-benchmark/oxford_iiit_pet", split="test").features["label"].names
    for row in ds:
        example = row[EXAMPLE]
        assert example.label_name == names[example.label] and not example.label_name.startswith("class_")
        assert example.metadata["species"] in (0, 1) and example.image.size[0] > 0


def test_bad_names_configs_and_splits_are_explained(hub: SampleHub) -> None:
    with pytest.raises(KeyError, match="no registered dataset 'gsm9k'"):
        cookbook.info("gsm9k")
    assert cookbook.info("openai/gsm8k").name == "gsm8k"
    with pytest.raises(KeyError, match="several names"):
        cookbook.info("EleutherAI/hendrycks_math")
    with pytest.raises(ValueError, match="has configs"):
        cookbook.load("gsm8k", config="mian")
    with pytest.raises(ValueError, match="train"):
        cookbook.load("gsm8k", split="validation")


def test_malformed_row_names_dataset_split_and_row(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crucible_torch.testing import hub_server

    rows = [{"question": f"q{i}", "answer": f"step\n#### {i}"} for i in range(5)]
    rows[3]["answer"] = "the marker is missing"
    (tmp_path / "openai" / "gsm8k" / "main").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "openai" / "gsm8k" / "main" / "train-00000-of-00001.parquet")
    card = "---\nconfigs:\n- config_name: main\n  data_files:\n  - split: train\n    path: main/train-*\n---\n"
    (tmp_path / "openai" / "gsm8k" / "README.md").write_text(card)
    with hub_server(tmp_path, fresh_cache=True):
        ds = cookbook.load("gsm8k").shuffle(seed=1)
        assert len(ds) == 5
        with pytest.raises(cookbook.RowError, match=r"gsm8k \[main\] split 'train', row 3: expected the answer"):
            list(ds)
