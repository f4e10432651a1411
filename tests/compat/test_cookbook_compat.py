"""Drop-in compatibility with the real tinker-cookbook: its own dataset builders, run once on `datasets` and once
with ``sys.modules["datasets"]`` pointing at crucible_torch, give identical batches.

Both runs are subprocesses of ``cookbook_runs.py`` against one sample Hub (scale 4, the cookbook's repo ids),
with the cookbook installed in a side directory by ``make compat`` (``tests/compat/requirements-cookbook.txt``).
Covered: chat SFT (NoRobots, Tulu3, Interleaved, conversation JSONL), DPO over six comparison builders, math RL
(GSM8K, MATH with MATH-500 decontamination, Polaris, DeepMath), distillation prompts, the four VLM classifier
builders (images through the cookbook's renderer), OpenThoughts3 streaming SFT and 17 eval benchmark loaders.
Streaming shuffle order differs from `datasets` by design (README), so that scenario compares batch sizes in
order and the rows of the epoch as a multiset.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from crucible_torch.testing import SAMPLE_TOKEN, sample_hub_server

pytestmark = pytest.mark.compat
ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("CRUCIBLE_COOKBOOK_SITE", ROOT / ".venv" / "cookbook-compat"))
RUNS = Path(__file__).with_name("cookbook_runs.py")


def _run(impl: str, endpoint: str, home: Path, conversations: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(
        HF_ENDPOINT=endpoint,
        HF_HOME=str(home / "hf"),
        HF_TOKEN=SAMPLE_TOKEN,
        HF_HUB_DISABLE_XET="1",
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        CRUCIBLE_TORCH_CACHE=str(home / "crucible"),
        PYTHONPATH=os.pathsep.join([str(SITE), str(ROOT)]),
    )
    done = subprocess.run(
        [sys.executable, str(RUNS), impl, str(conversations)], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{impl} run failed:\n{done.stderr[-4000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    if not (SITE / "tinker_cookbook").is_dir():
        pytest.fail(f"tinker-cookbook is not installed in {SITE}: run `make compat`")
    conversations = SITE / "tinker_cookbook" / "example_data" / "conversations.jsonl"
    tmp = tmp_path_factory.mktemp("compat")
    with sample_hub_server(tmp / "repos", scale=4) as hub, ThreadPoolExecutor(2) as pool:
        theirs = pool.submit(_run, "datasets", hub.url, tmp / "datasets", conversations)
        ours = pool.submit(_run, "crucible_torch", hub.url, tmp / "crucible", conversations)
        return theirs.result(), ours.result()


def _scenarios() -> list[tuple[str, str]]:
    return [
        ("chat_sft", n) for n in ("no_robots", "tulu3", "interleaved", "conversation_file")
    ] + [
        ("preference", n) for n in ("hhh", "helpsteer3", "ultrafeedback", "arena", "tulu38b", "helpsteer2")
    ] + [("math_rl", n) for n in ("gsm8k", "math", "polaris", "deepmath")] + [
        ("distillation", "deepmath"), ("distillation", "tulu3"), ("streaming", "sizes"), ("streaming", "rows")
    ] + [
        ("vlm", n) for n in ("Caltech101DatasetBuilder", "Flowers102DatasetBuilder", "OxfordPetsDatasetBuilder",
                             "StanfordCarsDatasetBuilder")
    ]  # fmt: skip


def test_each_run_used_its_library(runs: tuple[dict[str, Any], dict[str, Any]]) -> None:
    theirs, ours = runs
    assert (theirs["datasets_module"], ours["datasets_module"]) == ("datasets", "crucible_torch")


@pytest.mark.parametrize(("scenario", "name"), _scenarios())
def test_builder_batches_are_identical(runs: tuple[dict[str, Any], dict[str, Any]], scenario: str, name: str) -> None:
    theirs, ours = runs
    assert "error" not in theirs[scenario], theirs[scenario]
    assert "error" not in ours[scenario], ours[scenario]
    expected, got = theirs[scenario][name], ours[scenario][name]
    assert expected, f"{scenario}/{name} produced nothing with datasets: the comparison would be empty"
    assert got == expected


def test_benchmark_loaders_give_identical_rows(runs: tuple[dict[str, Any], dict[str, Any]]) -> None:
    theirs, ours = runs
    assert "error" not in theirs["benchmarks"] and "error" not in ours["benchmarks"], (theirs, ours)
    assert len(theirs["benchmarks"]) == 17 and all(theirs["benchmarks"].values())
    for key, rows in theirs["benchmarks"].items():
        assert ours["benchmarks"][key] == rows, key
