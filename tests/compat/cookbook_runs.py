"""Runs tinker-cookbook's own dataset builders and prints a digest of every batch they produce, as JSON.

    python cookbook_runs.py datasets|crucible_torch

With ``crucible_torch`` the module ``datasets`` is crucible_torch (``sys.modules["datasets"]``) before the cookbook
is imported, so every ``datasets.load_dataset`` / ``Dataset.shuffle`` / ``select`` / ``take`` / ``skip`` /
``interleave_datasets`` / streaming call in the cookbook runs on crucible_torch. ``HF_ENDPOINT`` points at the sample
Hub serving the repos under the cookbook's repo ids. Tokens and images go through the cookbook's own renderer
(``tml_v0``) with the tokenizer that ships inside ``tml_renderers``, so no model is downloaded and no Tinker API
is called. Each scenario's digest is a list of batches, each a list of per-datum (or per-environment) hashes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sys
from functools import partial
from typing import Any

if sys.argv[1] == "crucible_torch":
    import crucible_torch

    sys.modules["datasets"] = crucible_torch  # the drop-in: the cookbook imports `datasets` and gets this

import datasets  # noqa: E402
from tinker_cookbook import renderers  # noqa: E402
from tinker_cookbook.tokenizer_utils import get_tokenizer  # noqa: E402

MODEL, RENDERER = "thinkingmachines/Inkling", "tml_v0"


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=repr).encode()).hexdigest()[:16]


def _datum(datum: Any) -> str:
    chunks = []
    for chunk in datum.model_input.chunks:
        tokens = getattr(chunk, "tokens", None)
        chunks.append(
            list(tokens) if tokens is not None else hashlib.sha256(chunk.model_dump_json().encode()).hexdigest()
        )
    inputs = {k: v.data if hasattr(v, "data") else repr(v) for k, v in datum.loss_fn_inputs.items()}
    return _hash([chunks, inputs])


def _supervised(dataset: Any, epochs: int = 2) -> list[list[str]]:
    """Every batch of every epoch, as the training loop asks for them (set_epoch, then get_batch(i))."""
    out = []
    for epoch in range(epochs):
        dataset.set_epoch(seed=epoch)
        out += [[_datum(d) for d in dataset.get_batch(i)] for i in range(len(dataset))]
    return out


def _environment(builder: Any) -> str:
    """An RL environment group by what it was built from: the env thunk's plain arguments."""
    thunk = getattr(builder, "env_thunk", None)
    args = thunk.args if isinstance(thunk, partial) else ()
    plain = [a for a in args if isinstance(a, (str, int, float, list, dict))]
    return _hash([type(builder).__name__, plain, getattr(builder, "num_envs", None)])


def _rl(dataset: Any) -> list[list[str]]:
    batches = []
    for i in range(len(dataset)):
        batch = dataset.get_batch(i)
        batch = batch[0] if isinstance(batch, tuple) else batch
        batches.append([_environment(b) for b in batch])
    return batches


def _common(batch_size: int) -> Any:
    from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

    return ChatDatasetBuilderCommonConfig(
        model_name_for_tokenizer=MODEL, renderer_name=RENDERER, max_length=2048, batch_size=batch_size
    )


def chat_sft() -> dict[str, Any]:
    from tinker_cookbook.recipes.chat_sl.chat_datasets import NoRobotsBuilder, Tulu3Builder
    from tinker_cookbook.supervised.data import (
        FromConversationFileBuilder,
        HFDatasetSource,
        InterleavedChatDatasetBuilder,
    )

    out = {}
    for name, builder in (
        ("no_robots", NoRobotsBuilder(common_config=_common(16))),
        ("tulu3", Tulu3Builder(common_config=_common(32))),
        (
            "interleaved",
            InterleavedChatDatasetBuilder(
                common_config=_common(16),
                sources=[
                    HFDatasetSource(path="HuggingFaceH4/no_robots"),
                    HFDatasetSource(path="allenai/tulu-3-sft-mixture"),
                ],
                test_size=24,
            ),
        ),
        (
            "conversation_file",
            FromConversationFileBuilder(common_config=_common(8), file_path=sys.argv[2], test_size=10),
        ),
    ):
        train, test = builder()
        out[name] = {"train": _supervised(train), "test": _supervised(test, 1) if test is not None else None}
    return out


def preference() -> dict[str, Any]:
    from tinker_cookbook.preference.dpo_datasets import DPODatasetBuilderFromComparisons
    from tinker_cookbook.recipes.preference import datasets as pref

    out = {}
    for name, comparisons in (
        ("hhh", pref.HHHComparisonBuilder(test_size=20)),
        ("helpsteer3", pref.HelpSteer3ComparisonBuilder()),
        ("ultrafeedback", pref.UltraFeedbackComparisonBuilder()),
        ("arena", pref.ArenaComparisonBuilder()),
        ("tulu38b", pref.Tulu38BComparisonBuilder()),
        ("helpsteer2", pref.HelpSteer2ComparisonBuilder()),
    ):
        train, test = DPODatasetBuilderFromComparisons(common_config=_common(8), comparison_builder=comparisons)()
        out[name] = {"train": _supervised(train), "test": _supervised(test, 1) if test is not None else None}
    return out


