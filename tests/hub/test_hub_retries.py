"""Retries, backoff and resume against the server's fault switches: 429/5xx storms, bodies cut mid-way,
Range answered 200, rate-limit waits, connection refused, and sessions after fork."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import requests
from hub_helpers import FakeClock

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
    with http.use_clock(FakeClock()) as clock:
        hub.resolve_repo("alice/data")
    assert [r.status for r in server.requests("GET", "/revision/")] == [429, 200]
    assert clock.sleeps == [1.0]  # "ratelimit: r=0;t=0" means wait t + 1 s


def test_retry_after_is_slept_as_asked_within_the_cap(server):
    server.faults.rate_limit(times=2, retry_after=30, path_contains="/revision/")
    with http.use_clock(FakeClock()) as clock:
        hub.resolve_repo("alice/data")
    assert clock.sleeps == [30.0, 30.0]
    assert [r.status for r in server.requests("GET", "/revision/")] == [429, 429, 200]


@pytest.mark.parametrize(
    ("headers", "asked"),
    [({"Retry-After": "100000"}, "Retry-After: 100000"), ({"RateLimit": '"api";r=0;t=99999'}, "ratelimit:")],
)
def test_a_wait_beyond_the_cap_fails_at_once_naming_the_request(server, headers, asked):
    server.faults.fail(429, times=None, path_contains="/api/", headers=headers)
    with http.use_clock(FakeClock()) as clock, pytest.raises(hub.HfHubHTTPError) as caught:
        hub.dataset_info("alice/data")
    message = str(caught.value)
    assert asked in message and "100000" in message and "CRUCIBLE_TORCH_MAX_RETRY_WAIT=60" in message
    assert caught.value.status_code == 429
    assert clock.sleeps == []  # nothing was slept: the job learns at once
    assert server.count("GET", "/api/") == 1


def test_the_cap_is_configurable(server, monkeypatch):
    monkeypatch.setenv("CRUCIBLE_TORCH_MAX_RETRY_WAIT", "5")
    server.faults.rate_limit(times=1, retry_after=6, path_contains="/api/")
    with http.use_clock(FakeClock()), pytest.raises(hub.HfHubHTTPError, match="MAX_RETRY_WAIT=5 s"):
        hub.dataset_info("alice/data")
    server.reset()
    server.faults.rate_limit(times=1, retry_after=5, path_contains="/api/")
    with http.use_clock(FakeClock()) as clock:
        hub.dataset_info("alice/data")
    assert clock.sleeps == [5.0]


def test_total_retry_time_per_request_is_bounded(server, monkeypatch):
    """Waits each within the cap still stop once one request has spent the total budget retrying."""
    monkeypatch.setenv("CRUCIBLE_TORCH_MAX_RETRY_TOTAL", "100")
    server.faults.rate_limit(times=None, retry_after=40, path_contains="/api/")
    with http.use_clock(FakeClock()) as clock, pytest.raises(hub.HfHubHTTPError) as caught:
        hub.dataset_info("alice/data")
    assert clock.sleeps == [40.0, 40.0]  # a third wait would reach 120 s
    assert "CRUCIBLE_TORCH_MAX_RETRY_TOTAL=100" in str(caught.value) and "Retry-After: 40" in str(caught.value)


def test_a_hub_download_under_a_huge_retry_after_fails_within_the_cap(server, hub_env):
    server.faults.fail(429, times=None, path_contains="/resolve/", headers={"Retry-After": "100000"})
    with http.use_clock(FakeClock()) as clock, pytest.raises(hub.HubError, match="Retry-After: 100000"):
        hub.hf_hub_download("alice/data", "data/train-00000.csv", repo_type="dataset")
    assert sum(clock.sleeps) <= 60
    assert not list(hub_env.glob("*/blobs/*"))


def test_connection_errors_stop_at_the_total_budget(server, monkeypatch):
    """Backoff delays are bounded in total too; the last connection error is raised, not a hang."""
    monkeypatch.setenv("CRUCIBLE_TORCH_HUB_BACKOFF_BASE", "10")
    monkeypatch.setenv("CRUCIBLE_TORCH_MAX_RETRY_TOTAL", "25")
    server.faults.cut_body(after_bytes=0, times=None, listener="cdn")
    with http.use_clock(FakeClock()) as clock, pytest.raises(requests.RequestException):
        hub.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset")
    assert clock.sleeps == [10.0]  # 10 s, then 20 s more would pass 25 s


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
