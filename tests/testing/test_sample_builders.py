"""The sample repos on disk: deterministic, scalable, consistent with their descriptors and cards, and with real
content (arithmetic that checks out, balanced boxed answers, decodable images and WAVs). No server here."""

from __future__ import annotations

import fnmatch
import io
import json
import re
import wave
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image
from sample_checks import card, data_dir, last_boxed, read_file, read_rows

from crucible_torch.features import Features
from crucible_torch.testing import SampleRepo, build_sample_hub

VLM_REPOS = (
    "dpdl-benchmark/caltech101",
    "dpdl-benchmark/oxford_flowers102",
    "dpdl-benchmark/oxford_iiit_pet",
    "tanganke/stanford_cars",
)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def repos(sample_repos: tuple[Path, list[SampleRepo]]) -> dict[str, SampleRepo]:
    return {repo.repo_id: repo for repo in sample_repos[1]}


def test_same_seed_same_bytes_other_seed_other_rows(tmp_path: Path) -> None:
    only = ["openai/gsm8k", "dpdl-benchmark/caltech101", "openslr/librispeech_asr"]
    first = build_sample_hub(tmp_path / "a", only=only)
    second = build_sample_hub(tmp_path / "b", only=only)
    assert [r.configs for r in first] == [r.configs for r in second]
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    other = build_sample_hub(tmp_path / "c", seed=1, only=only)
    assert [r.configs for r in other] == [r.configs for r in first]
    assert read_rows(other[0], "main", "train") != read_rows(first[0], "main", "train")


def test_scale_multiplies_rows_and_extends_the_same_rows(tmp_path: Path) -> None:
    only = ["EleutherAI/hendrycks_math", "allenai/tulu-3-sft-mixture"]
    base = build_sample_hub(tmp_path / "x1", only=only)
    tripled = build_sample_hub(tmp_path / "x3", scale=3, only=only)
    for small, big in zip(base, tripled, strict=True):
        assert big.configs == {c: {s: 3 * n for s, n in splits.items()} for c, splits in small.configs.items()}
    tulu_small, tulu_big = read_rows(base[1], "default", "train"), read_rows(tripled[1], "default", "train")
    assert tulu_big[: len(tulu_small)] == tulu_small


def test_rebuild_removes_stale_files_and_rejects_bad_arguments(tmp_path: Path) -> None:
    (repo,) = build_sample_hub(tmp_path, only=["tanganke/stanford_cars"])
    stale = repo.path / "data" / "train-00005-of-00006.parquet"
    stale.write_bytes(b"old shard")
    build_sample_hub(tmp_path, only=["tanganke/stanford_cars"])
    assert not stale.exists()
    with pytest.raises(ValueError, match="no sample repo"):
        build_sample_hub(tmp_path, only=["nobody/nothing"])
    with pytest.raises(ValueError, match="scale must be positive"):
        build_sample_hub(tmp_path, scale=0)


def test_every_repo_matches_its_descriptor_and_card(repos: dict[str, SampleRepo]) -> None:
    for repo in repos.values():
        meta = card(repo)
        infos = meta.get("dataset_info")
        infos = [infos] if isinstance(infos, dict) else infos or []
        info_by_config = {i.get("config_name", "default"): i for i in infos}
        yaml_configs = {c["config_name"]: c for c in meta.get("configs", [])}
        for config, splits in repo.configs.items():
            counts = list(splits.values())
            assert len(set(counts)) == len(counts), f"{repo.repo_id}/{config}: splits must differ in size {splits}"
            for split, rows in splits.items():
                files = repo.data_files[config][split]
                assert len(read_rows(repo, config, split)) == rows
                for rel in files:
                    if rel.endswith(".parquet"):  # features travel in the parquet schema metadata
                        schema = pq.read_schema(data_dir(repo) / rel)
                        assert Features.from_arrow_schema(schema) == repo.features[config], rel
                if config in info_by_config:
                    sizes = {s["name"]: s["num_examples"] for s in info_by_config[config]["splits"]}
                    assert sizes[split] == rows
                    assert Features.from_yaml_list(info_by_config[config]["features"]) == repo.features[config]
                if config in yaml_configs:
                    (entry,) = [d for d in yaml_configs[config]["data_files"] if d["split"] == split]
                    matched = sorted(
                        p.relative_to(repo.path).as_posix()
                        for p in repo.path.rglob("*")
                        if fnmatch.fnmatch(p.relative_to(repo.path).as_posix(), entry["path"])
                    )
                    assert matched == sorted(files)
    assert {r.repo_id for r in repos.values() if r.gated} == {"Anthropic/hh-rlhf", "Idavidrein/gpqa"}
    assert sum("dataset_info" in card(r) for r in repos.values()) >= 10


def test_parquet_export_repo_has_no_data_on_main(repos: dict[str, SampleRepo]) -> None:
    repo = repos["openslr/librispeech_asr"]
    assert sorted(p.name for p in repo.path.rglob("*") if p.is_file()) == [".gitattributes", "LICENSE", "README.md"]
    export = repo.extra_revisions["refs/convert/parquet"]
    paths = sorted(p.relative_to(export).as_posix() for p in export.rglob("*.parquet"))
    assert "other/partial-train.500/0001.parquet" in paths and "clean/partial-train.100/0000.parquet" in paths
    assert all(re.fullmatch(r"(clean|other)/(partial-)?[\w.]+/\d{4}\.parquet", p) for p in paths)
    assert repo.configs == {
        "clean": {"validation": 10, "test": 9, "train.100": 16},
        "other": {"validation": 11, "train.500": 18},
    }


