"""The local Hub server itself: ranges, headers, deterministic commits, serving an HF cache, the CLI entry."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys

import requests
from hub_helpers import write

from crucible_torch import hub
from crucible_torch.testing.hub import hub_server


def test_ranges_and_headers(server, repos):
    want = (repos / "alice/data/data/train-00019.csv").read_bytes()
    url = server.file_url("alice/data", "data/train-00019.csv")
    whole = requests.get(url)
    assert whole.content == want and whole.headers["X-Repo-Commit"] == server.commit("alice/data")
    git_oid = hashlib.sha1(b"blob %d\0" % len(want) + want).hexdigest()
    assert whole.headers["ETag"] == f'"{git_oid}"'
    part = requests.get(url, headers={"Range": "bytes=5-9"})
    assert part.status_code == 206 and part.content == want[5:10]
    assert part.headers["Content-Range"] == f"bytes 5-9/{len(want)}"
    assert requests.get(url, headers={"Range": "bytes=-4"}).content == want[-4:]
    bad = requests.get(url, headers={"Range": f"bytes={len(want)}-"})
    assert bad.status_code == 416 and bad.headers["Content-Range"] == f"bytes */{len(want)}"
    head = requests.head(url)
    assert head.headers["Content-Length"] == str(len(want)) and head.content == b""


def test_lfs_redirect_headers(server, repos):
    want = (repos / "alice/data/blobs/big.bin").read_bytes()
    head = requests.head(server.file_url("alice/data", "blobs/big.bin"), allow_redirects=False)
    assert head.status_code == 302
    assert head.headers["X-Linked-Etag"] == f'"{hashlib.sha256(want).hexdigest()}"'
    assert head.headers["X-Linked-Size"] == str(len(want))
    assert head.headers["Location"].startswith(server.cdn_url + "/lfs/")
    tampered = head.headers["Location"].replace("sig=", "sig=0")
    assert requests.get(tampered).status_code == 403
    assert requests.get(head.headers["Location"]).content == want


def test_commits_are_a_function_of_content(tmp_path):
    for owner in ("a", "b"):
        write(tmp_path / "r" / owner / "same" / "x.txt", "hello")
        write(tmp_path / "r" / owner / "same" / "d" / "y.txt", "world")
    with hub_server(tmp_path / "r") as server:
        first = server.commit("a/same")
        assert first == server.commit("b/same")
        write(tmp_path / "r" / "a" / "same" / "x.txt", "changed")
        assert server.commit("a/same") != first
        snap = hub.resolve_repo("a/same")
        assert snap.commit == server.commit("a/same")
        assert open(snap.download("x.txt")["x.txt"]).read() == "changed"


def test_serves_an_hf_cache_folder(server, repos, hub_env, tmp_path):
    snap = hub.resolve_repo("alice/data")
    snap.download(["README.md", "blobs/big.bin"])
    parquet = hub.resolve_repo("alice/data", revision="refs/convert/parquet")
    parquet.download(list(parquet.files))
    with hub_server(hub_env, lfs_threshold=10**9, cache_dir=tmp_path / "second-cache") as mirror:
        again = hub.resolve_repo("alice/data")
        assert again.commit == snap.commit and set(again.files) == {"README.md", "blobs/big.bin"}
        assert again.files["blobs/big.bin"].lfs_sha256 == snap.files["blobs/big.bin"].lfs_sha256
        local = again.download(list(again.files))
        assert open(local["blobs/big.bin"], "rb").read() == (repos / "alice/data/blobs/big.bin").read_bytes()
        assert mirror.count("GET", listener="cdn") == 1  # LFS-ness follows the cached blob names
        converted = hub.resolve_repo("alice/data", revision="refs/convert/parquet")
        assert converted.commit == parquet.commit
        refs = hub.list_repo_refs("alice/data", repo_type="dataset")
        assert [r.ref for r in refs.converts] == ["refs/convert/parquet"]


def test_tree_of_a_missing_folder_and_json_paths_info(server):
    try:
        list(hub.list_repo_tree("alice/data", "no/such/dir", repo_type="dataset"))
        raise AssertionError("expected EntryNotFoundError")
    except hub.EntryNotFoundError as e:
        assert "alice/data" in str(e)
    url = f"{server.url}/api/datasets/alice/data/paths-info/main"
    got = requests.post(url, json={"paths": ["README.md", "nope"]}).json()
    assert [item["path"] for item in got] == ["README.md"]


def test_mirror_serve_runs_until_interrupted(repos):
    command = [sys.executable, "-m", "crucible_torch", "mirror", "serve", str(repos), "--port", "0"]
    child = subprocess.Popen([*command, "--lfs-threshold", "1000"], stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        info = hub.dataset_info("alice/data", endpoint=url)
        assert info.id == "alice/data" and info.card_data["license"] == "mit"
    finally:
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
