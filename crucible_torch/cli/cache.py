"""``crucible-torch cache ls|rm|verify|prune``: the huggingface_hub cache and the prepared-splits cache.

Verbs, options (``--cache-dir``, ``--revisions``, ``--dry-run``, ``-y``) and output shapes follow ``hf cache``;
each command also covers the prepared Arrow splits (``$CRUCIBLE_TORCH_CACHE``, ``--prepared-cache-dir``),
which ``hf`` does not know. A Hub repo and its prepared splits share one id: ``dataset/owner/name``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .output import FORMATS, command_help, format_age, format_size, hint, print_json, result, table, warn

if TYPE_CHECKING:
    from ..arrow.prepared_cache import PreparedEntry
    from ..hub.cache_scan import CachedRepo, CachedRevision

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "": 86400}


def parse_duration(text: str) -> float:
    """``30d``, ``12h``, ``45m``, ``90s``, ``2w`` (a bare number is days) in seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: use e.g. 30d, 12h, 45m, 2w")
    return float(match[1]) * _UNITS[match[2]]


def _duration_text(seconds: float) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "cache",
        parents=[common],
        help="list, remove, verify and prune the Hub cache and the prepared-splits cache",
        description=command_help(__doc__),
    )
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=type(group))
    dirs = argparse.ArgumentParser(add_help=False)
    dirs.add_argument("--cache-dir", help="Hub cache (default: HF_HUB_CACHE, else $HF_HOME/hub)")
    dirs.add_argument("--prepared-cache-dir", help="prepared splits (default: CRUCIBLE_TORCH_CACHE)")
    deleting = argparse.ArgumentParser(add_help=False)
    deleting.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    deleting.add_argument("--dry-run", action="store_true", help="show what would be deleted, delete nothing")

    ls = verbs.add_parser("ls", aliases=["list"], parents=[common, dirs], help="list cached repos and prepared splits")
    ls.add_argument("--revisions", action="store_true", help="one line per cached revision instead of per repo")
    ls.add_argument("--format", choices=FORMATS, default="human", help="output format (default human)")
    ls.add_argument("-q", "--quiet", dest="format", action="store_const", const="quiet", help="ids only")
    ls.set_defaults(run=run_ls)

    rm = verbs.add_parser("rm", parents=[common, dirs, deleting], help="remove repos (or a revision) and their splits")
    rm.add_argument("targets", nargs="+", metavar="REPO", help="owner/name or dataset/owner/name (model/, space/)")
    rm.add_argument("--revision", help="remove only this revision (branch, tag or commit) of the Hub cache")
    rm.set_defaults(run=run_rm)

    verify = verbs.add_parser("verify", parents=[common, dirs], help="recompute checksums of cached files")
    verify.add_argument("target", nargs="?", metavar="REPO", help="only this repo (default: everything)")
    verify.add_argument("--revision", help="only this revision of REPO")
    verify.add_argument("--delete-corrupt", action="store_true", help="delete what fails, to download it again")
    verify.set_defaults(run=run_verify)

    prune = verbs.add_parser(
        "prune",
        parents=[common, dirs, deleting],
        help="remove unreferenced revisions, orphan blobs, stale temp files and old prepared splits",
    )
    prune.add_argument(
        "--older-than",
        type=parse_duration,
        default=parse_duration("30d"),
        metavar="AGE",
        help="prepared splits unused for this long are removed (default 30d; e.g. 12h, 2w)",
    )
    prune.set_defaults(run=run_prune)


# -- shared ---------------------------------------------------------------------------------------------
def _hub_repos(args: argparse.Namespace) -> tuple[Path, list[CachedRepo]]:
    from ..hub.cache_scan import scan_cache
    from ..hub.config import hub_cache
    from ..hub.errors import CacheNotFound

    root = Path(args.cache_dir).expanduser() if args.cache_dir else hub_cache()
    try:
        return root, list(scan_cache(root).repos)
    except CacheNotFound:
        return root, []


def _prepared(args: argparse.Namespace) -> tuple[Path, list[PreparedEntry]]:
    from ..arrow.prepared_cache import scan_prepared
    from ..config import data_cache_dir

    root = data_cache_dir(args.prepared_cache_dir)
    return root, scan_prepared(root)


