"""The cache is never poisoned: killed downloads, concurrent processes, unsafe names, integrity checks."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from safety_helpers import killed_mid_write, needs_fsize_limit

from crucible_torch import hub
from crucible_torch.hub.errors import DownloadIntegrityError
from crucible_torch.hub.transfer import Expected, download_to_file

BIG = "blobs/big.bin"


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def download_script(path: str, gate: Path | None = None) -> list[str]:
    code = f"""
        import os, time
        from crucible_torch import hub
        gate = {str(gate) if gate else None!r}
        while gate and not os.path.exists(gate):
            time.sleep(0.005)
        print(hub.hf_hub_download("alice/data", {path!r}, repo_type="dataset"))
    """
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_killed_download_is_never_taken_as_complete(server, repos, hub_env):
    want = (repos / "alice/data" / BIG).read_bytes()
    sha256 = hashlib.sha256(want).hexdigest()
    blobs = hub_env / "datasets--alice--data" / "blobs"
    server.faults.stall_body(after_bytes=100_000, listener="cdn")
    child = subprocess.Popen(download_script(BIG), env=dict(os.environ))
    try:
        wait_for(lambda: any(p.stat().st_size == 100_000 for p in blobs.glob("*.incomplete")))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    partial = [p.name for p in blobs.iterdir()]
    assert len(partial) == 1 and re.fullmatch(rf"{sha256}\.[0-9a-f]{{8}}\.incomplete", partial[0])
    assert hub.try_to_load_from_cache("alice/data", BIG, repo_type="dataset") is None
    server.faults.clear()

    path = hub.hf_hub_download("alice/data", BIG, repo_type="dataset")
    assert Path(path).read_bytes() == want
    assert (blobs / sha256).read_bytes() == want
    assert hub.scan_cache().incomplete_files == (blobs / partial[0],)


def concurrent_downloads(server, repos, hub_env, tmp_path, processes: int, locks: bool) -> None:
    """``processes`` processes download one LFS file at once; exactly one correct blob must result."""
    want = (repos / "alice/data" / BIG).read_bytes()
    server.faults.slow_body(0.01, listener="cdn")
    gate = tmp_path / "go"
    children = [
        subprocess.Popen(download_script(BIG, gate), env=dict(os.environ), stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    gate.touch()
    outputs = [child.communicate(timeout=60)[0].strip() for child in children]
    assert [child.returncode for child in children] == [0] * processes
    assert len(set(outputs)) == 1 and Path(outputs[0]).read_bytes() == want
    blobs = sorted(p.name for p in (hub_env / "datasets--alice--data" / "blobs").iterdir())
    assert blobs == [hashlib.sha256(want).hexdigest()]
    downloads = server.count("GET", listener="cdn")
    assert downloads == 1 if locks else 1 <= downloads <= processes


@pytest.mark.parametrize("locks", [True, False], ids=["locks", "no-op-locks"])
def test_four_processes_produce_one_correct_blob(server, repos, hub_env, tmp_path, monkeypatch, locks):
    if not locks:
        monkeypatch.setenv("CRUCIBLE_TORCH_HUB_NO_LOCKS", "1")
    concurrent_downloads(server, repos, hub_env, tmp_path, 4, locks)


@pytest.mark.slow
def test_many_rounds_of_sixteen_unlocked_processes(server, repos, hub_env, tmp_path, monkeypatch):
    monkeypatch.setenv("CRUCIBLE_TORCH_HUB_NO_LOCKS", "1")
    for _ in range(5):
        if (hub_env / "datasets--alice--data").exists():
            hub.delete_repo("alice/data")
        server.reset()
        (tmp_path / "go").unlink(missing_ok=True)
        concurrent_downloads(server, repos, hub_env, tmp_path, 16, locks=False)


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "data/../../evil", "/etc/passwd", "a\\..\\evil", "a\x00b", "C:evil", "./x", "a//b", ""],
)
def test_unsafe_file_names_are_refused_before_any_request(server, hub_env, tmp_path, name):
    with pytest.raises(hub.UnsafePathError):
        hub.hf_hub_download("alice/data", name, repo_type="dataset")
    with pytest.raises(hub.UnsafePathError):
        hub.hf_hub_download("alice/data", name, repo_type="dataset", local_dir=tmp_path / "out")
    assert server.count() == 0
    assert not hub_env.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../../evil.txt", "data/../../../evil", "/abs.txt", "dir\\..\\evil"])
def test_unsafe_name_in_listing_is_refused_and_nothing_written(server, hub_env, tmp_path, name):
    server.inject_listing_entry("alice/data", name)
    with pytest.raises(hub.UnsafePathError, match="alice/data"):
        hub.resolve_repo("alice/data")
    with pytest.raises(hub.UnsafePathError):
        hub.snapshot_download("alice/data", repo_type="dataset", local_dir=tmp_path / "out")
    assert not hub_env.exists() and not (tmp_path / "out").exists()


def test_backslash_file_on_the_server_is_refused(server, repos, hub_env):
    (repos / "alice" / "data" / "evil\\name.txt").write_text("x")
    with pytest.raises(hub.UnsafePathError, match="backslash"):
        hub.resolve_repo("alice/data")
    assert not hub_env.exists()


@pytest.mark.parametrize(
    "expected",
    [Expected(size=5), Expected(sha256="0" * 64), Expected(size=4, git_sha1="1" * 40)],
    ids=["size", "sha256", "git-sha1"],
)
def test_integrity_mismatch_leaves_nothing(server, tmp_path, expected):
    dest = tmp_path / "blobs" / "x"
    with pytest.raises(DownloadIntegrityError, match="Consistency check failed"):
        download_to_file(server.file_url("alice/data", "data/train-00000.csv"), dest, expected=expected)
    assert list(dest.parent.iterdir()) == []


def test_copies_instead_of_symlinks_when_disabled(server, repos, monkeypatch):
    monkeypatch.setenv("HF_HUB_DISABLE_SYMLINKS", "1")
    path = Path(hub.hf_hub_download("alice/data", "README.md", repo_type="dataset"))
    assert not path.is_symlink() and path.read_bytes() == (repos / "alice/data/README.md").read_bytes()


def test_snapshot_entries_are_relative_symlinks(server, hub_env):
    path = Path(hub.hf_hub_download("alice/data", "data/train-00005.csv", repo_type="dataset"))
    target = os.readlink(path)
    assert target.startswith("../../../blobs/") and path.resolve().parent == hub_env / "datasets--alice--data/blobs"


@needs_fsize_limit
@pytest.mark.parametrize("path", [BIG, "data/train-00019.csv"], ids=["lfs", "regular"])
def test_download_killed_mid_write_leaves_no_blob(server, repos, hub_env, path):
    """The kernel kills the downloading process in the middle of writing the blob."""
    killed_mid_write(lambda: hub.hf_hub_download("alice/data", path, repo_type="dataset"), 100)
    assert [p.name for p in hub_env.glob("*/blobs/*") if not p.name.endswith(".incomplete")] == []
    assert hub.try_to_load_from_cache("alice/data", path, repo_type="dataset") is None
    local = hub.hf_hub_download("alice/data", path, repo_type="dataset")
    assert Path(local).read_bytes() == (repos / "alice/data" / path).read_bytes()


@needs_fsize_limit
@pytest.mark.parametrize("previous", [False, True], ids=["fresh", "over-previous"])
def test_local_dir_record_killed_mid_write_is_absent_or_previous(server, repos, tmp_path, previous):
    """The file (8 bytes) fits under the limit; its metadata record (~100 bytes) is cut in the middle."""
    out = tmp_path / "out"
    path = "data/train-00000.csv"
    record = out / ".cache" / "huggingface" / "download" / "data" / "train-00000.csv.metadata"
    before = None
    if previous:
        hub.hf_hub_download("alice/data", path, repo_type="dataset", local_dir=out)
        before = record.read_bytes()

    def download() -> None:
        hub.hf_hub_download("alice/data", path, repo_type="dataset", local_dir=out, force_download=True)

    killed_mid_write(download, 50)
    if previous:
        assert record.read_bytes() == before
    else:
        assert not record.exists()
    assert (out / path).read_bytes() == (repos / "alice/data" / path).read_bytes()
