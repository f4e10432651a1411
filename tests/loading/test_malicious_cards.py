"""A dataset card (README.md YAML) is written by whoever controls the repo: its config names, split names,
``data_dir`` and ``data_files`` must never make ``load_dataset`` read or write outside the dataset and the caches.

Each hostile card is loaded from a local folder and from a Hub repo (the project's server) without naming a
config; the load must fail with an error naming the dataset, the card field and the value, and a walk of the
folder around the caches must find nothing new outside them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safety_helpers import paths_under

from crucible_torch import load_dataset
from crucible_torch.errors import DatasetCardError
from crucible_torch.testing.hub import hub_server

ESCAPES = ["../../../escaped", "a/../../../escaped", "/abs/escaped", "C:/escaped", "C:escaped", "~/escaped"]
NAMES = ["../../../escaped_cfg", "..", "a/b", "a\\b", "C:cfg", "a\x00b", ""]


def card(config: dict) -> str:
    """A README whose only config is ``config`` (as JSON, which is YAML: exact strings, NUL included)."""
    return f"---\nconfigs:\n- {json.dumps(config)}\n---\n# hostile\n"


CASES = (
    [("config_name", {"config_name": v, "data_files": "data/*.csv"}, v) for v in NAMES]
    + [("data_dir", {"config_name": "default", "data_dir": v}, v) for v in [*ESCAPES, "a\\b", "a\x00b"]]
    + [("data_files", {"config_name": "default", "data_files": f"{v}/*.csv"}, f"{v}/*.csv") for v in ESCAPES]
    + [
        ("data_files", {"config_name": "default", "data_files": ["data/*.csv", f"{v}.csv"]}, f"{v}.csv")
        for v in ESCAPES
    ]
    + [
        ("data_files", {"config_name": "default", "data_files": [{"split": "train", "path": v}]}, v)
        for v in ["../../x.csv", "/x.csv", "d\x00.csv", "d\\x.csv"]
    ]
    + [
        ("data_files", {"config_name": "default", "data_files": [{"split": s, "path": "data/*.csv"}]}, s)
        for s in ["../../../escaped_split", "a/b", "a\x00b", "C:x", ".."]
    ]
)
IDS = [f"{field}={value!r}" for field, _, value in CASES]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A dataset folder with data, something worth stealing next to it, and caches deep enough that
    `../../../x` escapes from them stay inside tmp_path (where the walk looks)."""
    root = tmp_path / "ds"
    (root / "data").mkdir(parents=True)
    (root / "data" / "train.csv").write_text("a,b\n1,2\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.csv").write_text("secret\n42\n")
    prepared = tmp_path / "x" / "y" / "z" / "prepared"
    hub_cache = tmp_path / "x" / "y" / "z" / "hub"
    prepared.parent.mkdir(parents=True)
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(prepared))
    monkeypatch.setenv("HF_HUB_CACHE", str(hub_cache))
    return {"root": root, "prepared": prepared, "hub": hub_cache, "tmp": tmp_path}


def check_refused(load, sandbox: dict[str, Path], field: str, value: str, where: str) -> None:
    caches = (sandbox["prepared"], sandbox["hub"])
    before = paths_under(sandbox["tmp"], outside_of=caches)
    with pytest.raises(DatasetCardError) as caught:
        load()
    message = str(caught.value)
    assert where in message and field in message and repr(value) in message, message
    assert paths_under(sandbox["tmp"], outside_of=caches) == before
    assert not list(sandbox["prepared"].rglob("*.arrow")), "a split was prepared from a hostile card"


@pytest.mark.parametrize(("field", "config", "value"), CASES, ids=IDS)
def test_hostile_card_in_a_local_folder(sandbox, field, config, value):
    root = sandbox["root"]
    (root / "README.md").write_text(card(config), encoding="utf-8")
    check_refused(lambda: load_dataset(str(root)), sandbox, field, value, str(root))


@pytest.mark.parametrize(("field", "config", "value"), CASES, ids=IDS)
def test_hostile_card_in_a_hub_repo(sandbox, field, config, value):
    repo = sandbox["tmp"] / "repos" / "mallory" / "card"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "train.csv").write_text("a,b\n1,2\n")
    (repo / "README.md").write_text(card(config), encoding="utf-8")
    with hub_server(sandbox["tmp"] / "repos", cache_dir=sandbox["hub"]):
        check_refused(lambda: load_dataset("mallory/card"), sandbox, field, value, "mallory/card")


def test_a_safe_card_still_loads(sandbox):
    """The checks refuse only what leaves the dataset: `./`, trailing `/` and nested folders are fine."""
    root = sandbox["root"]
    config = {"config_name": "plain.name-1", "data_dir": "data/", "data_files": [{"split": "train", "path": "./*.csv"}]}
    (root / "README.md").write_text(card(config), encoding="utf-8")
    ds = load_dataset(str(root), split="train")
    assert ds.to_list() == [{"a": 1, "b": 2}]
    assert list(sandbox["prepared"].rglob("train.arrow"))
