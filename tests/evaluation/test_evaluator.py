"""The evaluator over real datasets (sample Hub over HTTP, JSON files): DataLoader batches, run metadata with the
commit, resumption after an exception and after a SIGKILL, equal results with workers; and the exports read
back by both libraries with their Features."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import datasets as hf
import pyarrow.parquet as pq
import pytest
import sacrebleu

from crucible_torch import Dataset, load_dataset
from crucible_torch.cookbook.answers import gsm8k_answer
from crucible_torch.evaluation import ResultStore, evaluate, export_results, summary_table
from crucible_torch.testing import SampleHub, build_sample_hub, sample_hub_server

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleHub]:
    root = tmp_path_factory.mktemp("hub")
    repos = build_sample_hub(root, only=["openai/gsm8k", "cais/mmlu"])
    with sample_hub_server(root, repos=repos, fresh_cache=True) as served:
        yield served


def _qa_files(tmp_path: Path, n: int = 23) -> Path:
    path = tmp_path / "qa.jsonl"
    rows = [{"id": f"q{i}", "question": f"what is {i} plus {i}", "answer": f"{2 * i}"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _echo_number(batch: dict) -> list[str]:
    """A predictor that is right on even rows: it answers 2i for 'what is i plus i' when i is even, else 0."""
    numbers = [int(q.split()[2]) for q in batch["question"]]
    return [str(2 * n) if n % 2 == 0 else "0" for n in numbers]


def test_gsm8k_run_has_the_commit_and_the_scores_computed_independently(hub: SampleHub, tmp_path: Path) -> None:
    ds = load_dataset("openai/gsm8k", "main", split="test")
    seen_batches: list[int] = []

    def predict(batch: dict) -> list[str]:
        seen_batches.append(len(batch["question"]))
        return [f"The answer is\n#### {gsm8k_answer(a)}" if i % 3 else "#### -1" for i, a in enumerate(batch["answer"])]

    result = evaluate(ds, predict, ["math", "exact_match"], references="answer", batch_size=16, model="echo")
    assert seen_batches == [16, 16, len(ds) - 32]
    meta = result.metadata
    assert (meta["dataset"], meta["config"], meta["split"], meta["model"]) == ("openai/gsm8k", "main", "test", "echo")
    assert len(meta["revision"]) == 40 and int(meta["revision"], 16) >= 0
    assert meta["fingerprint"] and meta["num_rows"] == len(ds) and meta["library"].startswith("crucible_torch ")
    expected = [0.0 if (i % 16) % 3 == 0 else 1.0 for i in range(len(ds))]
    assert result.examples["exact_match_math"][:] == expected
    assert result.aggregates["exact_match_math"] == pytest.approx(sum(expected) / len(ds))
    assert result.examples["index"][:] == list(range(len(ds)))


def test_mmlu_choice_accuracy_with_class_labels(hub: SampleHub) -> None:
    ds = load_dataset("cais/mmlu", "all", split="test")
    result = evaluate(
        ds, lambda b: ["B"] * len(b["question"]), ["accuracy"], references="answer", keep_columns=["answer"]
    )
    answers = ds["answer"][:]
    assert result.aggregates["accuracy"] == pytest.approx(sum(a == 1 for a in answers) / len(answers))
    assert result.examples.features["answer"] == ds.features["answer"]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    ds = load_dataset("json", data_files=str(_qa_files(tmp_path)), split="train")
    store = ResultStore(tmp_path / "runs")
    calls: list[int] = []

    def flaky(batch: dict) -> list[str]:
        calls.append(len(batch["question"]))
        if len(calls) == 3:
            raise RuntimeError("the model server went away")
        return _echo_number(batch)

    with pytest.raises(RuntimeError, match="went away"):
        evaluate(ds, flaky, ["exact_match", "bleu"], references="answer", batch_size=5, store=store, model="m")
    assert store.runs() == [] and len(store.runs(include_incomplete=True)) == 1
    resumed = evaluate(ds, flaky, ["exact_match", "bleu"], references="answer", batch_size=5, store=store, model="m")
    assert calls == [5, 5, 5, 5, 5, 3], "the two finished batches were not predicted again"
    clean = evaluate(ds, _echo_number, ["exact_match", "bleu"], references="answer", batch_size=5, model="m")
    assert resumed.examples.to_list() == clean.examples.to_list()
    assert resumed.aggregates == clean.aggregates
    preds, refs = clean.examples["prediction"][:], clean.examples["reference"][:]
    assert resumed.aggregates["bleu"] == pytest.approx(sacrebleu.corpus_bleu(preds, [refs]).score, abs=1e-9)
    assert [r.run_id for r in store.runs()] == [resumed.run_id]
    assert store.run(resumed.run_id).aggregates == resumed.aggregates


KILLED = """
import os, signal
from crucible_torch import load_dataset
from crucible_torch.evaluation import evaluate
ds = load_dataset("json", data_files={data!r}, split="train")
calls = []
def predict(batch):
    calls.append(1)
    if len(calls) == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    numbers = [int(q.split()[2]) for q in batch["question"]]
    return [str(2 * n) if n % 2 == 0 else "0" for n in numbers]
