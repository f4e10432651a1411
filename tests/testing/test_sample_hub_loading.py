"""crucible_torch.load_dataset against the sample Hub over HTTP: every repo resolves to the configs, splits, row
counts and features its descriptor states, rows equal the files read directly, media decode, gating is enforced,
and the parquet-export-only repo loads through ``refs/convert/parquet``."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from PIL import Image, ImageOps
from sample_checks import read_rows
from sample_hub_fixtures import sampled_configs

import crucible_torch as ct
from crucible_torch.hub import GatedRepoError
from crucible_torch.testing import SAMPLE_TOKEN, SampleHub
from crucible_torch.testing.sample_specs import sample_specs

EXPORT_REPO = "openslr/librispeech_asr"
MAIN_REPOS = [spec.repo_id for spec in sample_specs() if spec.revision == "main"]


@pytest.mark.parametrize("repo_id", MAIN_REPOS)
def test_repo_loads_with_expected_configs_splits_rows_and_features(hub: SampleHub, repo_id: str) -> None:
    repo = hub[repo_id]
    assert ct.get_dataset_config_names(repo_id, token=repo.token) == list(repo.configs)
    for config in sampled_configs(list(repo.configs)):
        splits = repo.configs[config]
        loaded = ct.load_dataset(repo_id, name=config, token=repo.token)
        assert list(loaded) == list(splits)
        for split, rows in splits.items():
            assert len(loaded[split]) == rows, (repo_id, config, split)
            assert loaded[split].features == repo.features[config], (repo_id, config, split)


@pytest.mark.parametrize(
    ("repo_id", "config", "split"),
    [
        ("openai/gsm8k", "main", "test"),
        ("HuggingFaceH4/MATH-500", "default", "test"),
        ("allenai/tulu-3-sft-mixture", "default", "train"),
        ("HuggingFaceH4/no_robots", "default", "train"),
        ("nvidia/HelpSteer3", "preference", "validation"),
        ("zwhe99/DeepMath-103K", "default", "train"),
        ("open-thoughts/OpenThoughts3-1.2M", "default", "train"),
        ("agentica-org/DeepCoder-Preview-Dataset", "lcbv5", "test"),
    ],
)
def test_rows_equal_the_files(hub: SampleHub, repo_id: str, config: str, split: str) -> None:
    """Text repos: every row as the cookbook reads it (messages as lists of dicts), in file order."""
    ds = ct.load_dataset(repo_id, name=config, split=split)
    assert ds.to_list() == read_rows(hub[repo_id], config, split)
    assert [ds[i] for i in (0, len(ds) - 1)] == [ds.to_list()[0], ds.to_list()[-1]]


def test_cookbook_positional_config_and_split_slicing(hub: SampleHub) -> None:
    train = ct.load_dataset("openai/gsm8k", "main", split="train")
    head = ct.load_dataset("openai/gsm8k", "main", split="train[:10]+test[-5:]")
    repo = hub["openai/gsm8k"]
    expected = read_rows(repo, "main", "train")[:10] + read_rows(repo, "main", "test")[-5:]
    assert len(train) == 120 and head.to_list() == expected
    assert train[0]["answer"].split("####")[-1].strip().lstrip("-").isdigit()


@pytest.mark.parametrize(
    "repo_id",
    [
        "dpdl-benchmark/caltech101",
        "dpdl-benchmark/oxford_flowers102",
        "dpdl-benchmark/oxford_iiit_pet",
        "tanganke/stanford_cars",
    ],
)
def test_images_decode_to_pil_with_class_names(hub: SampleHub, repo_id: str) -> None:
    repo = hub[repo_id]
    ds = ct.load_dataset(repo_id, split="test")
    raw = read_rows(repo, "default", "test")
    label = ds.features["label"]
    assert isinstance(label, ct.ClassLabel) and label.names == repo.features["default"]["label"].names
    for i, expected in enumerate(raw):
        row = ds[i]
        stored = Image.open(io.BytesIO(expected["image"]["bytes"]))
        shown = ImageOps.exif_transpose(stored)
        assert isinstance(row["image"], Image.Image) and row["image"].size == shown.size
        assert row["image"].mode == stored.mode
        assert np.array_equal(np.asarray(row["image"]), np.asarray(shown))
        assert label.int2str(row["label"]) == label.names[expected["label"]]
    assert any(Image.open(io.BytesIO(r["image"]["bytes"])).getexif().get(0x0112) == 6 for r in raw)


def test_image_decode_false_gives_stored_bytes(hub: SampleHub) -> None:
    ds = ct.load_dataset("dpdl-benchmark/caltech101", split="test").cast_column("image", ct.Image(decode=False))
    stored = read_rows(hub["dpdl-benchmark/caltech101"], "default", "test")
    assert [r["image"] for r in ds] == [r["image"] for r in stored]
    assert ds.features["label"].int2str(9) == "stop_sign"


def test_audio_decodes_to_arrays_and_decode_false_keeps_bytes(hub: SampleHub) -> None:
    ds = ct.load_dataset("hf-internal-testing/librispeech_asr_dummy", "clean", split="validation")
    raw = read_rows(hub["hf-internal-testing/librispeech_asr_dummy"], "clean", "validation")
    for row, expected in zip(ds, raw, strict=True):
        with wave.open(io.BytesIO(expected["audio"]["bytes"])) as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32768.0
        assert row["audio"]["sampling_rate"] == 16_000
        np.testing.assert_allclose(row["audio"]["array"], samples, atol=1e-6)
        assert (row["id"], row["text"], row["speaker_id"]) == (expected["id"], expected["text"], expected["speaker_id"])
    raw_ds = ds.cast_column("audio", ct.Audio(decode=False))
    assert raw_ds[0]["audio"]["bytes"] == raw[0]["audio"]["bytes"]


def test_gated_repo_needs_a_granted_token(hub: SampleHub, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = hub["Anthropic/hh-rlhf"]
    assert repo.gated and repo.token == SAMPLE_TOKEN
    with pytest.raises(GatedRepoError, match="request access"):
        ct.load_dataset(repo.repo_id, split="train")
    with pytest.raises(GatedRepoError, match="request access"):
        ct.load_dataset(repo.repo_id, split="train", token="hf_not_granted")
    assert len(ct.load_dataset(repo.repo_id, split="test", token=repo.token)) == repo.configs["default"]["test"]
    monkeypatch.setenv("HF_TOKEN", repo.token)
    train = ct.load_dataset(repo.repo_id, split="train")
    assert train.to_list() == read_rows(repo, "default", "train")
    assert hub.server.count(status=401) >= 1 and hub.server.count(status=403) >= 1


def test_parquet_export_repo_without_name_lists_its_configs(hub: SampleHub) -> None:
    with pytest.raises(ValueError, match=r"Config name is missing.*\['clean', 'other'\]"):
        ct.load_dataset(EXPORT_REPO)


def test_parquet_export_repo_loads_through_refs_convert_parquet(hub: SampleHub) -> None:
    repo = hub[EXPORT_REPO]
    ds = ct.load_dataset(EXPORT_REPO, "other", split="train.500")
    assert len(ds) == repo.configs["other"]["train.500"] and ds.features == repo.features["other"]
    assert [r["id"] for r in ds] == [r["id"] for r in read_rows(repo, "other", "train.500")]
    assert hub.server.count("GET", path_contains="refs/convert/parquet") >= 1


def test_parquet_export_repo_configs_and_splits(hub: SampleHub) -> None:
    repo = hub[EXPORT_REPO]
    assert ct.get_dataset_config_names(EXPORT_REPO) == list(repo.configs)
    clean = ct.load_dataset(EXPORT_REPO, name="clean")
    assert {s: len(d) for s, d in clean.items()} == repo.configs["clean"]


def test_cookbook_concatenations_across_configs(hub: SampleHub) -> None:
    """math_env: every hendrycks_math config, train, concatenated; code_env: DeepCoder train configs."""
    math_repo = hub["EleutherAI/hendrycks_math"]
    parts = [
        ct.load_dataset(math_repo.repo_id, name=c, split="train")
        for c in ct.get_dataset_config_names(math_repo.repo_id)
    ]
    merged = ct.concatenate_datasets(parts)
    assert len(merged) == sum(s["train"] for s in math_repo.configs.values())
    code = [
        ct.load_dataset("agentica-org/DeepCoder-Preview-Dataset", name=c, split="train")
        for c in ("primeintellect", "taco", "lcbv5")
    ]
    assert len(ct.concatenate_datasets(code)) == 40 + 35 + 30
