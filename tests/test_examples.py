"""The examples run as users run them (a fresh process against the embedded sample Hub) and print results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "HF_ENDPOINT"}
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_sft_batches_resumes_at_the_saved_batch() -> None:
    lines = _run("sft_batches.py").splitlines()
    assert lines[0].startswith("epoch 0 batch 2:"), "resumed at (epoch 0, batch 2)"
    assert any(line.startswith("epoch 1 batch 0:") for line in lines)
    assert all("16 conversations" in line for line in lines)


def test_streaming_example_counts_batches() -> None:
    assert re.search(r"rank 0/1: \d+ batches", _run("streaming_ddp.py"))


@pytest.mark.parametrize("name", ["vlm_images.py"])
def test_vlm_example_decodes_images(name: str) -> None:
    out = _run(name)
    assert "train batch: (8, 3, 64, 64)" in out and "VLM row:" in out and " RGB " in out


def test_math_rl_prompts_decontaminate_against_math500() -> None:
    out = _run("math_rl_prompts.py")
    dropped = re.search(r"hendrycks_math: (\d+) train problems, (\d+) also in MATH-500 dropped", out)
    assert dropped and 0 < int(dropped[2]) < int(dropped[1])
    assert re.search(r"gsm8k: \d+ problems; first answer (-?\d+) \(value \1\)", out)


def test_dpo_pairs_batches_every_pair() -> None:
    out = _run("dpo_pairs.py")
    pairs, batches = map(int, re.search(r"hh-rlhf: (\d+) pairs in (\d+) batches", out).groups())
    assert batches == -(-pairs // 16)


def test_streaming_sft_resumes_with_the_same_batches() -> None:
    out = _run("streaming_sft.py")
    firsts = re.findall(r"epoch \d: \d+ batches of 16, first: (.*)", out)
    assert len(firsts) == 2 and firsts[0] != firsts[1], "set_epoch reshuffles"
    assert "resumed after 3 batches" in out and "same as the uninterrupted run: True" in out


def test_vlm_few_shot_samples_per_class() -> None:
    out = _run("vlm_few_shot.py")
    assert "after 2 per class over 10 classes" in out and "batch: (8, 3, 64, 64) torch.float32" in out
    assert not re.search(r"class_\d", out)


def test_evaluate_trivial_prints_the_table_with_scores_computed_independently(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from crucible_torch.testing import build_sample_hub

    (mmlu,) = build_sample_hub(tmp_path, only=["cais/mmlu"])
    (test_file,) = mmlu.data_files["all"]["test"]
    answers = pq.read_table(mmlu.path / test_file).column("answer").to_pylist()
    rows = {
        tuple(line.split()[:5]): line.split()[5:]
        for line in _run("evaluate_trivial.py").splitlines()
        if line.startswith(("openai/gsm8k", "cais/mmlu"))
    }
    assert rows[("cais/mmlu", "all", "test", "always-A", "accuracy")] == [
        f"{answers.count(0) / len(answers):.4f}",
        "12",
    ]
    value, examples = rows[("openai/gsm8k", "main", "test", "last-number", "exact_match_math")]
    assert 0 <= float(value) <= 1 and int(examples) == 40
