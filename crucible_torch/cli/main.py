"""The ``crucible-torch`` command: download, info, preview, cache, mirror, env, demo.

Commands and options follow the ``hf`` CLI where it has the same verb (``download``, ``cache ls|rm|verify|
prune``, ``env``). Each command is a thin wrapper over the library, so what it does a script can do too.
The parser imports no command's dependencies: torch is loaded only by commands that build tensors (``demo``).
Exit codes: 0 ok, 1 a problem the user can fix, 2 a network or Hub failure (see :mod:`.failures`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from . import cache, download, env, info, mirror, preview
from .failures import INTERRUPTED, exit_code, one_line_message

PROG = "crucible-torch"


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit code 1 (a user error)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(1, f"Error: {message} (see `{self.prog} --help`)\n")


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo  # imports torch: the only command that builds tensors

    return run_demo(
        endpoint=args.endpoint,
        num_workers=args.workers,
        batch_size=args.batch_size,
        scale=args.scale,
        only=args.only or None,
        token=args.token,
    )


def _add_demo(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="every cookbook registry dataset over HTTP: one table row each, with rows/s",
        description="Load every dataset of the cookbook registry over HTTP (the bundled sample repos on a local "
        "Hub, or --endpoint) and read it through a DataLoader with workers: one table row per dataset.",
    )
    demo.add_argument("--endpoint", help="run against this Hub instead of the bundled sample repos")
    demo.add_argument("--workers", type=int, default=2, help="DataLoader workers (default 2)")
    demo.add_argument("--batch-size", type=int, default=32, help="rows per batch (default 32)")
    demo.add_argument("--scale", type=float, default=4, help="sample repo size multiplier (without --endpoint)")
    demo.add_argument("--only", action="append", default=[], metavar="NAME", help="only this registry entry")
    demo.add_argument("--token", help="Hub token for the gated datasets (default: HF_TOKEN)")
    demo.set_defaults(run=_run_demo)


def build_parser() -> argparse.ArgumentParser:
    """The full parser; every subcommand sets ``run``, a function of the parsed arguments to an exit code."""
    from .. import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error"
    )
    parser = Parser(
        prog=PROG,
        description="Load Hugging Face Hub datasets for PyTorch: download, inspect, preview, manage the cache, "
        "serve a mirror.",
        epilog=f"Run `{PROG} COMMAND --help` for a command's options. Exit codes: 0 ok, 1 user error "
        "(unknown repo/config/split, no access, bad arguments), 2 network or Hub failure.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for group in (download, info, preview, cache, mirror, env):
        group.register(commands, common)
    _add_demo(commands, common)
    return parser


def _configure_logging(verbose: bool) -> None:
    """Retries and cache fallbacks are logged as they happen with ``--verbose``; otherwise only the final
    error line is printed."""
    logger = logging.getLogger("crucible_torch")
    if verbose and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    _configure_logging(verbose)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `crucible-torch preview ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0
    except Exception as error:
        if verbose:
            import traceback

            traceback.print_exc()
        hint = "" if verbose else " (--verbose shows the traceback)"
        print(f"Error: {one_line_message(error)}{hint}", file=sys.stderr)
        return exit_code(error)