def test_gsm8k_arithmetic_checks_out(repos: dict[str, SampleRepo]) -> None:
    for config in ("main", "socratic"):
        for row in read_rows(repos["openai/gsm8k"], config, "train"):
            steps = re.findall(r"<<([^=>]+)=([^>]+)>>", row["answer"])
            assert steps, row
            for expr, value in steps:
                assert eval(expr, {"__builtins__": {}}) == float(value), (expr, value)  # noqa: S307 - digits only
            final = row["answer"].rsplit("#### ", 1)[1]
            assert final == steps[-1][1]
            assert (" ** " in row["answer"]) == (config == "socratic")


def test_math_answers_are_the_boxed_expressions(repos: dict[str, SampleRepo]) -> None:
    rows = read_rows(repos["HuggingFaceH4/MATH-500"], "default", "test")
    assert all(last_boxed(r["solution"]) == r["answer"] for r in rows)
    assert any("{" in r["answer"] for r in rows), "some answers must hold nested braces"
    assert {r["level"] for r in rows} <= {1, 2, 3, 4, 5}
    assert len({r["unique_id"] for r in rows}) == len(rows)
    hendrycks = repos["EleutherAI/hendrycks_math"]
    for config in hendrycks.configs:
        for row in read_rows(hendrycks, config, "test"):
            assert last_boxed(row["solution"]) and re.fullmatch(r"Level [1-5]", row["level"])


def test_code_tests_are_json_and_correct(repos: dict[str, SampleRepo]) -> None:
    repo = repos["agentica-org/DeepCoder-Preview-Dataset"]
    for config, splits in repo.configs.items():
        for split in splits:
            for row in read_rows(repo, config, split):
                tests = json.loads(row["tests"])
                json.loads(row["metadata"])
                pairs = (
                    list(zip(tests["inputs"], tests["outputs"], strict=True))
                    if isinstance(tests, dict)
                    else [(t["input"], t["output"]) for t in tests]
                )
                for given, expected in pairs:
                    if row["problem"].startswith("Print the sum"):
                        assert int(expected) == sum(map(int, given.split("\n")[1].split()))
                    elif row["problem"].startswith("Print a string reversed"):
                        assert expected.strip() == given.strip()[::-1]


def test_images_are_real_varied_files(repos: dict[str, SampleRepo]) -> None:
    seen_modes, seen_formats, rotated = set(), set(), 0
    for repo_id in VLM_REPOS:
        repo = repos[repo_id]
        names = repo.features["default"]["label"].names
        for split in repo.configs["default"]:
            rows = read_rows(repo, "default", split)
            assert {r["label"] for r in rows} == set(range(len(names)))
            for row in rows:
                image = Image.open(io.BytesIO(row["image"]["bytes"]))
                assert 32 <= image.width <= 96 and 32 <= image.height <= 96
                seen_modes.add(image.mode)
                seen_formats.add(image.format)
                rotated += image.getexif().get(0x0112) == 6
    assert {"RGB", "RGBA", "L"} <= seen_modes and seen_formats == {"JPEG", "PNG"}
    assert rotated >= 4
    pets = repos["dpdl-benchmark/oxford_iiit_pet"]
    breeds = pets.features["default"]["label"].names
    for row in read_rows(pets, "default", "train"):
        assert pets.features["default"]["species"].names[row["species"]] == (
            "cat" if breeds[row["label"]][0].isupper() else "dog"
        )


def test_audio_is_16khz_mono_pcm_wav(repos: dict[str, SampleRepo]) -> None:
    for repo_id, config, split in (
        ("hf-internal-testing/librispeech_asr_dummy", "clean", "validation"),
        ("openslr/librispeech_asr", "other", "train.500"),
    ):
        for row in read_rows(repos[repo_id], config, split):
            with wave.open(io.BytesIO(row["audio"]["bytes"])) as wav:
                assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16_000, 1, 2)
                assert 1600 <= wav.getnframes() <= 6400
            assert row["id"].startswith(f"{row['speaker_id']}-{row['chapter_id']}-") and row["text"].isupper()


def test_chat_and_preference_rows_have_the_real_shapes(repos: dict[str, SampleRepo]) -> None:
    for repo_id in ("allenai/tulu-3-sft-mixture", "HuggingFaceH4/no_robots"):
        for row in read_rows(repos[repo_id], "default", "train"):
            roles = [m["role"] for m in row["messages"] if m["role"] != "system"]
            assert roles == ["user", "assistant"] * (len(roles) // 2) and roles
    hh = repos["Anthropic/hh-rlhf"]
    for row in read_rows(hh, "default", "train"):
        assert row["chosen"].startswith("\n\nHuman: ") and "\n\nAssistant: " in row["chosen"]
        prefix = row["chosen"].rsplit("\n\nAssistant:", 1)[0]
        assert row["rejected"].startswith(prefix) and row["rejected"] != row["chosen"]
    red_team = read_file(hh.path / "red-team-attempts" / "red_team_attempts.jsonl.gz")
    assert red_team and "transcript" in red_team[0]
    for row in read_rows(repos["nvidia/HelpSteer3"], "preference", "train"):
        assert -3 <= row["overall_preference"] <= 3 and row["context"][-1]["role"] == "user"
    for row in read_rows(repos["open-thoughts/OpenThoughts3-1.2M"], "default", "train"):
        assert [m["from"] for m in row["conversations"]] == ["human", "gpt"]
    shards = repos["open-thoughts/OpenThoughts3-1.2M"].data_files["default"]["train"]
    assert len(shards) >= 2
    assert all(
        pq.ParquetFile(data_dir(repos["open-thoughts/OpenThoughts3-1.2M"]) / s).num_row_groups >= 2 for s in shards
    )
