"""``crucible-torch mirror serve`` as a separate process, used by the real ``huggingface_hub`` client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_helpers import run_cli

from crucible_torch.testing import SampleHub

huggingface_hub = pytest.importorskip("huggingface_hub")


@contextmanager
def mirror(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``mirror serve ARGS`` and yield its URL (from its first line) and the process; Ctrl-C it after."""
    command = [sys.executable, "-m", "crucible_torch", "mirror", "serve", *args]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )
    try:
        line = child.stdout.readline()
        assert " at " in line, line + child.stderr.read()
        yield line.split(" at ")[1].split()[0], child
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)
    assert child.returncode == 0


def test_tokens_from_the_command_line_and_a_file_guard_every_request(
    hub: SampleHub, sample_repos, tmp_path: Path
) -> None:
    root, _ = sample_repos
    tokens = tmp_path / "tokens"
    tokens.write_text("# mirror readers\nfile-token\n\n")
    with mirror(str(root), "--port", "0", "--token", "cli-token", "--token-file", str(tokens)) as (url, _):
        for token in ("cli-token", "file-token"):
            api = huggingface_hub.HfApi(endpoint=url, token=token)
            info = api.dataset_info("openai/gsm8k")
            assert info.id == "openai/gsm8k" and info.card_data["license"] == "mit"
        local = huggingface_hub.hf_hub_download(
            "openai/gsm8k", "main/test-00000-of-00001.parquet", repo_type="dataset", endpoint=url,
            token="file-token", cache_dir=tmp_path / "c",
        )  # fmt: skip
        assert Path(local).read_bytes() == (hub["openai/gsm8k"].path / "main/test-00000-of-00001.parquet").read_bytes()
        with pytest.raises(huggingface_hub.errors.HfHubHTTPError) as refused:
            huggingface_hub.HfApi(endpoint=url, token=False).dataset_info("openai/gsm8k")
        assert refused.value.response.status_code == 401 and "gsm8k" not in refused.value.response.text
        done = run_cli("info", "openai/gsm8k", env={"HF_ENDPOINT": url, "HF_TOKEN": "cli-token"})
        assert done.returncode == 0 and "[main]" in done.stdout
        refused_cli = run_cli("info", "openai/gsm8k", env={"HF_ENDPOINT": url})
        assert refused_cli.returncode == 1 and "401" in refused_cli.stderr


def test_binding_beyond_loopback_without_a_token_warns(tmp_path: Path) -> None:
    (tmp_path / "repos" / "alice" / "data").mkdir(parents=True)
    (tmp_path / "repos" / "alice" / "data" / "a.csv").write_text("a\n1\n")
    with mirror(str(tmp_path / "repos"), "--host", "0.0.0.0", "--port", "0") as (_, child):
        pass
    assert "without --token" in child.stderr.read()
    with mirror(str(tmp_path / "repos"), "--host", "0.0.0.0", "--port", "0", "--token", "t") as (_, child):
        pass
    assert "Warning" not in child.stderr.read()
    with mirror(str(tmp_path / "repos"), "--port", "0") as (_, child):
        pass
    assert "Warning" not in child.stderr.read()


def test_serving_the_hf_cache(hub: SampleHub, tmp_path: Path, isolated_env: Path) -> None:
    assert run_cli("download", "openai/gsm8k", "--config", "main").returncode == 0
    with mirror("--hf-cache", "--port", "0") as (url, _):
        other_cache = {"HF_ENDPOINT": url, "HF_HUB_CACHE": str(tmp_path / "second"), "HF_HOME": str(tmp_path / "h2")}
        done = run_cli("download", "openai/gsm8k", "--config", "main", "--split", "train", env=other_cache)
        assert done.returncode == 0, done.stderr
        source = hub["openai/gsm8k"].path / "main/train-00000-of-00001.parquet"
        assert Path(done.stdout.strip()).read_bytes() == source.read_bytes()
        assert done.stdout.startswith(str(tmp_path / "second"))


@pytest.mark.parametrize(
    ("args", "message"),
    [(("/no/such/dir",), "not a directory"), (("--token-file", "EMPTY", "."), "holds no token")],
    ids=["missing-dir", "empty-token-file"],
)
def test_mirror_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "EMPTY").write_text("# nothing\n")
    done = run_cli("mirror", "serve", *args, "--port", "0", cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
