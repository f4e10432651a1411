"""Environment configuration, read at call time, as huggingface_hub reads it; explicit arguments win."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from crucible_torch import hub


def sent_token(server) -> str | None:
    value = server.requests(listener="hub")[-1].headers.get("authorization")
    return value.removeprefix("Bearer ") if value else None


def test_token_lookup_order(server, monkeypatch, tmp_path):
    hub.dataset_info("alice/data")
    assert sent_token(server) is None
    home_token = Path(os.environ["HF_HOME"]) / "token"
    home_token.parent.mkdir(parents=True)
    home_token.write_text("hf_from_home\n")
    hub.dataset_info("alice/data")
    assert sent_token(server) == "hf_from_home"
    (tmp_path / "elsewhere").write_text("hf_from_path")
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "elsewhere"))
    hub.dataset_info("alice/data")
    assert sent_token(server) == "hf_from_path"
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy")
    hub.dataset_info("alice/data")
    assert sent_token(server) == "hf_legacy"
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    hub.dataset_info("alice/data")
    assert sent_token(server) == "hf_env"
    hub.dataset_info("alice/data", token="hf_explicit")
    assert sent_token(server) == "hf_explicit"
    hub.dataset_info("alice/data", token=False)
    assert sent_token(server) is None
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    hub.dataset_info("alice/data")
    assert sent_token(server) is None


def test_cache_location_from_env(server, monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_CACHE")
    assert "/hf_home/hub/datasets--alice--data/" in hub.hf_hub_download("alice/data", "README.md", repo_type="dataset")
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", str(tmp_path / "legacy"))
    assert hub.hf_hub_download("alice/data", "README.md", repo_type="dataset").startswith(str(tmp_path / "legacy"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "new"))
    assert hub.hf_hub_download("alice/data", "README.md", repo_type="dataset").startswith(str(tmp_path / "new"))
    explicit = hub.hf_hub_download("alice/data", "README.md", repo_type="dataset", cache_dir=tmp_path / "arg")
    assert explicit.startswith(str(tmp_path / "arg"))


@pytest.mark.parametrize(
    ("hub_offline", "datasets_offline", "offline"),
    [
        ("1", None, True),
        ("ON", None, True),
        ("yes", None, True),
        ("True", None, True),
        ("0", None, False),
        (None, "1", True),
        ("1", "0", False),
        (None, None, False),
    ],
)
def test_offline_switches(server, monkeypatch, hub_offline, datasets_offline, offline):
    for name, value in (("HF_HUB_OFFLINE", hub_offline), ("HF_DATASETS_OFFLINE", datasets_offline)):
        if value is not None:
            monkeypatch.setenv(name, value)
    if offline:
        with pytest.raises(hub.OfflineModeIsEnabled):
            hub.dataset_info("alice/data")
        assert server.count() == 0
    else:
        assert hub.dataset_info("alice/data").id == "alice/data"


def test_explicit_endpoint_overrides_env(server, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    snap = hub.resolve_repo("alice/data", endpoint=server.url)
    assert snap.url("README.md").startswith(server.url)
    assert server.count() == 2


def test_download_timeout_on_a_stalled_body_resumes(server, repos, monkeypatch):
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "0.3")
    server.faults.stall_body(after_bytes=5000, listener="cdn")
    path = hub.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset")
    assert Path(path).read_bytes() == (repos / "alice/data/blobs/big.bin").read_bytes()
    assert [r.headers.get("range") for r in server.requests("GET", listener="cdn")] == [None, "bytes=5000-"]


def _progress_in_a_terminal(extra_env: dict[str, str]) -> str:
    """Run progress_enabled() in a child whose stderr is a pseudo-terminal."""
    main, child = pty.openpty()
    try:
        env = {k: v for k, v in os.environ.items() if "PROGRESS_BARS" not in k}
        code = "import sys; from crucible_torch.hub import progress_enabled; print(progress_enabled())"
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, **extra_env},
            stderr=child,
            stdout=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    finally:
        os.close(main)
        os.close(child)
    return result.stdout.strip()


def test_progress_bars_follow_the_terminal_and_the_switches():
    assert hub.progress_enabled() is False  # pytest's stderr is not a terminal / bars disabled by fixture
    assert _progress_in_a_terminal({}) == "True"
    for name in (
        "HF_HUB_DISABLE_PROGRESS_BARS",
        "HF_DATASETS_DISABLE_PROGRESS_BARS",
        "CRUCIBLE_TORCH_DISABLE_PROGRESS_BARS",
    ):
        assert _progress_in_a_terminal({name: "1"}) == "False"
    bar = hub.progress_bar(total=10, unit="B")
    assert bar.disable
    bar.close()


def test_hub_package_stands_alone():
    code = (
        "import sys, crucible_torch.hub, crucible_torch.hub.server, crucible_torch.testing.hub\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pyarrow', 'numpy', 'PIL'))\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_hub_imports_nothing_from_the_rest_of_the_package():
    code = "import sys, crucible_torch.hub\nprint(sorted(m for m in sys.modules if m.startswith('crucible_torch')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = eval(out.stdout)  # a printed list of module names
    assert [m for m in loaded if m != "crucible_torch" and not m.startswith("crucible_torch.hub")] == []


BLANKS = ["", " ", "\t", "  \n"]


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_hf_home_is_unset_for_both_caches(monkeypatch, tmp_path, blank):
    """One source of truth: a blank HF_HOME means the default home for the Hub cache and the data cache
    alike (never the current directory)."""
    from crucible_torch.config import data_cache_dir
    from crucible_torch.hub import config

    for name in ("HF_HUB_CACHE", "CRUCIBLE_TORCH_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", blank)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    home = tmp_path / "xdg" / "huggingface"
    assert config.hf_home() == home
    assert config.hub_cache() == home / "hub"
    assert data_cache_dir() == home / "crucible_torch"
    monkeypatch.setenv("XDG_CACHE_HOME", blank)
    assert config.hf_home() == Path.home() / ".cache" / "huggingface"
    assert data_cache_dir() == Path.home() / ".cache" / "huggingface" / "crucible_torch"


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_path_variables_count_as_unset(monkeypatch, tmp_path, blank):
    from crucible_torch.config import data_cache_dir
    from crucible_torch.hub import config

    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN_PATH", "CRUCIBLE_TORCH_CACHE", "HF_ENDPOINT"):
        monkeypatch.setenv(name, blank)
    assert config.hub_cache() == tmp_path / "home" / "hub"
    assert config.token_path() == tmp_path / "home" / "token"
    assert data_cache_dir() == tmp_path / "home" / "crucible_torch"
    assert config.endpoint() == "https://huggingface.co"
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.setenv(name, blank)
    assert config.get_token() is None


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_datasets_offline_follows_hf_hub_offline(server, monkeypatch, blank):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", blank)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(hub.OfflineModeIsEnabled):
        hub.dataset_info("alice/data")
    monkeypatch.setenv("HF_HUB_OFFLINE", blank)
    assert hub.dataset_info("alice/data").id == "alice/data"
    assert server.count() == 1


@pytest.mark.parametrize(
    ("name", "default"), [("CRUCIBLE_TORCH_MAX_RETRY_WAIT", 60.0), ("CRUCIBLE_TORCH_MAX_RETRY_TOTAL", 300.0)]
)
def test_retry_limits_from_env(monkeypatch, name, default):
    from crucible_torch.hub import config

    getter = config.max_retry_wait if name.endswith("WAIT") else config.max_retry_total
    for blank in BLANKS:
        monkeypatch.setenv(name, blank)
        assert getter() == default
    monkeypatch.setenv(name, " 7.5 ")
    assert getter() == 7.5
    monkeypatch.setenv(name, "soon")
    with pytest.raises(ValueError, match=f"{name}='soon' is not a number"):
        getter()
