"""``crucible-torch mirror serve DIR|--hf-cache``: serve repos on disk as a Hugging Face Hub until Ctrl-C.

Clients (this library, ``huggingface_hub``, ``datasets``) use it through ``HF_ENDPOINT``. ``DIR`` holds repos as
``DIR/<owner>/<name>`` (datasets), ``DIR/models/<owner>/<name>``, or is an HF cache (``datasets--owner--name``);
``--hf-cache`` serves this machine's cache. No file whose real path is outside the served directory is ever
served (symlinks that leave it are ignored). ``--token`` (repeatable) or ``--token-file`` makes every request
need ``Authorization: Bearer <token>``; binding a non-loopback address without one prints a warning.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from pathlib import Path

from .output import command_help


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "mirror",
        parents=[common],
        help="serve a directory of repos, or the Hub cache, as a Hub (HF_ENDPOINT) for offline use",
        description=command_help(__doc__),
    )
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=type(group))
    serve = verbs.add_parser(
        "serve", parents=[common], help="serve until interrupted", description=command_help(__doc__)
    )
    where = serve.add_mutually_exclusive_group(required=True)
    where.add_argument("directory", nargs="?", metavar="DIR", help="repos as DIR/<owner>/<name>, or an HF cache")
    where.add_argument("--hf-cache", action="store_true", help="serve the Hub cache (HF_HUB_CACHE)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--token", action="append", default=[], metavar="TOKEN", help="require this bearer token (repeatable)"
    )
    serve.add_argument("--token-file", help="require one of the tokens in this file (one per line, # comments)")
    serve.add_argument("--cdn-port", type=int, default=0, help="port of the LFS redirect target (default: free)")
    serve.add_argument("--page-size", type=int, default=1000, help="tree listing page size (default 1000)")
    serve.add_argument("--lfs-threshold", type=int, default=10 << 20, help="files this big are LFS (bytes)")
    serve.add_argument("--no-cdn", action="store_true", help="serve LFS files directly, without a redirect")
    serve.set_defaults(run=run_serve)


def read_tokens(args: argparse.Namespace) -> list[str]:
    """The ``--token`` values and the tokens of ``--token-file`` (blank lines and ``#`` comments skipped)."""
    tokens = [t.strip() for t in args.token if t.strip()]
    if args.token_file:
        text = Path(args.token_file).expanduser().read_text(encoding="utf-8")
        tokens += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if not tokens:
            raise ValueError(f"--token-file {args.token_file} holds no token")
    return tokens


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    from ..hub.config import hub_cache
    from ..hub.server import HubServer

    root = hub_cache() if args.hf_cache else Path(args.directory).expanduser()
    if not root.is_dir():
        raise ValueError(f"{root} is not a directory")
    tokens = read_tokens(args)
    if not tokens and not is_loopback(args.host):
        print(
            f"Warning: serving on {args.host} without --token: anyone who can reach port {args.port} can read "
            f"every repo under {root}. Pass --token or --token-file.",
            file=sys.stderr,
        )
    try:
        server = HubServer(
            root,
            host=args.host,
            port=args.port,
            cdn_port=args.cdn_port,
            page_size=args.page_size,
            lfs_threshold=args.lfs_threshold,
            cdn=not args.no_cdn,
            required_tokens=tokens,
        ).start()
    except OSError as exc:
        raise OSError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # `kill PID` stops it as cleanly as Ctrl-C
    try:  # Ctrl-C is how a mirror stops: exit 0 whenever it comes
        auth = f", {len(tokens)} token(s) required" if tokens else ""
        print(f"Serving {root} as a Hugging Face Hub at {server.url} (CDN {server.cdn_url}{auth})", flush=True)
        print(f"  export HF_ENDPOINT={server.url}", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
