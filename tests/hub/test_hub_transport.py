"""Redirects and credentials, RemoteFile ranged reads (with pyarrow), iter_url_bytes, and token hygiene."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from crucible_torch import hub
from crucible_torch.testing.hub import hub_server

BIG = "blobs/big.bin"


def test_token_goes_to_the_hub_but_never_to_the_cdn(server, repos, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    hub.hf_hub_download("alice/data", BIG, repo_type="dataset")  # HEAD, then GET of the CDN location
    snap = hub.resolve_repo("alice/data")
    Path(snap.download(BIG, force_download=True)[BIG]).read_bytes()  # GET resolve -> 302 -> CDN
    with hub.RemoteFile(snap.url(BIG), headers=snap.auth_headers()) as f:
        f.read(10)
    hub_side = server.requests(listener="hub")
    cdn_side = server.requests(listener="cdn")
    assert hub_side and all(r.headers.get("authorization") == "Bearer hf_granted" for r in hub_side)
    assert len(cdn_side) >= 3 and all("authorization" not in r.headers for r in cdn_side)
    assert {r.status for r in server.requests("GET", "/resolve/")} == {302}


def test_relative_redirect_of_a_renamed_repo_keeps_the_token(server, repos):
    server.rename("alice/old-name", "alice/data")
    snap = hub.resolve_repo("alice/old-name", token="hf_granted")
    assert snap.commit == server.commit("alice/data")
    local = snap.download("README.md")["README.md"]
    assert Path(local).read_bytes() == (repos / "alice/data/README.md").read_bytes()
    moved = server.requests(path_contains="/alice/data/", listener="hub")
    assert {r.path.split("/")[2] for r in server.requests(status=307)} >= {"datasets"}
    assert moved and all(r.headers.get("authorization") == "Bearer hf_granted" for r in moved)


def test_remote_file_random_reads_match_the_file(server, repos):
    want = (repos / "alice/data" / BIG).read_bytes()
    snap = hub.resolve_repo("alice/data")
    rng = random.Random(0)
    with hub.RemoteFile(snap.url(BIG), size=snap.files[BIG].size, block_size=32 * 1024) as f:
        assert f.seekable() and f.readable() and f.size == len(want)
        for _ in range(40):
            offset, length = rng.randrange(len(want)), rng.randrange(1, 70_000)
            assert f.seek(offset) == offset
            assert f.read(length) == want[offset : offset + length]
            assert f.tell() == min(len(want), offset + length)
        f.seek(-5, 2)
        assert f.read() == want[-5:] and f.read(1) == b""


def test_remote_file_reads_ahead_and_remembers_the_cdn_location(server, repos):
    want = (repos / "alice/data" / BIG).read_bytes()
    snap = hub.resolve_repo("alice/data")
    server.reset()
    with hub.RemoteFile(snap.url(BIG), size=len(want), block_size=100_000) as f:
        got = b"".join(f.read(1000) for _ in range(100))  # 100 small reads inside the first block
        assert got == want[:100_000]
        assert f.read(150_000) == want[100_000:250_000]
    assert server.count("GET", "/resolve/") == 1  # the signed CDN URL is reused for the second block
    assert [r.headers["range"] for r in server.requests("GET", listener="cdn")] == [
        "bytes=0-99999",
        "bytes=100000-249999",
    ]


def test_remote_file_probes_size_and_resumes_after_a_cut(server, repos):
    want = (repos / "alice/data" / BIG).read_bytes()
    server.faults.cut_body(after_bytes=7000, listener="cdn")
    with hub.RemoteFile(server.file_url("alice/data", BIG)) as f:
        assert f.size == len(want)
        assert f.read(20_000) == want[:20_000]
    ranges = [r.headers.get("range") for r in server.requests("GET", listener="cdn")]
    assert ranges == ["bytes=0-299999", "bytes=7000-299999"]  # the 2 MiB read-ahead stops at the end


def test_remote_file_goes_back_to_the_hub_when_the_signed_url_expires(repos):
    with hub_server(repos, lfs_threshold=1024) as server:
        want = (repos / "alice/data" / BIG).read_bytes()
        with hub.RemoteFile(server.file_url("alice/data", BIG), size=len(want), block_size=1000) as f:
            assert f.read(10) == want[:10]
            server.expire_signed_urls()  # the URL's lifetime passes (no clock involved)
            f.seek(200_000)
            assert f.read(10) == want[200_000:200_010]
        assert server.count("GET", listener="cdn", status=403) == 1
        assert server.count("GET", "/resolve/") == 2


def test_parquet_footer_and_one_row_group_over_http(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"i": list(range(80_000)), "s": [f"row {i:06d}" for i in range(80_000)]})
    repo = tmp_path / "repos" / "alice" / "pq"
    repo.mkdir(parents=True)
    pq.write_table(table, repo / "data.parquet", row_group_size=10_000, compression="none")
    size = (repo / "data.parquet").stat().st_size
    with hub_server(tmp_path / "repos", lfs_threshold=1024) as server:
        snap = hub.resolve_repo("alice/pq")
        with hub.RemoteFile(snap.url("data.parquet"), size=snap.files["data.parquet"].size, block_size=64 * 1024) as f:
            parquet = pq.ParquetFile(f)
            assert parquet.metadata.num_row_groups == 8
            assert parquet.read_row_group(3).equals(table.slice(30_000, 10_000))
        fetched = 0
        for record in server.requests("GET", listener="cdn"):
            first, last = record.headers["range"].removeprefix("bytes=").split("-")
            fetched += int(last) - int(first) + 1
        assert fetched < size / 2


def test_iter_url_bytes_resumes(server, repos):
    want = (repos / "alice/data" / BIG).read_bytes()
    server.faults.cut_body(after_bytes=123_456, listener="cdn")
    got = b"".join(hub.iter_url_bytes(server.file_url("alice/data", BIG), chunk_size=10_000))
    assert got == want
    assert [r.headers.get("range") for r in server.requests("GET", listener="cdn")] == [None, "bytes=123456-"]


def test_token_never_appears_in_logs(server, caplog, monkeypatch):
    secret = "hf_secret_token_value_123"
    server.set_access("alice/data", tokens={secret})
    monkeypatch.setenv("HF_TOKEN", secret)
    server.faults.rate_limit(times=2, path_contains="/revision/")
    server.faults.cut_body(after_bytes=1000, listener="cdn")
    with caplog.at_level(logging.DEBUG):
        snap = hub.resolve_repo("alice/data")
        snap.download([BIG, "README.md"])
        with pytest.raises(hub.RemoteEntryNotFoundError) as caught:
            hub.hf_hub_download("alice/data", "nope.txt", repo_type="dataset")
    assert "Retrying" in caplog.text
    assert secret not in caplog.text and secret not in str(caught.value) and secret not in repr(snap)