def _cache_id(target: str) -> str:
    """``dataset/owner/name`` for ``owner/name`` (datasets are this library's default) or a typed id."""
    parts = target.strip("/").split("/")
    if len(parts) == 2:
        return f"dataset/{target.strip('/')}"
    if len(parts) == 3 and parts[0] in ("dataset", "model", "space", "local"):
        return "/".join(parts)
    raise ValueError(f"{target!r} is not a repo id: use owner/name or dataset/owner/name (or model/, space/)")


def _proceed(args: argparse.Namespace, size: int, question: str) -> bool:
    """After the plan is printed: False for ``--dry-run`` or a "no"; asks on a terminal unless ``--yes``."""
    if args.dry_run:
        result("Dry run: no files were deleted.", size=format_size(size))
        return False
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise ValueError("deleting needs confirmation: pass --yes (or --dry-run to only look)")
    if input(f"{question} [y/N]: ").strip().lower() in ("y", "yes"):
        return True
    print("Aborted.")
    return False


def _counted(counts: list[tuple[int, str]]) -> str:
    """``2 repo(s), 1 revision(s) and 3 prepared entries`` from (count, noun) pairs, zeros left out."""
    parts = [f"{n} {noun}" for n, noun in counts if n]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _entries(n: int) -> str:
    return "prepared entry" if n == 1 else "prepared entries"


def _prepared_label(entry: PreparedEntry) -> str:
    config = f" [{entry.config}]" if entry.config else ""
    splits = f" {', '.join(entry.splits)}" if entry.splits else ""
    return f"prepared {entry.cache_id}{config}{splits} ({format_size(entry.size)})"


# -- ls -------------------------------------------------------------------------------------------------
def _repo_items(repos: list[CachedRepo], revisions: bool) -> list[dict[str, Any]]:
    items = []
    for repo in repos:
        base = {"cache": "hub", "id": repo.cache_id, "repo_id": repo.repo_id, "repo_type": repo.repo_type}
        if revisions:
            items += [
                {
                    **base,
                    "revision": rev.commit,
                    "snapshot_path": str(rev.snapshot_path),
                    "size": rev.size_on_disk,
                    "last_modified": rev.last_modified,
                    "refs": sorted(rev.refs),
                }
                for rev in repo.revisions
            ]
        else:
            items.append(
                {
                    **base,
                    "size": repo.size_on_disk,
                    "last_accessed": repo.last_accessed,
                    "last_modified": repo.last_modified,
                    "refs": sorted(repo.refs),
                }
            )
    return items


def _prepared_items(entries: list[PreparedEntry]) -> list[dict[str, Any]]:
    return [
        {
            "cache": "prepared",
            "id": e.cache_id,
            "config": e.config,
            "splits": list(e.splits),
            "path": str(e.path),
            "files": e.num_files,
            "size": e.size,
            "last_used": e.last_used,
        }
        for e in entries
    ]


def run_ls(args: argparse.Namespace) -> int:
    hub_root, repos = _hub_repos(args)
    prepared_root, entries = _prepared(args)
    hub_items, prepared_items = _repo_items(repos, args.revisions), _prepared_items(entries)
    if args.format == "json":
        print_json(hub_items + prepared_items)
        return 0
    if args.format == "quiet":
        key = "revision" if args.revisions else "id"
        for item in dict.fromkeys(str(i[key]) for i in hub_items + prepared_items if key in i):
            print(item)
        return 0
    now = time.time()
    if args.revisions:
        rows = [
            [i["id"], i["revision"], format_size(i["size"]), format_age(i["last_modified"], now), ", ".join(i["refs"])]
            for i in hub_items
        ]
        headers = ["id", "revision", "size", "last_modified", "refs"]
    else:
        rows = [
            [
                i["id"],
                format_size(i["size"]),
                format_age(i["last_accessed"], now),
                format_age(i["last_modified"], now),
                ", ".join(i["refs"]),
            ]
            for i in hub_items
        ]
        headers = ["id", "size", "last_accessed", "last_modified", "refs"]
    print(table(rows, headers, right=["size"]) if rows else f"No cached repos in {hub_root}.")
    if repos:
        total = sum(r.size_on_disk for r in repos)
        count = sum(len(r.revisions) for r in repos)
        print(f"\nFound {len(repos)} repo(s) for a total of {count} revision(s) and {format_size(total)} on disk.")
    print()
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for item in prepared_items:  # one line per dataset config: its splits' fingerprint directories merged
        row = grouped.setdefault((item["id"], item["config"] or ""), {"splits": [], "size": 0, "last_used": 0.0})
        row["splits"] += [s for s in item["splits"] if s not in row["splits"]]
        row["size"] += item["size"]
        row["last_used"] = max(row["last_used"], item["last_used"])
    prepared_rows = [
        [key[0], key[1], ", ".join(r["splits"]), format_size(r["size"]), format_age(r["last_used"], now)]
        for key, r in grouped.items()
    ]
    if prepared_rows:
        print(table(prepared_rows, ["prepared", "config", "splits", "size", "last_used"], right=["size"]))
        datasets = len({e.cache_id for e in entries})
        total = format_size(sum(e.size for e in entries))
        print(
            f"\nFound {len(entries)} prepared entr{'y' if len(entries) == 1 else 'ies'} of {datasets} dataset(s) "
            f"for a total of {total} on disk."
        )
    else:
        print(f"No prepared splits in {prepared_root}.")
    temps = [p for e in entries for p in e.temp_files]
    if temps:
        hint(f"Found {len(temps)} unfinished prepared file(s); `crucible-torch cache prune` removes stale ones.")
    return 0


