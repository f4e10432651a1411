"""``crucible-torch preview REPO``: the first rows of a split, streamed from its first data file.

Nothing is downloaded in full or prepared: a parquet file is read over ranged requests (footer, then one row
group's pages), a JSON/CSV file as the start of a streamed body that is dropped once enough rows arrived. Long
strings are cut, images print as ``<image 640x480 RGB>`` and audio as ``<audio 2.10 s, 16000 Hz>``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

from .output import command_help, cut, print_json, table, terminal_width


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "preview",
        parents=[common],
        help="print the first rows of a split by streaming (nothing downloaded in full)",
        description=command_help(__doc__),
    )
    parser.add_argument("path", metavar="REPO", help="Hub dataset repo id, or a local dataset directory or file")
    parser.add_argument("--config", "--name", dest="config", help="config (default: the default one)")
    parser.add_argument("--split", help="split (default: train when there is one, else the first)")
    parser.add_argument("--revision", help="branch, tag or commit (default: main)")
    parser.add_argument("--token", help="Hub token (default: HF_TOKEN or the saved token)")
    parser.add_argument("-n", "--rows", type=int, default=5, help="rows to show (default 5)")
    parser.add_argument("--max-chars", type=int, default=80, help="cut strings longer than this (default 80; 0: never)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output (default table)")
    parser.set_defaults(run=run)


def first_rows(path: str, config: str | None, split: str | None, revision: str | None, token: Any, n: int):
    """``(split, features, rows)``: the first ``n`` rows of the split as Python values, read by streaming."""
    from ..features import Features
    from ..formats import READERS, get_reader
    from ..iterable.sources import data_source
    from ..resolve.archives import stream_data_files
    from ..resolve.request import requested_features
    from ..resolve.sources import open_source
    from ..resolve.split_spec import parse_split

    source = open_source(path, revision=revision, token=token)
    resolved = source.resolve(config, None, None)
    names = list(resolved.splits)
    if split is None:
        split = "train" if "train" in names else names[0]
    spec = parse_split(split)
    spec.resolve_names(names)  # an unknown split: SplitNotFoundError listing the valid names
    files = [f for name in spec.streaming_split_names(names) for f in resolved.splits[name]]
    features = requested_features(resolved, None)
    if resolved.builder not in READERS:  # a folder of media files: its rows are built by the streaming loader
        return (split, *_rows_by_streaming_load(path, config, split, revision, token, n))
    kwargs = dict(resolved.builder_kwargs, **({"features": features} if features is not None else {}))
    reader = get_reader(resolved.builder, **kwargs)
    random_access = resolved.builder in ("parquet", "arrow")
    rows: list[dict[str, Any]] = []

    def batches() -> Iterator[Any]:
        for location in stream_data_files(source, resolved.builder, files):  # the first file usually suffices
            yield from reader.read(data_source(location, random_access))

    for batch in batches():
        if features is None:
            features = Features.from_arrow_schema(batch.schema)
        rows += batch.slice(0, n - len(rows)).to_pylist()
        if len(rows) >= n:
            break
    return split, features, rows


def _rows_by_streaming_load(path: str, config: str | None, split: str, revision: str | None, token: Any, n: int):
    """(features, rows) through ``load_dataset(streaming=True)``, which builds a media folder's rows."""
    from ..load import load_dataset  # imports torch (the IterableDataset): only for imagefolder/audiofolder

    stream = load_dataset(path, config, split=split, revision=revision, token=token, streaming=True)
    return stream.features, list(stream.take(n)) if n else []


def run(args: argparse.Namespace) -> int:
    if args.rows < 0:
        raise ValueError(f"--rows must be >= 0, got {args.rows}")
    split, features, rows = first_rows(args.path, args.config, args.split, args.revision, args.token, args.rows)
    features = features or {}
    shown = [{k: displayed(v, features.get(k), args.max_chars) for k, v in row.items()} for row in rows]
    if args.format == "json":
        for row in shown:
            print_json(row)
        return 0
    if not shown:
        print(f"split {split!r} has no rows")
        return 0
    headers = list(shown[0])
    cells = [[v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in row.values()] for row in shown]
    print(table(cells, headers, max_width=terminal_width()))
    return 0


# -- values as shown -------------------------------------------------------------------------------------
def _image(value: Any) -> str:
    from ..features.image import open_image

    if hasattr(value, "mode") and hasattr(value, "width"):  # already decoded (a PIL image)
        return f"<image {value.width}x{value.height} {value.mode}>"
    data, path = (value.get("bytes"), value.get("path")) if isinstance(value, dict) else (None, value)
    if data is None:
        return f"<image {path}>" if path else "<image>"
    try:
        image = open_image(data, path)
    except (ValueError, OSError) as exc:
        return f"<image: undecodable, {len(data)} bytes: {cut(str(exc), 40)}>"
    return f"<image {image.width}x{image.height} {image.mode}>"


def _audio(value: Any) -> str:
    from ..features.audio import decode_audio_bytes

    if isinstance(value, dict) and value.get("array") is not None and value.get("sampling_rate"):  # decoded
        return f"<audio {len(value['array']) / value['sampling_rate']:.2f} s, {value['sampling_rate']} Hz>"
    data, path = (value.get("bytes"), value.get("path")) if isinstance(value, dict) else (None, value)
    if data is None:
        return f"<audio {path}>" if path else "<audio>"
    try:
        frames, rate = decode_audio_bytes(data, path)
    except (ValueError, OSError) as exc:
        return f"<audio: undecodable, {len(data)} bytes: {cut(str(exc), 40)}>"
    return f"<audio {frames.shape[0] / rate:.2f} s, {rate} Hz>"


def displayed(value: Any, feature: Any, max_chars: int) -> Any:
    """``value`` as preview shows it: media described, class labels named, long strings and bytes cut."""
    from ..features import Audio, ClassLabel, Image, LargeList, List

    if value is None:
        return None
    if isinstance(feature, Image):
        return _image(value)
    if isinstance(feature, Audio):
        return _audio(value)
    if isinstance(feature, ClassLabel) and isinstance(value, int) and feature.names and 0 <= value < len(feature.names):
        return f"{value} ({feature.names[value]})"
    if isinstance(feature, (List, LargeList)) and isinstance(value, list):
        return [displayed(v, feature.feature, max_chars) for v in value]
    if isinstance(value, dict):
        sub = feature if isinstance(feature, dict) else {}
        return {k: displayed(v, sub.get(k), max_chars) for k, v in value.items()}
    if isinstance(value, list):
        return [displayed(v, None, max_chars) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return cut(value, max_chars)
    return value if isinstance(value, (int, float, bool)) else cut(str(value), max_chars)
