"""The ``crucible-torch`` command: demo, download, info, preview, cache, mirror.

Each subcommand is a thin wrapper over the library API, so what the command does a script can do too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(
        endpoint=args.endpoint,
        num_workers=args.workers,
        batch_size=args.batch_size,
        scale=args.scale,
        only=args.only or None,
        token=args.token,
    )


def _cmd_download(args: argparse.Namespace) -> int:
    from ..hub import snapshot_download

    path = snapshot_download(
        args.repo_id,
        repo_type=args.repo_type,
        revision=args.revision,
        allow_patterns=args.include or None,
        ignore_patterns=args.exclude or None,
        local_dir=args.local_dir,
    )
    print(path)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from ..load import get_dataset_config_names, load_dataset

    names = get_dataset_config_names(args.path, revision=args.revision)
    print(f"{args.path}: configs {names}")
    for name in [args.name] if args.name else names:
        splits = load_dataset(args.path, name=name if name != "default" else None, revision=args.revision)
        print(f"[{name}]")
        for split, ds in splits.items():
            print(f"  {split}: {ds.num_rows} rows")
        first = next(iter(splits.values()))
        for column, feature in first.features.items():
            print(f"    {column}: {feature}")
    return 0


def _cmd_preview(args: argparse.Namespace) -> int:
    from ..load import load_dataset

    ds = load_dataset(args.path, name=args.name, split=args.split, revision=args.revision, streaming=True)
    for i, row in enumerate(ds):
        if i >= args.rows:
            break
        shown = {k: (v if len(repr(v)) < 120 else repr(v)[:117] + "...") for k, v in row.items()}
        print(shown)
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from ..hub import delete_repo, delete_revision, scan_cache

    if args.action == "scan":
        info = scan_cache(args.cache_dir)
        print(f"{info.cache_dir}: {len(info.repos)} repos, {info.size_on_disk / 1e6:.1f} MB")
        for repo in info.repos:
            print(
                f"  {repo.repo_type:8s} {repo.repo_id:50s} {repo.size_on_disk / 1e6:10.1f} MB "
                f"{len(repo.revisions)} revision(s)"
            )
        for path in info.incomplete_files:
            print(f"  incomplete: {path}")
        return 0
    if not args.repo_id:
        print("cache delete needs a repo id", file=sys.stderr)
        return 2
    if args.revision:
        freed = delete_revision(args.repo_id, args.revision, repo_type=args.repo_type, cache_dir=args.cache_dir)
    else:
        freed = delete_repo(args.repo_id, repo_type=args.repo_type, cache_dir=args.cache_dir)
    print(f"freed {freed / 1e6:.1f} MB")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crucible-torch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="every cookbook registry dataset over HTTP: one table row each, with rows/s")
    demo.add_argument("--endpoint", help="run against this Hub instead of the bundled sample repos")
    demo.add_argument("--workers", type=int, default=2)
    demo.add_argument("--batch-size", type=int, default=32)
    demo.add_argument("--scale", type=float, default=4, help="sample repo size multiplier (without --endpoint)")
    demo.add_argument("--only", action="append", default=[], metavar="NAME", help="only this registry entry")
    demo.add_argument("--token", help="Hub token for the gated datasets (default: HF_TOKEN)")
    demo.set_defaults(func=_cmd_demo)

    download = sub.add_parser("download", help="download a repo snapshot into the huggingface_hub cache")
    download.add_argument("repo_id")
    download.add_argument("--repo-type", default="dataset")
    download.add_argument("--revision")
    download.add_argument("--include", action="append", default=[])
    download.add_argument("--exclude", action="append", default=[])
    download.add_argument("--local-dir")
    download.set_defaults(func=_cmd_download)

    info = sub.add_parser("info", help="configs, splits, row counts and features of a dataset")
    info.add_argument("path")
    info.add_argument("--name")
    info.add_argument("--revision")
    info.set_defaults(func=_cmd_info)

    preview = sub.add_parser("preview", help="print the first rows (streamed, nothing prepared)")
    preview.add_argument("path")
    preview.add_argument("--name")
    preview.add_argument("--split", default="train")
    preview.add_argument("--revision")
    preview.add_argument("-n", "--rows", type=int, default=5)
    preview.set_defaults(func=_cmd_preview)

    cache = sub.add_parser("cache", help="scan the Hub cache or delete a repo/revision from it")
    cache.add_argument("action", choices=["scan", "delete"])
    cache.add_argument("repo_id", nargs="?")
    cache.add_argument("--revision")
    cache.add_argument("--repo-type", default="dataset")
    cache.add_argument("--cache-dir")
    cache.set_defaults(func=_cmd_cache)

    mirror = sub.add_parser("mirror", help="serve a directory of repos (or an HF cache) as a Hub")
    mirror.add_argument("action", choices=["serve"])
    mirror.add_argument("rest", nargs=argparse.REMAINDER)
    mirror.set_defaults(func=lambda a: _mirror(a.rest))

    return parser


def _mirror(rest: list[str]) -> int:
    from ..hub.server import serve_main

    return serve_main(rest)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
