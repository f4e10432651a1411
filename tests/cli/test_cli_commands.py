"""The command as users run it (a new ``python -m crucible_torch`` process) against the project's Hub server:
each command's output, exit codes and error lines, offline behaviour, and which modules start-up imports."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import wave
from pathlib import Path

import PIL.Image
import pyarrow.parquet as pq
import pytest
from cli_helpers import imported_torch, run_cli

from crucible_torch.testing import SAMPLE_TOKEN, SampleHub

COMMANDS = ("download", "info", "preview", "cache", "mirror", "env", "demo")


def _source_table(hub: SampleHub, repo_id: str, config: str, split: str):
    repo = hub[repo_id]
    directory = repo.extra_revisions.get(repo.data_revision, repo.path)
    return pq.read_table(directory / repo.data_files[config][split][0])


def test_help_lists_the_commands_and_python_m_runs_the_cli() -> None:
    done = run_cli("--help")
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("options:")[0]
    assert all(f"    {command} " in listed for command in COMMANDS)
    assert "bench" not in listed
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("crucible-torch ")


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("info", "POLARIS-Project/Polaris-Dataset-53K"),
        ("download", "openai/gsm8k", "--config", "main", "--split", "test"),
        ("preview", "dpdl-benchmark/caltech101", "-n", "2"),
        ("cache", "ls"),
        ("cache", "verify"),
        ("env",),
    ],
    ids=lambda a: " ".join(a[:1]) if a[0] != "cache" else " ".join(a[:2]),
)
def test_commands_that_build_no_tensors_never_import_torch(hub: SampleHub, args: tuple[str, ...]) -> None:
    done = run_cli(*args, python_flags=("-X", "importtime"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "import time:" in done.stderr  # the probe works: every import is listed
    assert imported_torch(done.stderr) == []


def test_mirror_serve_never_imports_torch(tmp_path: Path) -> None:
    (tmp_path / "repos" / "alice" / "data").mkdir(parents=True)
    (tmp_path / "repos" / "alice" / "data" / "a.txt").write_text("x\n")
    child = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "crucible_torch", "mirror", "serve", str(tmp_path / "repos"),
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "Serving" in child.stdout.readline()
    finally:
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=30)
    assert child.returncode == 0
    assert imported_torch(stderr) == []


# -- info -----------------------------------------------------------------------------------------------
def _byte_range(header: str) -> tuple[int, int]:
    start, _, end = header.removeprefix("bytes=").partition("-")
    return int(start), int(end) + 1


def test_info_reads_parquet_footers_and_downloads_no_data_file_in_full(hub: SampleHub, sample_repos) -> None:
    root, _ = sample_repos
    done = run_cli("info", "openslr/librispeech_asr", "--format", "json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["revision"] == "refs/convert/parquet"
    assert got["commit"] == hub.server.commit("openslr/librispeech_asr", "refs/convert/parquet")
    repo = hub["openslr/librispeech_asr"]
    assert {c["name"]: {s["name"]: s["num_rows"] for s in c["splits"]} for c in got["configs"]} == repo.configs
    assert all(s["rows_from"] == "parquet footers" for c in got["configs"] for s in c["splits"])
    assert list(got["configs"][0]["features"]) == list(repo.features["clean"])

    sizes = {}  # every served file by its Hub path and by its sha256 (the CDN's name for it)
    for path in root.rglob("*.parquet"):
        import hashlib

        sizes[path.name] = sizes[hashlib.sha256(path.read_bytes()).hexdigest()] = path.stat().st_size
    data_requests = [r for r in hub.server.requests("GET") if r.path.endswith(".parquet") or "/lfs/" in r.path]
    assert data_requests, "the footers were read over HTTP"
    fetched: dict[str, int] = {}
    for record in data_requests:
        assert "range" in record.headers, f"{record.path} was requested without a Range"
        start, end = _byte_range(record.headers["range"])
        assert start > 0
        fetched[record.path] = fetched.get(record.path, 0) + end - start
    for path, total in fetched.items():
        size = sizes[path.rsplit("/", 1)[-1]]
        assert total < size / 2, f"{path}: {total} of {size} bytes fetched"


def test_info_from_the_card_sends_no_file_request(hub: SampleHub) -> None:
    done = run_cli("info", "openai/gsm8k")
    assert done.returncode == 0, done.stderr
    repo = hub["openai/gsm8k"]
    for config, splits in repo.configs.items():
        assert f"[{config}] (parquet)" in done.stdout
        for split, rows in splits.items():
            assert any(line.split()[:2] == [split, f"{rows:,}"] for line in done.stdout.splitlines())
    assert "from dataset card" in done.stdout
    assert hub.server.count(path_contains="/resolve/") == 0


def test_info_says_unknown_rather_than_downloading(hub: SampleHub) -> None:
    done = run_cli("info", "HuggingFaceH4/MATH-500", "--format", "json")
    assert done.returncode == 0, done.stderr
    (config,) = json.loads(done.stdout)["configs"]
    assert config["features"] is None and [s["num_rows"] for s in config["splits"]] == [None]
    text = run_cli("info", "HuggingFaceH4/MATH-500").stdout
    assert "unknown without a download" in text
    assert hub.server.count(path_contains="/resolve/") == 0


def test_info_features_tree_shortens_class_names(hub: SampleHub) -> None:
    done = run_cli("info", "dpdl-benchmark/oxford_iiit_pet")
    assert done.returncode == 0, done.stderr
    names = hub["dpdl-benchmark/oxford_iiit_pet"].features["default"]["label"].names
    line = next(line for line in done.stdout.splitlines() if line.strip().startswith("label:"))
    assert names[0] in line and names[-1] not in line and f"({len(names)} names)" in line
    assert "species: class label (cat, dog)" in done.stdout
    nested = run_cli("info", "allenai/tulu-3-sft-mixture").stdout
    assert "messages: list of struct\n      content: string\n      role: string" in nested


def test_info_of_a_local_directory_counts_its_files(tmp_path: Path) -> None:
    data = tmp_path / "local"
    data.mkdir()
    (data / "train.jsonl").write_text("".join(json.dumps({"q": f"q{i}", "a": i}) + "\n" for i in range(13)))
    (data / "test.jsonl").write_text("".join(json.dumps({"q": f"t{i}", "a": i}) + "\n" for i in range(4)))
    got = json.loads(run_cli("info", str(data), "--format", "json").stdout)
    splits = {s["name"]: (s["num_rows"], s["rows_from"]) for s in got["configs"][0]["splits"]}
    assert splits == {"train": (13, "local files"), "test": (4, "local files")}
    assert got["configs"][0]["features"] == {"q": {"dtype": "string", "_type": "Value"},
                                             "a": {"dtype": "int64", "_type": "Value"}}  # fmt: skip


# -- preview --------------------------------------------------------------------------------------------
def test_preview_prints_the_first_rows_with_long_strings_cut(hub: SampleHub) -> None:
    done = run_cli("preview", "openai/gsm8k", "--config", "main", "-n", "3", "--format", "json", "--max-chars", "40")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    expected = _source_table(hub, "openai/gsm8k", "main", "train").slice(0, 3).to_pylist()
    assert len(rows) == 3
    for got, want in zip(rows, expected):
        for column, text in want.items():
            shown = text.replace("\n", "\\n")
            assert got[column] == (shown if len(shown) <= 40 else shown[:37] + "...")
    table = run_cli("preview", "openai/gsm8k", "--config", "main", "-n", "2").stdout.splitlines()
    assert table[0].split() == ["QUESTION", "ANSWER"] and len(table) == 4


def test_preview_describes_images_and_audio(hub: SampleHub) -> None:
    done = run_cli("preview", "dpdl-benchmark/oxford_iiit_pet", "--split", "test", "-n", "3", "--format", "json")
    assert done.returncode == 0, done.stderr
    source = _source_table(hub, "dpdl-benchmark/oxford_iiit_pet", "default", "test").slice(0, 3).to_pylist()
    names = hub["dpdl-benchmark/oxford_iiit_pet"].features["default"]["label"].names
    for line, want in zip(done.stdout.splitlines(), source):
        image = PIL.Image.open(io.BytesIO(want["image"]["bytes"]))
        got = json.loads(line)
        assert got["image"] == f"<image {image.width}x{image.height} {image.mode}>"
        assert got["label"] == f"{want['label']} ({names[want['label']]})"
    audio = run_cli("preview", "hf-internal-testing/librispeech_asr_dummy", "-n", "1", "--format", "json")
    assert audio.returncode == 0, audio.stderr
    first = _source_table(hub, "hf-internal-testing/librispeech_asr_dummy", "clean", "validation").to_pylist()[0]
    with wave.open(io.BytesIO(first["audio"]["bytes"])) as w:
        want = f"<audio {w.getnframes() / w.getframerate():.2f} s, {w.getframerate()} Hz>"
    assert json.loads(audio.stdout)["audio"] == want


# -- download -------------------------------------------------------------------------------------------
def test_download_fetches_exactly_what_the_load_needs(hub: SampleHub, isolated_env: Path) -> None:
    done = run_cli("download", "openai/gsm8k", "--config", "socratic", "--split", "test")
    assert done.returncode == 0, done.stderr
    repo = hub["openai/gsm8k"]
    wanted = repo.data_files["socratic"]["test"]
    paths = done.stdout.splitlines()
    assert len(paths) == len(wanted)
    for path, name in zip(paths, wanted):
        assert path.endswith(name) and Path(path).read_bytes() == (repo.path / name).read_bytes()
    resolved = {r.path.split("/resolve/", 1)[1].split("/", 1)[1] for r in hub.server.requests("GET", "/resolve/")}
    assert resolved == set(wanted)
    huggingface_hub = pytest.importorskip("huggingface_hub")  # the shared cache: huggingface_hub finds the files
    cache = isolated_env / "hf_home" / "hub"  # huggingface_hub reads HF_HUB_CACHE once, at its import: pass it
    cached = huggingface_hub.try_to_load_from_cache("openai/gsm8k", wanted[0], repo_type="dataset", cache_dir=cache)
    assert cached == paths[0]


def test_download_with_globs_and_into_a_local_dir(hub: SampleHub, tmp_path: Path) -> None:
    done = run_cli("download", "openai/gsm8k", "--include", "*.md", "--local-dir", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(tmp_path / "out" / "README.md")]
    assert (tmp_path / "out" / "README.md").read_bytes() == (hub["openai/gsm8k"].path / "README.md").read_bytes()


# -- env ------------------------------------------------------------------------------------------------
def test_env_reports_versions_and_whether_a_token_is_set_never_the_token() -> None:
    secret = "hf_never_print_this_token"
    done = run_cli("env", "--format", "json", env={"HF_TOKEN": secret, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    import pyarrow
    import torch

    assert info["torch version"] == torch.__version__.split("+")[0] or info["torch version"] == torch.__version__
    assert info["pyarrow version"] == pyarrow.__version__
    assert info["Token set"] == "yes" and info["Offline mode"] == "yes"
    assert secret not in done.stdout and secret not in done.stderr
    assert run_cli("env").stdout.count("\n- ") > 10


# -- errors and exit codes ------------------------------------------------------------------------------
def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "must_say"),
    [
        (("info", "nobody/nothing"), ["nobody/nothing", "repository not found"]),
        (("info", "openai/gsm8k", "--config", "nope"), ["'nope'", "'main'", "'socratic'"]),
        (("preview", "openai/gsm8k", "--config", "main", "--split", "dev"), ['"dev"', "'train'", "'test'"]),
        (("download", "openai/gsm8k"), ["'main'", "'socratic'"]),
        (("preview", "Anthropic/hh-rlhf"), ["gated", "HF_TOKEN"]),
        (("info", "openai/gsm8k", "--format", "yaml"), ["--format", "json"]),
        (("nonsense",), ["nonsense"]),
    ],
    ids=["unknown-repo", "unknown-config", "unknown-split", "config-missing", "gated", "bad-option", "bad-command"],
)
def test_user_errors_exit_1_with_one_line(hub: SampleHub, args: tuple[str, ...], must_say: list[str]) -> None:
    done = run_cli(*args)
    assert done.returncode == 1
    line = _one_error_line(done)
    assert all(word in line for word in must_say), line


def test_verbose_shows_the_traceback(hub: SampleHub) -> None:
    done = run_cli("--verbose", "info", "nobody/nothing")
    assert done.returncode == 1 and "Traceback (most recent call last)" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_the_token_opens_the_gated_repo(hub: SampleHub) -> None:
    done = run_cli("preview", "Anthropic/hh-rlhf", "-n", "1", "--format", "json", "--token", SAMPLE_TOKEN)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"chosen", "rejected"}


def test_hub_failures_exit_2_after_retries(hub: SampleHub) -> None:
    hub.server.faults.fail(503, times=None, path_contains="/api/datasets/openai/gsm8k")
    done = run_cli("info", "openai/gsm8k")
    assert done.returncode == 2
    assert "503" in _one_error_line(done)
    assert hub.server.count(path_contains="/api/datasets/openai/gsm8k") > 1  # retried before giving up
    unreachable = run_cli("info", "openai/gsm8k", env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert unreachable.returncode == 2
    _one_error_line(unreachable)


@pytest.mark.parametrize(
    "args",
    [("info", "openai/gsm8k"), ("preview", "openai/gsm8k", "--config", "main"), ("download", "openai/gsm8k",
     "--config", "main")],
    ids=["info", "preview", "download"],
)  # fmt: skip
def test_offline_with_an_empty_cache_fails_fast_without_a_request(hub: SampleHub, args: tuple[str, ...]) -> None:
    done = run_cli(*args, env={"HF_HUB_OFFLINE": "1"})
    assert done.returncode == 1
    assert "offline" in _one_error_line(done).lower()
    assert hub.server.count() == 0


def test_offline_after_a_download_works_from_the_cache(hub: SampleHub) -> None:
    assert run_cli("download", "openai/gsm8k", "--config", "main").returncode == 0
    hub.server.reset()
    done = run_cli("preview", "openai/gsm8k", "--config", "main", "-n", "1", "--format", "json",
                   env={"HF_HUB_OFFLINE": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["question"]
    assert hub.server.count() == 0


def test_preview_and_info_of_a_local_imagefolder(tmp_path: Path) -> None:
    sizes = {"cat": (20, 10), "dog": (7, 9)}
    for label, size in sizes.items():
        (tmp_path / "pets" / "train" / label).mkdir(parents=True)
        PIL.Image.new("RGB", size, (200, 10, 10)).save(tmp_path / "pets" / "train" / label / f"{label}.png")
    done = run_cli("preview", str(tmp_path / "pets"), "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["image"] for r in rows] == [f"<image {w}x{h} RGB>" for w, h in sizes.values()]
    assert [r["label"] for r in rows] == ["0 (cat)", "1 (dog)"]
    info = run_cli("info", str(tmp_path / "pets"))
    assert info.returncode == 0 and "(imagefolder, default)" in info.stdout
