"""Hub error answers mapped to huggingface_hub's exception names; messages name repo, revision, path."""

from __future__ import annotations

from pathlib import Path

import pytest

from crucible_torch import hub


def test_gated_repo_without_token(server):
    snap = hub.resolve_repo("alice/gated")  # metadata and README are public on gated repos
    assert snap.card_data == {"license": "other"}
    assert Path(snap.download("README.md")["README.md"]).exists()
    with pytest.raises(hub.GatedRepoError) as caught:
        snap.download(["data.csv"])
    message = str(caught.value)
    assert caught.value.status_code == 401
    assert "alice/gated" in message and "data.csv" in message
    assert f"request access at {server.url}/datasets/alice/gated" in message
    assert isinstance(caught.value, hub.RepositoryNotFoundError) and isinstance(caught.value, hub.HubError)


def test_gated_repo_with_token_without_access(server):
    with pytest.raises(hub.GatedRepoError, match="not on the authorized list: request access at") as caught:
        hub.hf_hub_download("alice/gated", "data.csv", repo_type="dataset", token="hf_other")
    assert caught.value.status_code == 403


def test_gated_repo_with_granted_token(server, repos, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    snap = hub.resolve_repo("alice/gated")
    local = snap.download("data.csv")["data.csv"]
    assert Path(local).read_bytes() == (repos / "alice/gated/data.csv").read_bytes()
    assert all(r.headers.get("authorization") == "Bearer hf_granted" for r in server.requests(listener="hub"))


def test_private_repo_is_401_not_found_without_token(server, repos):
    with pytest.raises(hub.RepositoryNotFoundError, match="alice/private") as caught:
        hub.resolve_repo("alice/private")
    assert caught.value.status_code == 401
    assert not isinstance(caught.value, hub.GatedRepoError)
    with pytest.raises(hub.RepositoryNotFoundError) as other:
        hub.resolve_repo("alice/private", token="hf_other")
    assert other.value.status_code == 404
    snap = hub.resolve_repo("alice/private", token="hf_granted")
    assert Path(snap.download("data.csv")["data.csv"]).read_bytes() == b"secret\n1\n"


def test_missing_repo(server):
    with pytest.raises(hub.RepositoryNotFoundError, match="dataset repo 'alice/nope'"):
        hub.resolve_repo("alice/nope")


def test_missing_file_names_repo_revision_and_path(server, hub_env):
    with pytest.raises(hub.EntryNotFoundError) as caught:
        hub.hf_hub_download("alice/data", "data/nope.csv", repo_type="dataset")
    error = caught.value
    assert isinstance(error, hub.RemoteEntryNotFoundError) and error.status_code == 404
    for part in ("alice/data", "'main'", "data/nope.csv"):
        assert part in str(error)
    commit = server.commit("alice/data")
    assert (hub_env / "datasets--alice--data/.no_exist" / commit / "data/nope.csv").is_file()
    found = hub.try_to_load_from_cache("alice/data", "data/nope.csv", repo_type="dataset")
    assert found is hub.CACHED_NO_EXIST
    snap = hub.resolve_repo("alice/data")
    with pytest.raises(hub.EntryNotFoundError, match="no file 'data/nope.csv'"):
        snap.download(["data/nope.csv"])


def test_unknown_revision(server):
    with pytest.raises(hub.RevisionNotFoundError, match="revision 'no-such-branch'") as caught:
        hub.resolve_repo("alice/data", revision="no-such-branch")
    assert caught.value.status_code == 404
    with pytest.raises(hub.RevisionNotFoundError):
        hub.hf_hub_download("alice/data", "README.md", repo_type="dataset", revision="0" * 40)


def test_disabled_repo(server):
    server.set_access("alice/data", disabled=True)
    with pytest.raises(hub.DisabledRepoError, match="disabled"):
        hub.dataset_info("alice/data")


def test_invalid_token_is_not_reported_as_missing_repo(repos):
    from crucible_torch.testing.hub import hub_server

    with hub_server(repos, reject_unknown_tokens=True) as server:
        server.add_token("hf_valid")
        with pytest.raises(hub.HfHubHTTPError, match="token was rejected") as caught:
            hub.dataset_info("alice/data", token="hf_typo")
        assert not isinstance(caught.value, hub.RepositoryNotFoundError)
        assert hub.dataset_info("alice/data", token="hf_valid").id == "alice/data"


def test_invalid_repo_ids_and_types_are_refused_before_any_request(server):
    for bad in ("../etc", "a/b/c", "a--b/c", "", "a/.."):
        with pytest.raises(hub.UnsafePathError):
            hub.resolve_repo(bad)
    with pytest.raises(ValueError, match="repo_type"):
        hub.resolve_repo("alice/data", repo_type="datasets")
    assert server.count() == 0
