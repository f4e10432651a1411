"""``crucible-torch env``: versions, cache paths, endpoint and switches, to paste into a bug report.

Versions are read from the installed packages' metadata, so neither torch nor torchvision is imported; a
token is reported as set or not, never shown.
"""

from __future__ import annotations

import argparse
import os
import sys

from .output import command_help, print_json

PACKAGES = ("torch", "torchvision", "pyarrow", "numpy", "pillow", "requests", "pyyaml", "tqdm")
SWITCHES = (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "HF_HUB_DISABLE_PROGRESS_BARS",
    "HF_HUB_DISABLE_SYMLINKS",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN",
    "HF_HUB_ETAG_TIMEOUT",
    "HF_HUB_DOWNLOAD_TIMEOUT",
)


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "env",
        parents=[common],
        help="print versions, cache paths, endpoint and offline mode (never the token)",
        description=command_help(__doc__),
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.set_defaults(run=run)


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> dict[str, str]:
    """What ``env`` reports, as ordered name -> value pairs."""
    import platform

    from .. import __version__
    from ..config import data_cache_dir
    from ..hub import config as hub_config

    token = hub_config.get_token()
    info = {
        "crucible_torch version": __version__,
        "Platform": platform.platform(),
        "Python version": platform.python_version(),
        **{f"{name} version": _version(name) for name in PACKAGES},
        "ENDPOINT": hub_config.endpoint(),
        "HF_HOME": str(hub_config.hf_home()),
        "HF_HUB_CACHE": str(hub_config.hub_cache()),
        "CRUCIBLE_TORCH_CACHE": str(data_cache_dir()),
        "HF_TOKEN_PATH": str(hub_config.token_path()),
        "Token set": "yes" if token else "no",
        "Offline mode": "yes" if hub_config.is_offline() else "no",
        "Progress bars": "off" if hub_config.progress_bars_disabled() else "on",
    }
    info.update({name: os.environ[name] for name in SWITCHES if name in os.environ})
    return info


def run(args: argparse.Namespace) -> int:
    info = environment()
    if args.format == "json":
        print_json(info)
    else:
        print("\n".join(f"- {name}: {value}" for name, value in info.items()))
    sys.stdout.flush()
    return 0
