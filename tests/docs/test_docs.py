"""Every code block of README.md and docs/*.md runs against the sample Hub, so the documentation cannot rot.

Each page runs in a new process (``page_runner.py``), in an empty directory, with fresh caches, the sample Hub
as ``HF_ENDPOINT`` and ``crucible-torch`` on ``PATH``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from page_runner import blocks

from crucible_torch.testing import SampleHub, sample_hub_server

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUNNER = Path(__file__).with_name("page_runner.py")
MAX_SKIPPED = 6  # blocks that must not run (installs, servers that never exit): few, each with a reason


@pytest.fixture(scope="module")
def docs_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleHub]:
    with sample_hub_server(tmp_path_factory.mktemp("docs-hub")) as hub:
        yield hub


def _env(tmp_path: Path, hub: SampleHub) -> dict[str, str]:
    shims = tmp_path / "bin"
    shims.mkdir(parents=True)
    shim = shims / "crucible-torch"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m crucible_torch "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "hf_home"),
        HF_HUB_CACHE=str(tmp_path / "hf_home" / "hub"),
        CRUCIBLE_TORCH_CACHE=str(tmp_path / "prepared"),
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        PATH=os.pathsep.join([str(shims), str(Path(sys.executable).parent), env.get("PATH", "")]),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
    )
    return env


def _run(page: Path, tmp_path: Path, hub: SampleHub) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work"
    work.mkdir(parents=True)
    return subprocess.run(
        [sys.executable, str(RUNNER), str(page)],
        cwd=work, env=_env(tmp_path, hub), capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_code_blocks_run(page: Path, tmp_path: Path, docs_hub: SampleHub) -> None:
    runnable = [b for b in blocks(page.read_text(encoding="utf-8")) if b.language in ("python", "bash")]
    assert runnable, f"{page.name} has no code block"
    done = _run(page, tmp_path, docs_hub)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


def test_skip_markers_are_rare_and_give_a_reason() -> None:
    skipped = [(p.name, b.line) for p in PAGES for b in blocks(p.read_text(encoding="utf-8")) if b.skip_reason]
    assert len(skipped) <= MAX_SKIPPED, skipped


def test_the_runner_fails_on_a_failing_block_and_honours_the_marker(tmp_path: Path, docs_hub: SampleHub) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nvalue = 41\n```\n\ntext\n\n```python\nassert value + 1 == 42\n```\n")
    assert _run(page, tmp_path / "a", docs_hub).returncode == 0
    page.write_text("```python\nraise RuntimeError('broken example')\n```\n")
    failed = _run(page, tmp_path / "b", docs_hub)
    assert failed.returncode != 0 and "broken example" in failed.stderr and "page.md:1" in failed.stderr
    page.write_text("<!-- docs-test: skip never exits -->\n```bash\nfalse\n```\n```bash\nexit 3\n```\n")
    failed = _run(page, tmp_path / "c", docs_hub)
    assert failed.returncode != 0 and "page.md:5" in failed.stderr
    page.write_text("```rust\nfn main() {}\n```\n")
    assert _run(page, tmp_path / "d", docs_hub).returncode != 0
