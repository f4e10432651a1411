"""What a library makes of a Hub repo, as comparable JSON: configs, split order, row counts, features, a digest of
the text content, decoded image sizes/modes and audio bytes digests.

Written against the API both libraries share, so the same code summarizes `datasets` (run as a script in a
subprocess whose ``HF_ENDPOINT`` is the sample Hub: ``python dataset_summary.py '<json requests>'``) and
crucible_torch (imported). Each request is ``{"repo_id": ..., "kwargs": {...}}``; a failure is summarized as
``{"error": "<type>: <message>"}``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

from sample_hub_fixtures import sampled_configs


def _plain(value: Any) -> str:
    """JSON for what rows may hold beyond JSON types: bytes by their digest, dates as ISO text."""
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value.isoformat()


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=_plain).encode()).hexdigest()


def split_summary(lib: Any, ds: Any) -> dict[str, Any]:
    media: dict[str, Any] = {}
    for name, feature in ds.features.items():
        if isinstance(feature, lib.Image):
            media[name] = [[*row[name].size, row[name].mode] for row in ds]
        elif isinstance(feature, lib.Audio):
            raw = ds.cast_column(name, lib.Audio(decode=False))
            media[name] = _digest([hashlib.sha256(row[name]["bytes"]).hexdigest() for row in raw])
    plain = ds.remove_columns(list(media)) if media else ds
    return {"rows": len(ds), "features": ds.features.to_dict(), "content": _digest(plain.to_list()), "media": media}


def summarize(lib: Any, repo_id: str, **kwargs: Any) -> dict[str, Any]:
    try:
        configs = lib.get_dataset_config_names(repo_id, **kwargs)
        splits = {}
        for config in sampled_configs(configs):
            loaded = lib.load_dataset(repo_id, config, **kwargs)
            splits[config] = {split: split_summary(lib, ds) for split, ds in loaded.items()}
        return {"configs": configs, "splits": splits}
    except Exception as err:  # the failure itself is what gets compared
        return {"error": f"{type(err).__name__}: {err}"}


if __name__ == "__main__":
    import datasets

    datasets.disable_progress_bars()
    requests = json.loads(sys.argv[1])
    print(json.dumps([summarize(datasets, r["repo_id"], **r.get("kwargs", {})) for r in requests]))
