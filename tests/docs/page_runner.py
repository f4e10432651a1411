"""Run every code block of a Markdown page, in order: ``python page_runner.py PAGE.md``.

- ```` ```python ```` blocks run in one shared namespace, like cells of a notebook, so a page can build on
  what an earlier block defined. ```` ```python file=NAME ```` writes the block to ``NAME`` instead (for a
  later shell block, e.g. ``torchrun ... NAME``).
- ```` ```bash ```` blocks run with ``bash -euo pipefail`` in the current directory.
- ```` ```text ````, ```` ```yaml ```` and ```` ```json ```` blocks are output, pictures or data, not code.
- A block right after the line ``<!-- docs-test: skip REASON -->`` is not run (for commands such as
  ``pip install`` or a server that never exits); the reason is required.

Any other language is an error, so no code block escapes the tests by its label. A failing block stops the
run with its page and line.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,})(?P<info>[^`]*)$")
SKIP = re.compile(r"^<!--\s*docs-test:\s*skip\s+(?P<reason>\S.*?)\s*-->\s*$")
RUN = ("python", "bash")
NOT_CODE = ("text", "yaml", "json")


@dataclass(frozen=True)
class Block:
    language: str
    attributes: dict[str, str]
    code: str
    line: int
    skip_reason: str | None


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, with their language, ``key=value`` attributes and skip marker."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        words = match["info"].split()
        language = words[0] if words else ""
        attributes = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        skip = SKIP.match(previous.strip())
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == match["fence"])
        body = "\n".join(line[len(match["indent"]) :] for line in lines[i + 1 : end])
        found.append(Block(language, attributes, body + "\n", i + 1, skip["reason"] if skip else None))
        i = end + 1
    return found


def run_page(page: Path) -> int:
    namespace: dict[str, object] = {"__name__": "__main__"}
    ran = 0
    for block in blocks(page.read_text(encoding="utf-8")):
        where = f"{page}:{block.line}"
        if block.skip_reason is not None or block.language in NOT_CODE or not block.language:
            continue
        if block.language not in RUN:
            raise SystemExit(f"{where}: code block in {block.language!r}: label it one of {RUN + NOT_CODE}")
        print(f"--- {where} ({block.language})", flush=True)
        if block.language == "python" and "file" in block.attributes:
            Path(block.attributes["file"]).write_text(block.code, encoding="utf-8")
        elif block.language == "python":
            exec(compile(block.code, where, "exec"), namespace)  # noqa: S102 - running the docs is the point
        else:
            shell = subprocess.Popen(["bash", "-euo", "pipefail", "-c", block.code], start_new_session=True)
            code = shell.wait()
            try:  # whatever the block left running in the background must not outlive it
                os.killpg(shell.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if code != 0:
                raise SystemExit(f"{where}: bash block exited with {code}")
        ran += 1
    print(f"=== {page}: {ran} block(s) ran", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_page(Path(sys.argv[1])))
