"""Math RL prompts as the cookbook's math_rl recipe builds them: GSM8K, and Hendrycks MATH (every subject,
concatenated) decontaminated against MATH-500, then typed MathProblems with their final answers.

    python examples/math_rl_prompts.py

`cookbook.load` gives `{"example": MathProblem}` rows lazily; the recipe's decontamination drops every
Hendrycks problem that also appears in MATH-500. Runs against the embedded sample Hub unless HF_ENDPOINT is set.
"""

from __future__ import annotations

from crucible_torch import cookbook
from crucible_torch.testing import run_on_sample_hub


def main() -> None:
    gsm8k = cookbook.load("gsm8k", split="train").shuffle(seed=0)
    first = gsm8k[0]["example"]
    print(f"gsm8k: {len(gsm8k)} problems; first answer {first.answer} (value {first.value})")

    math500 = {row["problem"] for row in cookbook.load("math500", normalise=False)}
    raw = cookbook.load("hendrycks_math_all", split="train", normalise=False)
    clean = raw.filter(lambda problem: problem not in math500, input_columns="problem")
    print(f"hendrycks_math: {len(raw)} train problems, {len(raw) - len(clean)} also in MATH-500 dropped")

    typed = cookbook.load("hendrycks_math_all", split="train").shuffle(seed=0)
    batch = typed[:4]["example"]  # a batch of 4 prompts for the policy, with the graded answers
    for problem in batch:
        print(f"  {problem.metadata['type']:>22}: answer {problem.answer}")


if __name__ == "__main__":
    run_on_sample_hub(main)
