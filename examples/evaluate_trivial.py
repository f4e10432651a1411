"""Evaluate two trivial predictors, on GSM8K and on MMLU, and print one table.

`evaluate` runs a predictor over DataLoader batches and scores it with metrics equal to their reference
implementations (math answers through `cookbook.answers`, choice accuracy); each run goes to a
result store, so an interrupted evaluation resumes from its last finished batch. MMLU is sampled stratified by
subject first. Runs against the embedded sample Hub unless HF_ENDPOINT is set.

    python examples/evaluate_trivial.py
"""

from __future__ import annotations

import re
import tempfile

from crucible_torch import load_dataset
from crucible_torch.evaluation import ResultStore, evaluate, stratified_sample, summary_table
from crucible_torch.testing import run_on_sample_hub


def last_number(batch: dict) -> list[str]:
    """GSM8K: answer with the last number the question mentions, in the dataset's ``#### N`` form."""
    answers = []
    for question in batch["question"]:
        numbers = re.findall(r"-?\d+(?:\.\d+)?", question.replace(",", ""))
        answers.append(f"#### {numbers[-1] if numbers else 0}")
    return answers


def always_a(batch: dict) -> list[str]:
    """MMLU: always choice A."""
    return ["A"] * len(batch["question"])


def main() -> None:
    gsm8k = load_dataset("openai/gsm8k", "main", split="test")
    mmlu = load_dataset("cais/mmlu", "all", split="test")
    mmlu = stratified_sample(mmlu, min(len(mmlu), 500), "subject", seed=0)
    with tempfile.TemporaryDirectory() as directory:
        store = ResultStore(directory)
        results = [
            evaluate(gsm8k, last_number, ["math"], references="answer", store=store, model="last-number"),
            evaluate(mmlu, always_a, ["accuracy"], references="answer", store=store, model="always-A"),
        ]
        print(summary_table(results))
        revision = results[0].metadata["revision"] or "?"
        print(f"\n{len(store.runs())} runs in the store; openai/gsm8k read at commit {revision[:12]}")


if __name__ == "__main__":
    run_on_sample_hub(main)
