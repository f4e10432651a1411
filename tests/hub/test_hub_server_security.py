"""The Hub server as a mirror others can reach: it never serves a file whose real path leaves the served root,
and with required tokens it answers nothing, not even which repos exist, to a request without one. Checked with
the real ``huggingface_hub`` client as well as plain HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from hub_helpers import run_python, write

from crucible_torch import hub
from crucible_torch.hub.server import HubServer

huggingface_hub = pytest.importorskip("huggingface_hub")
SECRET = b"private key material that must never leave this machine\n"


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """``root/alice/data`` with good files and links: out of the root (a file, a folder), inside it, a loop."""
    root = tmp_path / "root"
    data = root / "alice" / "data"
    write(data / "README.md", "---\nlicense: mit\n---\n")
    write(data / "data" / "train.csv", "a\n1\n")
    write(root / "alice" / "other" / "shared.csv", "a\n2\n")
    write(tmp_path / "outside" / "id_rsa", SECRET)
    write(tmp_path / "outside" / "keys" / "token.txt", SECRET)
    os.symlink(tmp_path / "outside" / "id_rsa", data / "leak.txt")
    os.symlink(tmp_path / "outside" / "keys", data / "keys")
    os.symlink(Path("..") / ".." / ".." / "outside" / "id_rsa", data / "data" / "relative-leak.csv")
    os.symlink(root / "alice" / "other" / "shared.csv", data / "data" / "shared.csv")  # inside the root: served
    os.symlink(data, data / "data" / "loop")  # back to an ancestor: not followed forever
    return root


def test_links_out_of_the_root_are_neither_listed_nor_served(planted: Path, tmp_path: Path) -> None:
    with HubServer(planted) as server:
        api = huggingface_hub.HfApi(endpoint=server.url, token=False)
        files = set(api.list_repo_files("alice/data", repo_type="dataset"))
        assert files == {"README.md", "data/train.csv", "data/shared.csv"}
        for name in ("leak.txt", "keys/token.txt", "data/relative-leak.csv"):
            with pytest.raises(huggingface_hub.errors.EntryNotFoundError):
                huggingface_hub.hf_hub_download(
                    "alice/data", name, repo_type="dataset", endpoint=server.url, cache_dir=tmp_path / "c", token=False
                )
            answer = requests.get(server.file_url("alice/data", name))
            assert answer.status_code == 404 and SECRET not in answer.content
        local = huggingface_hub.snapshot_download(
            "alice/data", repo_type="dataset", endpoint=server.url, cache_dir=tmp_path / "c", token=False
        )
        assert Path(local, "data", "shared.csv").read_text() == "a\n2\n"
        everything = b"".join(p.read_bytes() for p in Path(local).rglob("*") if p.is_file())
        assert SECRET not in everything
        tree = requests.get(f"{server.url}/api/datasets/alice/data/tree/main?recursive=true").json()
        assert not any("leak" in item["path"] or item["path"].startswith("keys") for item in tree)


def test_an_hf_cache_is_served_through_its_links_but_not_a_planted_one(
    server: HubServer, repos: Path, hub_env: Path, tmp_path: Path
) -> None:
    snapshot = hub.resolve_repo("alice/data")
    snapshot.download(["README.md", "blobs/big.bin"])
    write(tmp_path / "outside" / "secret", SECRET)
    os.symlink(tmp_path / "outside" / "secret", hub_env / "datasets--alice--data" / "snapshots" / snapshot.commit / "x")
    with HubServer(hub_env, lfs_threshold=10**9) as mirror:
        api = huggingface_hub.HfApi(endpoint=mirror.url, token=False)
        assert set(api.list_repo_files("alice/data", repo_type="dataset")) == {"README.md", "blobs/big.bin"}
        local = huggingface_hub.hf_hub_download(
            "alice/data", "blobs/big.bin", repo_type="dataset", endpoint=mirror.url, cache_dir=tmp_path / "c2"
        )
        assert Path(local).read_bytes() == (repos / "alice/data/blobs/big.bin").read_bytes()
        assert requests.get(mirror.file_url("alice/data", "x", snapshot.commit)).status_code == 404


@pytest.fixture
def guarded(repos: Path):
    with HubServer(repos, lfs_threshold=64 * 1024, required_tokens=["tok-one", "tok-two"]) as server:
        yield server


@pytest.mark.parametrize(
    "path",
    [
        "/api/datasets/alice/data",
        "/api/datasets/nobody/missing",
        "/api/datasets/alice/data/tree/main?recursive=true",
        "/datasets/alice/data/resolve/main/README.md",
        "/datasets/nobody/missing/resolve/main/README.md",
        "/api/whoami-v2",
    ],
)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Bearer ", "Basic dG9rLW9uZTo=", "tok-one"])
def test_without_a_valid_token_every_request_gets_the_same_401(guarded: HubServer, path: str, auth: str | None):
    headers = {"Authorization": auth} if auth is not None else {}
    answer = requests.get(guarded.url + path, headers=headers, allow_redirects=False)
    assert answer.status_code == 401
    reference = requests.get(guarded.url + "/api/datasets/alice/data")
    assert answer.content == reference.content  # the same bytes whether the repo exists or not
    leaked = answer.content.decode() + " ".join(f"{k}: {v}" for k, v in answer.headers.items())
    assert "alice" not in leaked and "nobody" not in leaked and "X-Repo-Commit" not in answer.headers


def test_huggingface_hub_with_a_token_uses_the_mirror(guarded: HubServer, repos: Path, tmp_path: Path) -> None:
    api = huggingface_hub.HfApi(endpoint=guarded.url, token="tok-two")
    assert api.dataset_info("alice/data").card_data["license"] == "mit"
    local = huggingface_hub.snapshot_download(
        "alice/data", repo_type="dataset", endpoint=guarded.url, token="tok-two", cache_dir=tmp_path / "c",
        allow_patterns=["README.md", "blobs/*"],
    )  # fmt: skip
    assert Path(local, "blobs", "big.bin").read_bytes() == (repos / "alice/data/blobs/big.bin").read_bytes()
    assert guarded.count("GET", listener="cdn") == 1  # the LFS file came through the signed redirect
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError) as refused:
        huggingface_hub.HfApi(endpoint=guarded.url, token=False).dataset_info("alice/data")
    assert refused.value.response.status_code == 401
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError):
        huggingface_hub.HfApi(endpoint=guarded.url, token="tok-three").dataset_info("alice/data")


def test_our_client_and_datasets_use_a_guarded_mirror(guarded: HubServer, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_ENDPOINT", guarded.url)
    monkeypatch.setenv("HF_TOKEN", "tok-one")
    snapshot = hub.resolve_repo("alice/data")
    assert open(snapshot.download("data/train-00003.csv")["data/train-00003.csv"]).read().startswith("a,b\n3,0")
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(hub.HfHubHTTPError) as refused:
        hub.resolve_repo("alice/data", revision="refs/pr/1")
    assert refused.value.status_code == 401 and "token" in str(refused.value).lower()
    done = run_python(
        """
        import datasets
        ds = datasets.load_dataset("alice/data", split="train", token="tok-two")
        print(len(ds))
        """,
        env={
            "HF_ENDPOINT": guarded.url,
            "HF_DATASETS_CACHE": str(tmp_path / "ds"),
            "HF_HUB_CACHE": str(tmp_path / "h"),
        },
        timeout=240,
    )
    assert done.stdout.split()[-1] == str(sum(i + 1 for i in range(20)))


def test_tokens_are_compared_whole(repos: Path) -> None:
    url_path = "/api/datasets/alice/data"
    with HubServer(repos, required_tokens=["abcdef"]) as server:
        for token in ("abcde", "abcdefg", "ABCDEF", "abcdef0"):
            answer = requests.get(server.url + url_path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, token
        ok = requests.get(server.url + url_path, headers={"Authorization": "Bearer abcdef"})
        assert ok.status_code == 200 and ok.json()["id"] == "alice/data"
