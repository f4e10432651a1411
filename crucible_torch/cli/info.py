"""``crucible-torch info REPO``: configs, splits with rows and sizes, features, and the resolved commit.

Everything comes from metadata (:func:`crucible_torch.resolve.describe.describe_dataset`): the card's
``dataset_info``, parquet footers read with two small ranged requests per file, and files already local. A
count that only a download could give is printed as unknown, never fetched.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .output import command_help, format_size, print_json

if TYPE_CHECKING:
    from ..resolve.describe import ConfigDescription, DatasetDescription

UNKNOWN = "unknown without a download"
SHOWN_CLASS_NAMES = 6


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "info",
        parents=[common],
        help="configs, splits, row counts, sizes and features, from metadata only (no data download)",
        description=command_help(__doc__),
    )
    parser.add_argument("path", metavar="REPO", help="Hub dataset repo id, or a local dataset directory or file")
    parser.add_argument("--config", "--name", dest="config", help="describe only this config")
    parser.add_argument("--revision", help="branch, tag or commit (default: main)")
    parser.add_argument("--token", help="Hub token (default: HF_TOKEN or the saved token)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..resolve.describe import describe_dataset

    description = describe_dataset(args.path, args.config, revision=args.revision, token=args.token)
    if args.format == "json":
        print_json(as_json(description))
    else:
        print(as_text(description))
    return 0


# -- features as a tree ---------------------------------------------------------------------------------
def _class_names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_CLASS_NAMES])
    more = f", ... ({len(names)} names)" if len(names) > SHOWN_CLASS_NAMES else ""
    return f"{shown}{more}"


def describe_feature(feature: Any) -> tuple[str, dict[str, Any] | None]:
    """A feature's one-line description, and the sub-features to print beneath it (structs)."""
    from ..features import Audio, ClassLabel, Image, LargeList, List, Value

    if isinstance(feature, dict):
        return "struct", feature
    if isinstance(feature, Value):
        return feature.dtype, None
    if isinstance(feature, ClassLabel):
        return f"class label ({_class_names(list(feature.names or []))})", None
    if isinstance(feature, Image):
        return f"image{f' ({feature.mode})' if feature.mode else ''}", None
    if isinstance(feature, Audio):
        rate = f" ({feature.sampling_rate} Hz)" if feature.sampling_rate else ""
        return f"audio{rate}", None
    if isinstance(feature, (List, LargeList)):
        inner, children = describe_feature(feature.feature)
        length = getattr(feature, "length", -1)
        kind = "large list" if isinstance(feature, LargeList) else "list"
        return (f"{kind} of {length} x {inner}" if length and length > 0 else f"{kind} of {inner}"), children
    return type(feature).__name__, None


def feature_lines(features: dict[str, Any], indent: str = "    ") -> list[str]:
    lines = []
    for name, feature in features.items():
        text, children = describe_feature(feature)
        lines.append(f"{indent}{name}: {text}")
        if children is not None:
            lines += feature_lines(children, indent + "  ")
    return lines


# -- rendering ------------------------------------------------------------------------------------------
def _rows(n: int | None) -> str:
    return f"{n:,}" if n is not None else "?"


def _config_text(config: ConfigDescription) -> list[str]:
    default = ", default" if config.default else ""
    lines = [f"[{config.name}] ({config.builder}{default})"]
    width = max([5, *(len(s.name) for s in config.splits)])
    for split in config.splits:
        size = format_size(split.num_bytes) if split.num_bytes is not None else "?"
        files = f"{len(split.files)} file{'s' if len(split.files) != 1 else ''}"
        origin = f"from {split.rows_from}" if split.rows_from else UNKNOWN
        lines.append(f"  {split.name:<{width}}  {_rows(split.num_rows):>10} rows  {size:>7} in {files}  ({origin})")
    if config.features is None:
        lines.append(f"  features: {UNKNOWN} (`crucible-torch preview` shows rows)")
    else:
        lines.append(f"  features (from {config.features_from}):")
        lines += feature_lines(config.features)
    return lines


def as_text(description: DatasetDescription) -> str:
    head = description.path
    if description.commit:
        head += f"  revision {description.revision}  commit {description.commit}"
    lines = [head, f"configs: {', '.join(c.name for c in description.configs)}"]
    for config in description.configs:
        lines += ["", *_config_text(config)]
    return "\n".join(lines)


def as_json(description: DatasetDescription) -> dict[str, Any]:
    return {
        "path": description.path,
        "revision": description.revision,
        "commit": description.commit,
        "configs": [
            {
                "name": c.name,
                "builder": c.builder,
                "default": c.default,
                "features": c.features.to_dict() if c.features is not None else None,
                "features_from": c.features_from,
                "splits": [
                    {
                        "name": s.name,
                        "num_rows": s.num_rows,
                        "rows_from": s.rows_from,
                        "num_bytes": s.num_bytes,
                        "files": list(s.files),
                    }
                    for s in c.splits
                ],
            }
            for c in description.configs
        ],
    }
