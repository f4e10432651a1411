"""Arrow-level feature types as in `datasets`: Value, ClassLabel, List/LargeList/Sequence, Image, Audio, Json.

`Features` maps column names to features and converts to and from Arrow schemas carrying the
``b"huggingface"`` metadata that `datasets` writes. This package knows Arrow, numpy and PIL, not torch.
"""

from .align import align_features
from .audio import Audio, AudioDecodeError
from .cast import CastError, array_of_type, cast_array_to_feature, cast_table_to_features, table_from_pydict
from .class_label import ClassLabel
from .dtypes import arrow_to_dtype, dtype_to_arrow
from .features import Features, features_from_schema_metadata, infer_features_from_table
from .image import Image, is_pil_image
from .json import Json
from .nested import (
    FeatureType,
    decode_nested_example,
    encode_nested_example,
    generate_from_arrow_type,
    get_nested_type,
    require_decoding,
)
from .sequence import LargeList, List, Sequence
from .serialization import generate_from_dict
from .value import Value

__all__ = [
    "align_features",
    "array_of_type",
    "Audio",
    "AudioDecodeError",
    "CastError",
    "ClassLabel",
    "FeatureType",
    "Features",
    "Image",
    "Json",
    "LargeList",
    "List",
    "Sequence",
    "Value",
    "arrow_to_dtype",
    "cast_array_to_feature",
    "cast_table_to_features",
    "decode_nested_example",
    "dtype_to_arrow",
    "encode_nested_example",
    "features_from_schema_metadata",
    "generate_from_arrow_type",
    "generate_from_dict",
    "get_nested_type",
    "infer_features_from_table",
    "is_pil_image",
    "require_decoding",
    "table_from_pydict",
]