# -- rm -------------------------------------------------------------------------------------------------
def run_rm(args: argparse.Namespace) -> int:
    from ..arrow.prepared_cache import delete_prepared
    from ..hub.cache_scan import delete_repo, delete_revision

    ids = [_cache_id(t) for t in args.targets]
    _, repos = _hub_repos(args)
    _, entries = _prepared(args)
    by_id = {r.cache_id: r for r in repos}
    plan_repos: list[tuple[CachedRepo, CachedRevision | None]] = []
    plan_prepared: list[PreparedEntry] = []
    missing = []
    for cache_id in ids:
        repo = by_id.get(cache_id)
        found = False
        if repo is not None:
            if args.revision is None:
                plan_repos.append((repo, None))
                found = True
            else:
                commit = repo.refs.get(args.revision, args.revision)
                revision = next((r for r in repo.revisions if r.commit == commit), None)
                if revision is not None:
                    plan_repos.append((repo, revision))
                    found = True
        if args.revision is None:
            matching = [e for e in entries if e.cache_id == cache_id]
            plan_prepared += matching
            found = found or bool(matching)
        if not found:
            missing.append(cache_id + (f"@{args.revision}" if args.revision else ""))
    if missing:
        warn("Could not find in cache:\n" + "\n".join(f"  - {m}" for m in missing))
    if not plan_repos and not plan_prepared:
        print("Nothing to delete.")
        return 0
    size = sum(repo.size_on_disk if rev is None else rev.size_on_disk for repo, rev in plan_repos)
    size += sum(e.size for e in plan_prepared)
    whole = sum(1 for _, rev in plan_repos if rev is None)
    prepared_count = len(plan_prepared)
    summary = _counted(
        [(whole, "repo(s)"), (len(plan_repos) - whole, "revision(s)"), (prepared_count, _entries(prepared_count))]
    )
    print(f"About to delete {summary} totalling {format_size(size)}.")
    for repo, rev in plan_repos:
        print(f"  - {repo.cache_id} (entire repo)" if rev is None else f"  - {repo.cache_id}: {rev.commit}")
    for entry in plan_prepared:
        print(f"  - {_prepared_label(entry)}")
    if not _proceed(args, size, "Proceed with deletion?"):
        return 0
    freed = 0
    for repo, rev in plan_repos:
        cache_dir = repo.path.parent
        if rev is None:
            freed += delete_repo(repo.repo_id, repo_type=repo.repo_type, cache_dir=cache_dir)
        else:
            freed += delete_revision(repo.repo_id, rev.commit, repo_type=repo.repo_type, cache_dir=cache_dir)
    freed += delete_prepared(plan_prepared)
    result(f"Deleted {summary}; freed {format_size(freed)}.", freed=format_size(freed))
    return 0


