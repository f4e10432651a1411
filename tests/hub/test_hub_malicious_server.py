"""A Hub (or mirror, or proxy) that lies in its headers or tree listings cannot make the client write outside
its cache: commits must be 40 hex, blob ids 40 or 64 hex, anything else is a HubError naming the header or field
and the repo, and nothing is written. Each test walks the folder around the cache before and after."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety_helpers import paths_under

from crucible_torch import hub

BIG = "blobs/big.bin"  # an LFS file: redirected to the CDN, etag in X-Linked-Etag
SMALL = "data/train-00003.csv"  # a regular file: etag in ETag


@pytest.fixture
def deep_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache three folders below tmp_path, so that even `../../../x` escapes land where the walk looks."""
    cache = tmp_path / "a" / "b" / "c" / "cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def hostile_values(tmp_path: Path, length: int) -> list[str]:
    """Values that are not a hash of ``length`` hex digits, several of which name places outside the cache."""
    return [
        "../../../escaped",
        "../../../../../escaped_far",
        str(tmp_path / "absolute_escape"),
        "sub/dir",
        "..",
        "A" * length,  # uppercase hex: another file name than huggingface_hub's
        "0" * (length - 1),
        "g" * length,
    ]


def assert_nothing_escaped(tmp_path: Path, cache: Path, before: set[Path]) -> None:
    assert paths_under(tmp_path, outside_of=(cache,)) == before
    for kind in ("blobs", "snapshots"):
        assert not list(cache.glob(f"*/{kind}/*")), f"something was written in {kind}/"


@pytest.mark.parametrize("index", range(8))
@pytest.mark.parametrize(
    ("header", "path"), [("ETag", SMALL), ("X-Linked-Etag", BIG), ("X-Repo-Commit", SMALL), ("X-Repo-Commit", BIG)]
)
def test_hostile_download_headers_are_refused(server, deep_cache, tmp_path, header, path, index):
    value = hostile_values(tmp_path, 40 if header == "X-Repo-Commit" else 64)[index]
    quoted = value if header == "X-Repo-Commit" else f'"{value}"'
    server.faults.rewrite_headers({header: quoted}, path_contains="/resolve/")
    before = paths_under(tmp_path, outside_of=(deep_cache,))
    with pytest.raises(hub.HubError) as caught:
        hub.hf_hub_download("alice/data", path, repo_type="dataset")
    message = str(caught.value)
    assert header in message and "alice/data" in message and repr(value) in message
    assert_nothing_escaped(tmp_path, deep_cache, before)


@pytest.mark.parametrize("header", ["ETag", "X-Repo-Commit"])
def test_hostile_headers_are_refused_in_local_dir_mode(server, deep_cache, tmp_path, header):
    value = "../../../escaped"
    server.faults.rewrite_headers({header: f'"{value}"' if header == "ETag" else value}, path_contains="/resolve/")
    out = tmp_path / "out"
    before = paths_under(tmp_path, outside_of=(deep_cache,))
    with pytest.raises(hub.UnsafePathError, match=header):
        hub.hf_hub_download("alice/data", SMALL, repo_type="dataset", local_dir=out)
    assert paths_under(tmp_path, outside_of=(deep_cache,)) == before  # not even local_dir was created


def test_hostile_commit_on_a_missing_file_writes_no_marker(server, deep_cache, tmp_path):
    server.faults.rewrite_headers({"X-Repo-Commit": "../../../escaped"}, path_contains="/resolve/")
    before = paths_under(tmp_path, outside_of=(deep_cache,))
    with pytest.raises(hub.RemoteEntryNotFoundError):
        hub.hf_hub_download("alice/data", "no/such/file.txt", repo_type="dataset")
    assert paths_under(tmp_path, outside_of=(deep_cache,)) == before
    assert not list(deep_cache.glob("*/.no_exist"))


@pytest.mark.parametrize("index", range(8))
@pytest.mark.parametrize("field", ["oid", "lfs_oid"])
def test_hostile_tree_oids_are_refused(server, deep_cache, tmp_path, field, index):
    value = hostile_values(tmp_path, 64)[index]
    server.faults.rewrite_listing(**{field: value})
    before = paths_under(tmp_path, outside_of=(deep_cache,))
    with pytest.raises(hub.UnsafePathError) as caught:
        hub.snapshot_download("alice/data", repo_type="dataset")
    message = str(caught.value)
    assert field.replace("_", ".") in message and "alice/data" in message and repr(value) in message
    assert_nothing_escaped(tmp_path, deep_cache, before)
    assert not list(deep_cache.glob("*/trees/*")), "a hostile listing was cached"


def test_hostile_oid_in_a_cached_listing_is_not_trusted(server, repos, deep_cache, tmp_path):
    """A tree file written by another tool (or tampered with) is re-fetched, not used to name blobs."""
    snap = hub.resolve_repo("alice/data")
    tree = next(deep_cache.glob("*/trees/*.json"))
    tree.write_text(tree.read_text().replace(snap.files[SMALL].blob_id, "../../../escaped"))
    before = paths_under(tmp_path, outside_of=(deep_cache,))
    path = hub.hf_hub_download("alice/data", SMALL, repo_type="dataset", revision=snap.commit)
    assert Path(path).read_bytes() == (repos / "alice" / "data" / SMALL).read_bytes()
    assert paths_under(tmp_path, outside_of=(deep_cache,)) == before


def test_a_valid_etag_is_checked_against_the_bytes(server, deep_cache, tmp_path):
    """With only hash etags accepted, every download is verified by content, never by size alone."""
    server.faults.rewrite_headers({"ETag": '"' + "0" * 40 + '"'}, path_contains="/resolve/")
    with pytest.raises(hub.DownloadIntegrityError, match="git sha1"):
        hub.hf_hub_download("alice/data", SMALL, repo_type="dataset")
    assert not list(deep_cache.glob("*/blobs/*"))
