"""`DatasetInfo`: the metadata that travels with a dataset, in the JSON shape `datasets` reads and writes.

``dataset_info.json`` written by ``save_to_disk`` here loads in `datasets` and the other way round; keys this
library does not use are kept verbatim so nothing is lost on a round trip.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from ..features import Features


@dataclasses.dataclass
class SplitInfo:
    """Name and size of one split."""

    name: str = ""
    num_bytes: int = 0
    num_examples: int = 0
    shard_lengths: list[int] | None = None
    dataset_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "num_bytes": self.num_bytes, "num_examples": self.num_examples}
        if self.shard_lengths is not None:
            out["shard_lengths"] = list(self.shard_lengths)
        if self.dataset_name is not None:
            out["dataset_name"] = self.dataset_name
        return out


@dataclasses.dataclass
class DatasetInfo:
    """Description, features, builder/config names and split sizes of a dataset."""

    description: str = ""
    citation: str = ""
    homepage: str = ""
    license: str = ""
    features: Features | None = None
    builder_name: str | None = None
    dataset_name: str | None = None
    config_name: str | None = None
    version: str | None = None
    splits: dict[str, SplitInfo] | None = None
    download_size: int | None = None
    dataset_size: int | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def copy(self) -> DatasetInfo:
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        """The ``dataset_info.json`` mapping (sorted top-level keys, as `datasets` writes it)."""
        version = self.version or "0.0.0"
        major, minor, patch = (version.split(".") + ["0", "0"])[:3]
        out: dict[str, Any] = dict(self.extra)
        out.update(
            {
                "description": self.description,
                "citation": self.citation,
                "homepage": self.homepage,
                "license": self.license,
                "features": self.features.to_dict() if self.features is not None else None,
                "builder_name": self.builder_name,
                "dataset_name": self.dataset_name,
                "config_name": self.config_name,
                "version": {
                    "version_str": version,
                    "major": int(major),
                    "minor": int(minor),
                    "patch": int(patch),
                },
                "splits": {k: v.to_dict() for k, v in self.splits.items()} if self.splits else None,
                "download_size": self.download_size,
                "dataset_size": self.dataset_size,
            }
        )
        return {key: out[key] for key in sorted(out)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetInfo:
        """Parse ``dataset_info.json`` as written by either library; unknown keys go to ``extra``."""
        data = dict(data)
        features = data.pop("features", None)
        version = data.pop("version", None)
        if isinstance(version, dict):
            version = version.get("version_str")
        splits = data.pop("splits", None)
        if isinstance(splits, list):
            splits = {s["name"]: s for s in splits}
        known = {f.name for f in dataclasses.fields(cls)} - {"features", "version", "splits", "extra"}
        kwargs = {k: data.pop(k) for k in list(data) if k in known}
        split_fields = {f.name for f in dataclasses.fields(SplitInfo)}
        return cls(
            features=Features.from_dict(features) if features else None,
            version=version,
            splits={
                name: SplitInfo(**{k: v for k, v in info.items() if k in split_fields}) for name, info in splits.items()
            }
            if splits
            else None,
            extra=data,
            **kwargs,
        )
