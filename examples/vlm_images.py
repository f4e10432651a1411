"""VLM image classification data: ClassLabel names, torchvision decoding in workers, the cookbook's resize.

    python examples/vlm_images.py

Training batches decode JPEG/PNG bytes with torchvision inside DataLoader workers (reduced-size JPEG decode
when the crop allows it); the cookbook's VLM path keeps PIL images resized to a 480 px longest side.
"""

from __future__ import annotations

import torch

from crucible_torch import load_dataset
from crucible_torch.testing import run_on_sample_hub
from crucible_torch.transforms.presets import classification, vlm


def main() -> None:
    train = load_dataset("dpdl-benchmark/caltech101", split="train")
    names = train.features["label"]
    tensors = train.with_transform({"image": classification(train=True, size=64, seed=0)})
    loader = torch.utils.data.DataLoader(
        tensors, batch_size=8, shuffle=True, num_workers=2, collate_fn=tensors.collate_fn
    )
    batch = next(iter(loader))
    print("train batch:", tuple(batch["image"].shape), [names.int2str(int(i)) for i in batch["label"]])
    prompts = train.with_transform({"image": vlm(max_size=480)})
    row = prompts[0]
    print("VLM row:", row["image"].size, row["image"].mode, names.int2str(row["label"]))


if __name__ == "__main__":
    run_on_sample_hub(main)
