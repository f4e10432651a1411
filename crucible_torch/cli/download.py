"""``crucible-torch download REPO``: fetch what a load needs into the shared Hub cache and print the paths.

Without globs, the files are those ``load_dataset(REPO, CONFIG, split=SPLIT, revision=R)`` would read (every
split of the config without ``--split``), resolved exactly as the load resolves them, parquet export
included; with ``--include``/``--exclude``, the repo files the globs select, as ``hf download`` does. Files
land in the huggingface_hub cache (or under ``--local-dir``), one local path per line on stdout.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .output import command_help

if TYPE_CHECKING:
    from ..resolve.sources import HubSource


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "download",
        parents=[common],
        help="download what loading a config/split needs (or the files globs select); print the local paths",
        description=command_help(__doc__),
    )
    parser.add_argument("repo_id", metavar="REPO", help="Hub dataset repo id, e.g. openai/gsm8k")
    parser.add_argument("--config", "--name", dest="config", help="config to download (default: the default one)")
    parser.add_argument("--split", help="split(s) to download, e.g. train or train+test (default: all)")
    parser.add_argument("--revision", help="branch, tag or commit (default: main)")
    parser.add_argument("--include", action="append", metavar="GLOB", help="download the files matching GLOB")
    parser.add_argument("--exclude", action="append", metavar="GLOB", help="skip the files matching GLOB")
    parser.add_argument("--local-dir", help="place the files under this directory instead of the cache")
    parser.add_argument("--token", help="Hub token (default: HF_TOKEN or the saved token)")
    parser.add_argument("--max-workers", type=int, default=8, help="parallel downloads (default 8)")
    parser.set_defaults(run=run)


def files_to_download(source: HubSource, args: argparse.Namespace) -> list[str]:
    """The repo paths a load of ``--config``/``--split`` reads, or those the globs select."""
    from ..hub.snapshot import filter_paths
    from ..resolve.split_spec import parse_split

    if args.include or args.exclude:
        if args.config or args.split:
            raise ValueError("--include/--exclude select files by name; use them without --config/--split")
        files = filter_paths(sorted(source.snapshot.files), args.include, args.exclude)
        if not files:
            raise ValueError(
                f"no file of {source.where} matches --include {args.include or ['*']} --exclude {args.exclude or []}"
            )
        return files
    resolved = source.resolve(args.config, None, None)
    splits = parse_split(args.split).resolve_names(list(resolved.splits)) if args.split else list(resolved.splits)
    return list(dict.fromkeys(f for split in splits for f in resolved.splits[split]))


def run(args: argparse.Namespace) -> int:
    from ..hub import hf_hub_download
    from ..resolve.sources import HubSource, open_source

    source = open_source(args.repo_id, revision=args.revision, token=args.token)
    if not isinstance(source, HubSource):
        raise ValueError(f"{args.repo_id!r} is local data: there is nothing to download (download takes a Hub repo id)")
    files = files_to_download(source, args)
    snapshot = source.snapshot
    if args.local_dir:
        paths = [
            hf_hub_download(
                snapshot.repo_id,
                f,
                repo_type="dataset",
                revision=snapshot.commit,
                local_dir=args.local_dir,
                token=args.token,
                endpoint=snapshot.endpoint,
            )
            for f in files
        ]
    else:
        local = snapshot.download(files, max_workers=args.max_workers)
        paths = [local[f] for f in files]
    print("\n".join(paths))
    return 0
