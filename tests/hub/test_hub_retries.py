"""Retries, backoff and resume against the server's fault switches: 429/5xx storms, bodies cut mid-way,
Range answered 200, rate-limit waits, connection refused, and sessions after fork."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import requests

from crucible_torch import hub
from crucible_torch.hub import http


def read(repos: Path, path: str) -> bytes:
    return (repos / "alice" / "data" / path).read_bytes()


def test_429_storm_on_info_and_files_is_survived(server, repos):
    server.faults.rate_limit(times=4, path_contains="/revision/")
    server.faults.rate_limit(times=3, path_contains="/resolve/")
    snap = hub.resolve_repo("alice/data")
    local = snap.download(["data/train-00000.csv", "data/train-00001.csv"], max_workers=1)
    assert [r.status for r in server.requests("GET", "/revision/")] == [429] * 4 + [200]
    resolves = server.requests("GET", "/resolve/")
    assert [r.status for r in resolves] == [429] * 3 + [200, 200]
    assert Path(local["data/train-00001.csv"]).read_bytes() == read(repos, "data/train-00001.csv")


def test_5xx_until_retries_are_exhausted(server):
    server.faults.fail(503, times=None, path_contains="/revision/")
    with pytest.raises(hub.HfHubHTTPError, match="503") as caught:
        hub.resolve_repo("alice/data")
    assert caught.value.status_code == 503
    assert server.count("GET", "/revision/") == 1 + http.MAX_RETRIES


def test_rate_limit_header_wait_is_honoured(server):
    server.faults.rate_limit(times=1, retry_after=None, ratelimit_reset=0, path_contains="/revision/")
    hub.resolve_repo("alice/data")
    first, second = server.requests("GET", "/revision/")
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 1.0  # "ratelimit: r=0;t=0" means wait t + 1 s


def test_server_wait_reads_retry_after_and_ratelimit():
    def answer(status: int, headers: dict[str, str]) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        return response

    assert http.server_wait(answer(429, {"ratelimit": '"api";r=0;t=55'})) == 56
    assert http.server_wait(answer(429, {"ratelimit": '"api";r=3;t=55', "Retry-After": "7"})) == 7
    assert http.server_wait(answer(503, {"Retry-After": "2"})) == 2
    assert http.server_wait(answer(503, {})) is None


def test_cut_mid_file_resumes_with_range_on_the_hub(server, repos):
    path = "data/train-00019.csv"
    size = len(read(repos, path))
    server.faults.cut_body(after_bytes=10, times=3, path_contains=path)
    snap = hub.resolve_repo("alice/data")
    local = snap.download(path)[path]
    assert Path(local).read_bytes() == read(repos, path)
    gets = server.requests("GET", path)
    assert [r.headers.get("range") for r in gets] == [None, "bytes=10-", "bytes=20-", "bytes=30-"]
    assert [r.status for r in gets] == [200, 206, 206, 206]
    assert size > 30


def test_cut_mid_lfs_file_resumes_on_the_cdn(server, repos):
    server.faults.cut_body(after_bytes=100_000, listener="cdn")
    path = hub.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset")
    assert Path(path).read_bytes() == read(repos, "blobs/big.bin")
    cdn = server.requests("GET", listener="cdn")
    assert [r.headers.get("range") for r in cdn] == [None, "bytes=100000-"]
    assert [r.status for r in cdn] == [200, 206]


def test_range_answered_200_restarts_the_body(server, repos):
    server.faults.cut_body(after_bytes=50_000, listener="cdn")
    server.faults.ignore_range(path_contains="/lfs/")
    path = hub.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset")
    assert Path(path).read_bytes() == read(repos, "blobs/big.bin")
    cdn = server.requests("GET", listener="cdn")
    assert [(r.headers.get("range"), r.status) for r in cdn] == [(None, 200), ("bytes=50000-", 200)]


def test_endless_cuts_fail_cleanly_leaving_nothing(server, hub_env):
    server.faults.cut_body(after_bytes=0, times=None, listener="cdn")  # no progress: retries run out
    with pytest.raises(requests.RequestException):
        hub.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset")
    assert server.count("GET", listener="cdn") == 1 + http.MAX_RETRIES
    blobs = hub_env / "datasets--alice--data" / "blobs"
    assert list(blobs.iterdir()) == []
    assert hub.try_to_load_from_cache("alice/data", "blobs/big.bin", repo_type="dataset") is None


def test_unreachable_hub_falls_back_to_cache(server, repos):
    cached = hub.hf_hub_download("alice/data", "README.md", repo_type="dataset")
    hub.resolve_repo("alice/data")
    server.stop()
    assert hub.hf_hub_download("alice/data", "README.md", repo_type="dataset") == cached
    assert hub.resolve_repo("alice/data").files["README.md"].size == len(read(repos, "README.md"))
    with pytest.raises(hub.LocalEntryNotFoundError, match="Could not reach the Hub"):
        hub.hf_hub_download("alice/data", "data/train-00000.csv", repo_type="dataset")


def _download_in_child(queue, parent_session) -> None:
    try:
        fresh = http.get_session() is not parent_session
        path = hub.hf_hub_download("alice/data", "data/train-00002.csv", repo_type="dataset")
        queue.put((fresh, Path(path).read_bytes()))
    except BaseException as e:  # report, do not hang the parent
        queue.put((False, repr(e).encode()))


def test_forked_child_gets_its_own_session(server, repos):
    hub.resolve_repo("alice/data")
    parent_session = http.get_session()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_download_in_child, args=(queue, parent_session))
    child.start()
    fresh, data = queue.get(timeout=30)
    child.join(timeout=30)
    assert fresh and data == read(repos, "data/train-00002.csv")
    assert http.get_session() is parent_session
