"""VLM classification with few-shot per-class sampling (the vlm_classifier recipe's `examples_per_class`) and
the classification preset decoding images in DataLoader workers; labels keep the repo's real class names.

    python examples/vlm_few_shot.py

Runs against the embedded sample Hub unless HF_ENDPOINT is set.
"""

from __future__ import annotations

import random
from collections import defaultdict

import torch

from crucible_torch import cookbook
from crucible_torch.testing import run_on_sample_hub
from crucible_torch.transforms.presets import classification


def per_class(labels: list[int], shots: int, seed: int) -> list[int]:
    """The recipe's subset: group row indices by label, shuffle each group with one seeded Random, keep `shots`."""
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    rng, picked = random.Random(seed), []
    for label in sorted(groups):
        rng.shuffle(groups[label])
        picked += groups[label][:shots]
    return picked


def main() -> None:
    raw = cookbook.load("oxford_iiit_pet", split="train", normalise=False)
    names = raw.features["label"].names
    few = raw.select(per_class(list(raw["label"]), shots=2, seed=0))
    print(f"oxford_iiit_pet: {len(raw)} train images, {len(few)} after 2 per class over {len(names)} classes")

    tensors = few.with_transform({"image": classification(train=True, size=64, seed=0)})
    loader = torch.utils.data.DataLoader(
        tensors, batch_size=8, shuffle=True, num_workers=2, collate_fn=tensors.collate_fn
    )
    batch = next(iter(loader))
    print("batch:", tuple(batch["image"].shape), batch["image"].dtype, [names[int(i)] for i in batch["label"][:3]])

    example = cookbook.load("oxford_iiit_pet", split="train")[0]["example"]
    print(f"typed: {example.label_name} ({example.image.size[0]}x{example.image.size[1]} {example.image.mode})")


if __name__ == "__main__":
    run_on_sample_hub(main)
