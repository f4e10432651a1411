"""Image decoding (torchvision, EXIF-aware, reduced-size JPEG) and transform presets (classification, VLM)."""

from crucible_torch.transforms.decode import MAX_IMAGE_PIXELS, decode_image, decode_image_value
from crucible_torch.transforms.presets import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    ClassificationPreset,
    VLMPreset,
    classification,
    vlm,
)
from crucible_torch.transforms.probe import ImageInfo, probe_image, sniff_format

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "MAX_IMAGE_PIXELS",
    "ClassificationPreset",
    "ImageInfo",
    "VLMPreset",
    "classification",
    "decode_image",
    "decode_image_value",
    "probe_image",
    "sniff_format",
    "vlm",
]
