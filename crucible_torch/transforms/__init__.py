"""Image decoding (TorchCodec, EXIF-aware, reduced-size JPEG) and transform presets (classification, VLM)."""

from crucible_torch.transforms.decode import MAX_IMAGE_PIXELS, decode_image, decode_image_value, decode_jpegs_on_device
from crucible_torch.transforms.functional import BatchNormalize
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
    "BatchNormalize",
    "ClassificationPreset",
    "ImageInfo",
    "VLMPreset",
    "classification",
    "decode_image",
    "decode_image_value",
    "decode_jpegs_on_device",
    "probe_image",
    "sniff_format",
    "vlm",
]