evaluate(ds, predict, ["exact_match", "f1"], references="answer", batch_size=4, store={store!r}, model="m")
"""


def test_a_killed_run_resumes_in_another_process(tmp_path: Path) -> None:
    data, store = _qa_files(tmp_path), tmp_path / "runs"
    script = KILLED.format(data=str(data), store=str(store))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=300)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    (unfinished,) = ResultStore(store).runs(include_incomplete=True)
    assert ResultStore(store).finished_batches(unfinished.run_id) == {0, 1, 2}
    ds = load_dataset("json", data_files=str(data), split="train")
    seen: list[int] = []

    def predict(batch: dict) -> list[str]:
        seen.append(len(batch["id"]))
        return _echo_number(batch)

    result = evaluate(ds, predict, ["exact_match", "f1"], references="answer", batch_size=4, store=store, model="m")
    assert result.run_id == unfinished.run_id and seen == [4, 4, 3]
    assert result.aggregates["exact_match"] == pytest.approx(12 / 23)
    assert result.examples["exact_match"][:] == [float(i % 2 == 0) for i in range(23)]


def test_workers_give_the_same_result_and_keep_row_order(tmp_path: Path) -> None:
    ds = load_dataset("json", data_files=str(_qa_files(tmp_path, 57)), split="train").shuffle(seed=3)
    one = evaluate(ds, _echo_number, ["f1", "rouge"], references="answer", batch_size=8, keep_columns=["id"])
    two = evaluate(ds, _echo_number, ["f1", "rouge"], references="answer", batch_size=8, num_workers=2,
                   keep_columns=["id"])  # fmt: skip
    assert one.examples.to_list() == two.examples.to_list()
    assert one.examples["id"][:] == ds["id"][:]


def test_references_as_a_function_and_resume_only_for_the_same_evaluation(tmp_path: Path) -> None:
    ds = load_dataset("json", data_files=str(_qa_files(tmp_path)), split="train")
    store = ResultStore(tmp_path / "runs")
    run_id = store.create_run({"key": "something else"})
    with pytest.raises(ValueError, match="evaluated something else"):
        evaluate(ds, _echo_number, ["exact_match"], references="answer", store=store, run_id=run_id)

    def double(batch: dict) -> list[str]:
        return [str(2 * int(q.split()[2])) for q in batch["question"]]

    result = evaluate(ds, _echo_number, ["exact_match"], references=double, store=store)
    assert result.aggregates["exact_match"] == pytest.approx(12 / 23)
    with pytest.raises(ValueError, match="is complete"):
        evaluate(ds, _echo_number, ["exact_match"], references=double, store=store, run_id=result.run_id)


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    ds = Dataset.from_dict({"q": ["a", "b", "c"], "a": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"columns \['nope'\] are not in the dataset"):
        evaluate(ds, lambda b: b["q"], ["exact_match"], references="nope")
    with pytest.raises(ValueError, match="returned 1 predictions for the batch of rows 0..1; expected 2"):
        evaluate(ds, lambda b: ["x"], ["exact_match"], references="a", batch_size=2)
    with pytest.raises(TypeError, match="map-style Dataset"):
        evaluate(ds.to_iterable_dataset(), lambda b: b["q"], ["exact_match"], references="a")
    with pytest.raises(ValueError, match="used twice"):
        evaluate(ds, lambda b: b["q"], ["exact_match", "exact_match"], references="a")


def test_exports_keep_features_and_run_metadata(hub: SampleHub, tmp_path: Path) -> None:
    ds = load_dataset("cais/mmlu", "all", split="validation")

    def always_a(batch: dict) -> list[str]:
        return ["A"] * len(batch["answer"])

    result = evaluate(ds, always_a, ["accuracy", "bleu"], references=always_a, keep_columns=["answer", "subject"])
    rows, aggregates = export_results(result, tmp_path / "out" / "mmlu.parquet")
    assert aggregates == tmp_path / "out" / "mmlu.aggregates.parquet"
    assert Dataset.from_parquet(str(rows)).features == result.examples.features
    theirs = hf.Dataset.from_parquet(str(rows))
    assert theirs.features["answer"].names == ["A", "B", "C", "D"] and theirs["index"] == result.examples["index"][:]
    run = json.loads(pq.read_schema(rows).metadata[b"crucible_torch.run"])
    assert run["dataset"] == "cais/mmlu" and run["aggregates"] == result.aggregates
    table = Dataset.from_parquet(str(aggregates)).to_list()
    assert {r["metric"]: r["value"] for r in table} == result.aggregates and table[0]["dataset"] == "cais/mmlu"

    jsonl, _ = export_results(result, tmp_path / "out" / "mmlu.jsonl")
    assert [json.loads(line) for line in jsonl.read_text().splitlines()] == result.examples.to_list()
    csv, csv_aggregates = export_results(result, tmp_path / "out" / "mmlu.csv")
    read_back = hf.Dataset.from_csv(str(csv))
    assert [json.loads(s) for s in read_back["bleu_stats"]] == result.examples["bleu_stats"][:]
    assert len(hf.Dataset.from_csv(str(csv_aggregates))) == len(result.aggregates)
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")], "no temp files left"
    with pytest.raises(ValueError, match="suffix"):
        export_results(result, tmp_path / "out" / "mmlu.xlsx")

    text = summary_table([result])
    assert text.splitlines()[0].split() == ["dataset", "config", "split", "model", "metric", "value", "examples"]
    assert any(
        line.split()[:3] == ["cais/mmlu", "all", "validation"] and "accuracy" in line for line in text.splitlines()
    )


def test_prepared_splits_record_their_files_at_the_commit_the_hub_serves(hub: SampleHub) -> None:
    from huggingface_hub import HfApi

    ours = load_dataset("openai/gsm8k", "main", split="test").info.extra["download_checksums"]
    info = HfApi(endpoint=hub.url).dataset_info("openai/gsm8k", files_metadata=True)
    expected = {
        f"hf://datasets/openai/gsm8k@{info.sha}/{f.rfilename}": f.size
        for f in info.siblings
        if f.rfilename.startswith("main/test-")
    }
    assert {url: v["num_bytes"] for url, v in ours.items()} == expected