# -- verify ---------------------------------------------------------------------------------------------
def run_verify(args: argparse.Namespace) -> int:
    from ..arrow.prepared_cache import delete_prepared, verify_prepared
    from ..hub.cache_verify import remove_corrupt, verify_cache
    from ..hub.config import hub_cache

    cache_id = _cache_id(args.target) if args.target else None
    if args.revision and cache_id is None:
        raise ValueError("--revision needs a REPO")
    repo_type, _, repo_id = cache_id.partition("/") if cache_id else (None, "", None)
    root = Path(args.cache_dir).expanduser() if args.cache_dir else hub_cache()
    report = None
    if root.is_dir():
        report = verify_cache(repo_id or None, repo_type=repo_type or "dataset", revision=args.revision, cache_dir=root)
    checked = report.checked if report else 0
    problems = list(report.problems) if report else []
    _, entries = _prepared(args)
    entries = [e for e in entries if cache_id is None or e.cache_id == cache_id] if not args.revision else []
    bad_prepared = [(e, path, reason) for e in entries for path, reason in verify_prepared(e)]
    prepared_checked = sum(len(e.arrow_files()) for e in entries)
    if not problems and not bad_prepared:
        result(
            f"Verified {checked} cached file(s) and {prepared_checked} prepared file(s). All checksums match.",
            hub_cache=str(root),
        )
        return 0
    failed = "❌" if (sys.stdout.encoding or "utf-8").lower().startswith("utf") else "[FAIL]"
    lines = [
        f"  - {p.cache_id}@{p.commit[:8]} {p.path}: "
        + (
            f"blob {p.expected} is missing"
            if p.what == "missing blob"
            else f"expected {p.expected} ({p.what}), got {p.actual}"
        )
        for p in problems
    ] + [f"  - {_prepared_label(e)}: {path.name}: {reason}" for e, path, reason in bad_prepared]
    print(f"{failed} Checksum verification failed for the following file(s):\n" + "\n".join(lines))
    if not args.delete_corrupt:
        print(
            f"Error: Verification failed for {len(lines)} file(s). Re-run with --delete-corrupt to delete them "
            "(they download or prepare again on the next load).",
            file=sys.stderr,
        )
        return 1
    freed = remove_corrupt(problems) + delete_prepared(list({id(e): e for e, _, _ in bad_prepared}.values()))
    result(f"Deleted {len(lines)} corrupt file(s); freed {format_size(freed)}. The next load fetches them again.")
    return 0


# -- prune ----------------------------------------------------------------------------------------------
def run_prune(args: argparse.Namespace) -> int:
    from ..arrow.prepared_cache import delete_prepared
    from ..hub.cache_prune import PrunePlan, execute_prune, plan_prune
    from ..hub.config import hub_cache

    root = Path(args.cache_dir).expanduser() if args.cache_dir else hub_cache()
    plan = plan_prune(root) if root.is_dir() else PrunePlan((), (), (), 0)
    now = time.time()
    _, entries = _prepared(args)
    old = [e for e in entries if now - e.last_used >= args.older_than]
    stale_temps = [p for e in entries if e not in old for p in e.temp_files if now - p.stat().st_mtime >= 3600]
    counts = [
        (len(plan.revisions), "unreferenced revision(s)"),
        (len(plan.orphan_blobs), "orphan blob(s)"),
        (len(plan.stale_files) + len(stale_temps), "stale temp file(s)"),
        (len(old), f"{_entries(len(old))} unused for {_duration_text(args.older_than)}"),
    ]
    if not any(n for n, _ in counts):
        print("No unreferenced revisions, orphan blobs, stale temp files or old prepared splits. Nothing to prune.")
        return 0
    size = plan.size + sum(e.size for e in old) + sum(p.stat().st_size for p in stale_temps)
    summary = _counted(counts)
    print(f"About to delete {summary} ({format_size(size)} total).")
    for repo, rev in plan.revisions:
        print(f"  - {repo.cache_id}: {rev.commit} [no ref] {format_size(rev.size_on_disk)}")
    for path in (*plan.orphan_blobs, *plan.stale_files, *stale_temps):
        print(f"  - {path}")
    for entry in old:
        print(f"  - {_prepared_label(entry)}, last used {format_age(entry.last_used, now)}")
    if not _proceed(args, size, "Proceed?"):
        return 0
    freed = execute_prune(plan) + delete_prepared(old)
    for path in stale_temps:
        freed += path.stat().st_size
        path.unlink(missing_ok=True)
    result(f"Deleted {summary}; freed {format_size(freed)}.", freed=format_size(freed))
    return 0
