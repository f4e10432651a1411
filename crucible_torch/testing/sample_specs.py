"""The table of sample Hub repos: for each cookbook dataset, its layout (file paths, formats, shards, configs,
README YAML) and a row generator with the real column names and types.

Layouts follow the real repos as far as the project's reference notes and public knowledge of them go. Where a
detail of the real repo is uncertain the most plausible layout was picked, and the spec's comment says so.
Row counts are at ``scale=1.0``; :func:`~crucible_torch.testing.sample_hub.build_sample_hub` multiplies them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..features import Audio, ClassLabel, Features, Image, List, Value
from . import sample_rows as rows

RowFn = Callable[[random.Random, int], dict[str, Any]]
SHARDED = "data/{split}-{shard:05d}-of-{num_shards:05d}.parquet"
PER_CONFIG = "{config}/{split}-{shard:05d}-of-{num_shards:05d}.parquet"
PARQUET_EXPORT = "{config}/{split_dir}/{shard:04d}.parquet"
PARQUET_REVISION = "refs/convert/parquet"

S, I64, F64 = Value("string"), Value("int64"), Value("float64")
MESSAGES = List({"content": S, "role": S})


@dataclass(frozen=True)
class ConfigSpec:
    """One config: its splits (rows at scale 1), features, row generator and file layout.

    ``path`` is formatted with ``config``, ``split``, ``split_dir`` (``partial-{split}`` for splits in
    ``partial``), ``shard``, ``num_shards`` and ``part``. A split is written as ``shards`` files, or one file per
    entry of ``parts`` when given; each parquet file gets ``row_groups`` row groups. ``.json`` files are JSON
    Lines unless ``json_document`` (one top-level array).
    """

    name: str
    splits: dict[str, int]
    features: Features
    row: RowFn
    path: str = SHARDED
    shards: int = 1
    parts: tuple[str, ...] = ()
    row_groups: int = 1
    partial: tuple[str, ...] = ()
    json_document: bool = False


@dataclass(frozen=True)
class RepoSpec:
    """One repo: configs, README card fields, and where the data lives.

    ``yaml_configs`` writes the README ``configs:`` list (data_files patterns); ``dataset_info`` writes features
    and split sizes as the Hub's parquet tooling does. ``revision`` other than ``main`` puts the data on that
    branch and leaves ``main`` with only the README and ``extra_files``.
    """

    repo_id: str
    configs: tuple[ConfigSpec, ...]
    card: dict[str, Any]
    yaml_configs: bool = True
    dataset_info: bool = True
    gated: bool = False
    revision: str = "main"
    extra_files: Callable[[random.Random], dict[str, bytes]] | None = field(default=None, repr=False)


SPEECH = Features(
    {"file": S, "audio": Audio(sampling_rate=16_000), "text": S, "speaker_id": I64, "chapter_id": I64, "id": S}
)
CODE = Features({"problem": S, "tests": S, "metadata": S})


def _vlm_repo(repo_id: str, names: tuple[str, ...], train: int, test: int, pretty: str, **extra: Any) -> RepoSpec:
    """An image classification repo: ``data/{split}-*.parquet`` with ``image`` and a ``label`` ClassLabel."""
    features = Features({"image": Image(), "label": ClassLabel(names=list(names)), **extra.pop("features", {})})
    row = extra.pop("row", partial(rows.vlm, names))
    config = ConfigSpec("default", {"train": train, "test": test}, features, row, **extra)
    return RepoSpec(repo_id, (config,), {"pretty_name": pretty, "task_categories": ["image-classification"]})


def sample_specs() -> list[RepoSpec]:
    """Every sample repo, in a stable order: the recipes' datasets, then the benchmarks and the rest of the
    cookbook registry (:mod:`~crucible_torch.testing.sample_benchmark_specs`)."""
    from .sample_benchmark_specs import benchmark_specs  # that module builds on this one's spec types

    gsm8k = Features({"question": S, "answer": S})
    hendrycks = Features({"problem": S, "level": S, "type": S, "solution": S})
    return [
        RepoSpec(
            "openai/gsm8k",
            (
                ConfigSpec("main", {"train": 120, "test": 40}, gsm8k, partial(rows.gsm8k, False), PER_CONFIG),
                ConfigSpec("socratic", {"train": 110, "test": 36}, gsm8k, partial(rows.gsm8k, True), PER_CONFIG),
            ),
            {
                "language": ["en"],
                "license": "mit",
                "pretty_name": "Grade School Math 8K",
                "task_categories": ["text2text-generation"],
                "tags": ["math-word-problems"],
            },
        ),
        # A single test.jsonl and a card without configs: split found by the default filename patterns.
        RepoSpec(
            "HuggingFaceH4/MATH-500",
            (
                ConfigSpec(
                    "default",
                    {"test": 50},
                    Features({"problem": S, "solution": S, "answer": S, "subject": S, "level": I64, "unique_id": S}),
                    rows.math500,
                    "test.jsonl",
                ),
            ),
            {"task_categories": ["text-generation"], "language": ["en"], "pretty_name": "MATH-500"},
            yaml_configs=False,
            dataset_info=False,
        ),
        RepoSpec(
            "EleutherAI/hendrycks_math",
            tuple(
                ConfigSpec(
                    subject, {"train": train, "test": test}, hendrycks, partial(rows.hendrycks, subject), PER_CONFIG
                )
                for subject, train, test in (
                    ("algebra", 30, 12),
                    ("counting_and_probability", 18, 8),
                    ("geometry", 20, 9),
                    ("intermediate_algebra", 26, 11),
                    ("number_theory", 22, 10),
                    ("prealgebra", 28, 13),
                    ("precalculus", 16, 7),
                )
            ),
            {"license": "mit"},
        ),
        RepoSpec(
            "allenai/tulu-3-sft-mixture",
            (
                ConfigSpec(
                    "default",
                    {"train": 300},
                    Features({"id": S, "messages": MESSAGES, "source": S}),
                    rows.tulu,
                    shards=4,
                ),
            ),
            {"license": "odc-by", "task_categories": ["other"], "size_categories": ["100K<n<1M"]},
        ),
        RepoSpec(
            "HuggingFaceH4/no_robots",
            (
                ConfigSpec(
                    "default",
                    {"train": 95, "test": 15},
                    Features({"prompt": S, "prompt_id": S, "messages": MESSAGES, "category": S}),
                    rows.no_robots,
                ),
            ),
            {"license": "cc-by-nc-4.0", "task_categories": ["text-generation"], "pretty_name": "No Robots"},
        ),
        # jsonl.gz per subset folder, no configs in the card; the red-team folder matches no split and is ignored.
        RepoSpec(
            "Anthropic/hh-rlhf",
            (
                ConfigSpec(
                    "default",
                    {"train": 85, "test": 22},
                    Features({"chosen": S, "rejected": S}),
                    rows.hh,
                    "{part}/{split}.jsonl.gz",
                    parts=("harmless-base", "helpful-base"),
                ),
            ),
            {"license": "mit", "tags": ["human-feedback"]},
            yaml_configs=False,
            dataset_info=False,
            gated=True,
            extra_files=rows.hh_red_team,
        ),
        RepoSpec(
            "nvidia/HelpSteer3",
            (
                ConfigSpec(
                    "preference",
                    {"train": 60, "validation": 14},
                    Features(
                        {
                            "domain": S,
                            "language": S,
                            "context": List({"role": S, "content": S}),
                            "response1": S,
                            "response2": S,
                            "overall_preference": I64,
                            "individual_preference": List({"score": I64, "reasoning": S}),
                        }
                    ),
                    rows.helpsteer3,
                    "preference/{split}.jsonl.gz",
                ),
            ),
            {"license": "cc-by-4.0", "language": ["en"], "pretty_name": "HelpSteer3"},
            dataset_info=False,
        ),
        RepoSpec(
            "argilla/ultrafeedback-binarized-preferences",
            (
                ConfigSpec(
                    "default",
                    {"train": 70},
                    Features(
                        {
                            "source": S,
                            "instruction": S,
                            "chosen_response": S,
                            "chosen_avg_rating": F64,
                            "chosen_model": S,
                            "rejected_response": S,
                            "rejected_avg_rating": F64,
                            "rejected_model": S,
                        }
                    ),
                    rows.ultrafeedback,
                ),
            ),
            {"license": "mit", "language": ["en"]},
        ),
        RepoSpec(
            "zwhe99/DeepMath-103K",
            (
                ConfigSpec(
                    "default",
                    {"train": 150},
                    Features(
                        {
                            "question": S,
                            "final_answer": S,
                            "difficulty": F64,
                            "topic": S,
                            "r1_solution_1": S,
                            "r1_solution_2": S,
                            "r1_solution_3": S,
                        }
                    ),
                    rows.deepmath,
                    shards=3,
                ),
            ),
            {"license": "mit", "task_categories": ["text-generation", "text2text-generation"]},
        ),
        # Real file name uncertain: one parquet at the repo root whose name holds no split keyword -> "train".
        RepoSpec(
            "POLARIS-Project/Polaris-Dataset-53K",
            (
                ConfigSpec(
                    "default",
                    {"train": 80},
                    Features({"problem": S, "answer": S, "difficulty": S}),
                    rows.polaris,
                    "polaris-data-53K.parquet",
                ),
            ),
            {"license": "apache-2.0"},
            yaml_configs=False,
            dataset_info=False,
        ),
        RepoSpec(
            "open-thoughts/OpenThoughts3-1.2M",
            (
                ConfigSpec(
                    "default",
                    {"train": 240},
                    Features(
                        {"difficulty": I64, "source": S, "domain": S, "conversations": List({"from": S, "value": S})}
                    ),
                    rows.openthoughts,
                    shards=4,
                    row_groups=3,
                ),
            ),
            {"license": "apache-2.0", "tags": ["reasoning"], "size_categories": ["1M<n<10M"]},
        ),
        RepoSpec(
            "agentica-org/DeepCoder-Preview-Dataset",
            tuple(
                ConfigSpec(config, splits, CODE, partial(rows.deepcoder, config), PER_CONFIG)
                for config, splits in (
                    ("primeintellect", {"train": 40}),
                    ("taco", {"train": 35}),
                    ("lcbv5", {"train": 30, "test": 12}),
                    ("codeforces", {"test": 10}),
                )
            ),
            {"license": "mit", "language": ["en"]},
        ),
        _vlm_repo("dpdl-benchmark/caltech101", rows.CALTECH_CLASSES, 40, 20, "Caltech 101"),
        _vlm_repo("dpdl-benchmark/oxford_flowers102", rows.FLOWER_CLASSES, 30, 24, "Oxford Flowers 102"),
        _vlm_repo(
            "dpdl-benchmark/oxford_iiit_pet",
            rows.PET_BREEDS,
            36,
            18,
            "Oxford-IIIT Pet",
            row=rows.pet,
            features={"species": ClassLabel(names=["cat", "dog"])},
        ),
        _vlm_repo("tanganke/stanford_cars", rows.CAR_CLASSES, 44, 22, "Stanford Cars", shards=2),
        RepoSpec(
            "hf-internal-testing/librispeech_asr_dummy",
            (ConfigSpec("clean", {"validation": 20}, SPEECH, rows.speech, PER_CONFIG),),
            {"license": "cc-by-4.0"},
        ),
        # Main holds only a README and a LICENSE (the real repo was script-based); the data exists only as the
        # Hub's parquet export, with the big train splits converted partially into partial-{split}/.
        RepoSpec(
            "openslr/librispeech_asr",
            (
                ConfigSpec(
                    "clean",
                    {"validation": 10, "test": 9, "train.100": 16},
                    SPEECH,
                    rows.speech,
                    PARQUET_EXPORT,
                    partial=("train.100",),
                ),
                ConfigSpec(
                    "other",
                    {"validation": 11, "train.500": 18},
                    SPEECH,
                    rows.speech,
                    PARQUET_EXPORT,
                    shards=2,
                    partial=("train.500",),
                ),
            ),
            {"license": "cc-by-4.0", "pretty_name": "LibriSpeech", "task_categories": ["automatic-speech-recognition"]},
            yaml_configs=False,
            dataset_info=False,
            revision=PARQUET_REVISION,
            extra_files=lambda rng: {"LICENSE": b"Creative Commons Attribution 4.0 International\n"},
        ),
        *benchmark_specs(),
    ]
