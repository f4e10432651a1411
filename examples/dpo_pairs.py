"""DPO pairs from Anthropic/hh-rlhf (gated): transcripts split into a shared prompt and the chosen/rejected
final turns, batched through a DataLoader with workers.

    HF_TOKEN=... python examples/dpo_pairs.py

`cookbook.load("hh_rlhf")` skips the malformed pairs the recipe skips and logs how many; each row becomes a
LabeledComparison (prompt, response A = chosen, response B = rejected). Runs against the embedded sample Hub
(with its sample token) unless HF_ENDPOINT is set.
"""

from __future__ import annotations

import os

import torch

from crucible_torch import cookbook
from crucible_torch.testing import SAMPLE_TOKEN, run_on_sample_hub


def main() -> None:
    token = os.environ.get("HF_TOKEN") or SAMPLE_TOKEN
    pairs = cookbook.load("hh_rlhf", split="train", token=token)
    loader = torch.utils.data.DataLoader(pairs, batch_size=16, shuffle=True, num_workers=2, collate_fn=pairs.collate_fn)
    batches = 0
    for batch in loader:
        batches += 1
        for pair in batch["example"]:
            assert pair.preferred == "a" and pair.to_score() == 1.0
    pair = pairs[0]["example"]
    turns = len(pair.comparison.prompt.messages)
    print(f"hh-rlhf: {len(pairs)} pairs in {batches} batches; first prompt has {turns} turns")
    print(f"  chosen:   {pair.comparison.response_a.messages[0].content[:60]}")
    print(f"  rejected: {pair.comparison.response_b.messages[0].content[:60]}")


if __name__ == "__main__":
    run_on_sample_hub(main)
