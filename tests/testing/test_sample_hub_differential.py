"""Differential: the real `datasets` library, pointed at the same sample Hub, resolves the same configs, splits,
row counts and features as the descriptors state, and crucible_torch agrees with it row for row (text content
digests, decoded image sizes and modes, audio bytes).

`datasets` runs in a subprocess with ``HF_ENDPOINT`` set before import, ``HF_HUB_DISABLE_XET=1`` and its own
``HF_HOME``, once for all repos (module-scoped).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dataset_summary import summarize
from sample_hub_fixtures import sampled_configs

import crucible_torch as ct
from crucible_torch.testing import SampleHub
from crucible_torch.testing.sample_specs import sample_specs

pytest.importorskip("datasets")

MAIN_REPOS = [spec.repo_id for spec in sample_specs() if spec.revision == "main"]
EXPORT_REPO = "openslr/librispeech_asr"
EXPORT_KWARGS = {"revision": "refs/convert/parquet"}


def _requests(hub: SampleHub) -> list[dict[str, Any]]:
    gated_without_token = {"repo_id": "Anthropic/hh-rlhf", "kwargs": {}}  # first: nothing of it cached yet
    rest = [{"repo_id": r, "kwargs": {"token": hub[r].token} if hub[r].gated else {}} for r in MAIN_REPOS]
    return [gated_without_token, *rest, {"repo_id": EXPORT_REPO, "kwargs": EXPORT_KWARGS}]


@pytest.fixture(scope="module")
def reference(served: SampleHub, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """`datasets`' summary of every request, keyed by (repo_id, kwargs as JSON)."""
    home = tmp_path_factory.mktemp("datasets-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(
        HF_ENDPOINT=served.url,
        HF_HUB_DISABLE_XET="1",
        HF_HOME=str(home),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        PYTHONPATH=str(Path(__file__).parents[1]),  # the script shares sample_hub_fixtures.sampled_configs
    )
    requests = _requests(served)
    script = Path(__file__).with_name("dataset_summary.py")
    result = subprocess.run(
        [sys.executable, str(script), json.dumps(requests)], env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, f"datasets subprocess failed:\n{result.stderr[-4000:]}"
    summaries = json.loads(result.stdout.strip().splitlines()[-1])
    return {_key(r["repo_id"], r["kwargs"]): s for r, s in zip(requests, summaries, strict=True)}


def _key(repo_id: str, kwargs: dict[str, Any]) -> tuple[str, str]:
    return repo_id, json.dumps(kwargs, sort_keys=True)


@pytest.mark.parametrize("repo_id", MAIN_REPOS)
def test_datasets_agrees_with_descriptor_and_crucible(hub: SampleHub, reference: dict, repo_id: str) -> None:
    repo = hub[repo_id]
    kwargs = {"token": repo.token} if repo.gated else {}
    theirs = reference[_key(repo_id, kwargs)]
    assert "error" not in theirs, f"`datasets` could not load {repo_id} from the sample Hub: {theirs['error']}"
    assert theirs["configs"] == list(repo.configs)
    for config in sampled_configs(list(repo.configs)):
        splits = repo.configs[config]
        assert list(theirs["splits"][config]) == list(splits)
        assert {s: v["rows"] for s, v in theirs["splits"][config].items()} == splits
        assert all(v["features"] == repo.features[config].to_dict() for v in theirs["splits"][config].values())
    assert summarize(ct, repo_id, **kwargs) == theirs


def test_both_refuse_the_gated_repo_without_token(hub: SampleHub, reference: dict) -> None:
    theirs = reference[_key("Anthropic/hh-rlhf", {})]
    ours = summarize(ct, "Anthropic/hh-rlhf")
    assert "gated" in theirs.get("error", "")
    assert ours.get("error", "").startswith("GatedRepoError") and "request access" in ours["error"]


def test_explicit_parquet_revision_resolves_alike(hub: SampleHub, reference: dict) -> None:
    """On ``revision="refs/convert/parquet"`` both libraries apply the default split patterns to the export
    layout (one ``default`` config; ``partial-train.100`` and ``partial-train.500`` both fall under ``train``)."""
    theirs = reference[_key(EXPORT_REPO, EXPORT_KWARGS)]
    assert "error" not in theirs, theirs
    sizes = hub[EXPORT_REPO].configs
    assert {s: v["rows"] for s, v in theirs["splits"]["default"].items()} == {
        "train": sizes["clean"]["train.100"] + sizes["other"]["train.500"],
        "validation": sizes["clean"]["validation"] + sizes["other"]["validation"],
        "test": sizes["clean"]["test"],
    }
    assert summarize(ct, EXPORT_REPO, **EXPORT_KWARGS) == theirs
