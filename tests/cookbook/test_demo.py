"""``crucible-torch demo`` as a user runs it (a fresh process, the bundled sample Hub at scale 1): one table row
per registry entry, none failing, with the sample repo's row count and a rate; ``--endpoint`` runs the same
against another Hub."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from crucible_torch import cookbook
from crucible_torch.testing import SampleHub


def _demo(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "HF_ENDPOINT"}
    done = subprocess.run(
        [sys.executable, "-m", "crucible_torch", "demo", *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _rows(out: str) -> dict[str, list[str]]:
    return {
        line.split()[0]: line.split()
        for line in out.splitlines()
        if line.split()[:1] and line.split()[0] in cookbook.list()
    }


def test_demo_table_covers_every_registry_entry() -> None:
    out = _demo("--scale", "1")
    rows = _rows(out)
    assert list(rows) == cookbook.list()
    assert "error:" not in out
    gsm8k = rows["gsm8k"]
    assert gsm8k[1:4] == ["main", "train", "120"]  # the sample repo's gsm8k/main train at scale 1
    assert re.fullmatch(r"[\d,]+", rows["tulu3_sft"][-1])
    assert rows["openthoughts3"][-1] == "(streamed)" and rows["openthoughts3"][3] == "240"


def test_demo_against_an_endpoint(hub: SampleHub) -> None:
    out = _demo(
        "--endpoint", hub.url, "--only", "no_robots", "--only", "hh_rlhf", "--token", hub["Anthropic/hh-rlhf"].token
    )
    rows = _rows(out)
    assert list(rows) == ["no_robots", "hh_rlhf"] and "error:" not in out
    assert rows["no_robots"][3] == str(hub["HuggingFaceH4/no_robots"].num_rows("default", "train"))