def math_rl() -> dict[str, Any]:
    from tinker_cookbook.recipes.math_rl import math_env

    renderer = renderers.get_renderer(RENDERER, get_tokenizer(MODEL))
    out = {}
    for name, cls in (
        ("gsm8k", math_env.Gsm8kDataset),
        ("math", math_env.MathDataset),
        ("polaris", math_env.PolarisDataset),
        ("deepmath", math_env.DeepMathDataset),
    ):
        if name in ("gsm8k", "math"):  # these take a split; Polaris and DeepMath are train-only
            out[name] = {
                s: _rl(cls(batch_size=16, group_size=2, renderer=renderer, split=s)) for s in ("train", "test")
            }
        else:
            out[name] = {"train": _rl(cls(batch_size=16, group_size=2, renderer=renderer))}
    return out


def distillation() -> dict[str, Any]:
    from tinker_cookbook.distillation import datasets as distill

    return {"deepmath": distill.load_deepmath_prompts(), "tulu3": distill.load_tulu3_prompts()}


def vlm() -> dict[str, Any]:
    from tinker_cookbook.recipes.vlm_classifier import data

    random.seed(0)  # the recipe flips images with the unseeded global random; both runs draw the same sequence
    out = {}
    for name in (
        "Caltech101DatasetBuilder",
        "Flowers102DatasetBuilder",
        "OxfordPetsDatasetBuilder",
        "StanfordCarsDatasetBuilder",
    ):
        builder = getattr(data, name, None)
        if builder is None:
            continue
        train, test = builder(
            model_name_for_tokenizer=MODEL, renderer_name=RENDERER, batch_size=8, examples_per_class=2
        )()
        out[name] = {"train": _supervised(train), "test": _supervised(test, 1) if test is not None else None}
    return out


def streaming() -> dict[str, Any]:
    """OpenThoughts3 through StreamingSupervisedDatasetFromHFDataset: batch shapes in order, rows as a multiset
    (streaming shuffle order differs from `datasets` by design: windowed permutation, not a reservoir)."""
    from tinker_cookbook.recipes.distillation.off_policy_reasoning import OpenThoughts3Builder

    rows = sum(1 for _ in datasets.load_dataset("open-thoughts/OpenThoughts3-1.2M", split="train", streaming=True))
    train, _ = OpenThoughts3Builder(common_config=_common(16), buffer_size=64, max_prompts=rows)()
    batches = _supervised(train, 1)
    return {"sizes": [len(b) for b in batches], "rows": sorted(h for b in batches for h in b)}


BENCHMARKS = (
    ("openai/gsm8k", "main", "test"),
    ("HuggingFaceH4/MATH-500", None, "test"),
    ("Idavidrein/gpqa", "gpqa_diamond", "train"),
    ("google/IFEval", None, "train"),
    ("allenai/IFBench_test", None, "train"),
    ("TIGER-Lab/MMLU-Pro", None, "test"),
    ("edinburgh-dawg/mmlu-redux", "anatomy", "test"),
    ("ceval/ceval-exam", "computer_network", "val"),
    ("m-a-p/SuperGPQA", None, "train"),
    ("google-research-datasets/mbpp", "sanitized", "test"),
    ("MathArena/aime_2025", None, "train"),
    ("MathArena/hmmt_feb_2025", None, "train"),
    ("THUDM/LongBench-v2", None, "train"),
    ("lmarena-ai/arena-hard-auto-v0.1", None, "train"),
    ("princeton-nlp/SWE-bench_Verified", None, "test"),
    ("ia03/terminal-bench", None, "test"),
    ("livecodebench/code_generation_lite", None, "test"),
)


def benchmarks() -> dict[str, Any]:
    """The eval benchmarks' loader (``load_benchmark_dataset`` + ``limit_dataset`` with the seed 42 shuffle),
    then rows as the benchmarks read them (``for row in ds: dict(row)``)."""
    from tinker_cookbook.eval.benchmarks._common import limit_dataset, load_benchmark_dataset

    out = {}
    for path, name, split in BENCHMARKS:
        ds = limit_dataset(load_benchmark_dataset(path, name=name, split=split), 10, shuffle_seed=42)
        out[f"{path}/{name}/{split}"] = [_hash(dict(row)) for row in ds]
    return out


SCENARIOS = {f.__name__: f for f in (chat_sft, preference, math_rl, distillation, vlm, streaming, benchmarks)}

if __name__ == "__main__":
    results: dict[str, Any] = {"datasets_module": datasets.__name__}
    for name in sys.argv[3:] or SCENARIOS:
        try:
            value = SCENARIOS[name]()
            results[name] = asyncio.run(value) if asyncio.iscoroutine(value) else value
        except Exception as err:  # the failure is what gets compared
            results[name] = {"error": f"{type(err).__name__}: {err}"}
    print(json.dumps(results))
