"""Sample repos of the eval benchmarks and the remaining preference/QA datasets the cookbook registry names:
layouts (configs per subject, CSV, JSON Lines, JSON documents, per-config parquet), features and row generators.

Where a detail of the real repo is not known for sure, the most plausible layout was picked (noted per spec).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..cookbook.subjects import CEVAL_SUBJECTS, MMLU_REDUX_SUBJECTS, MMLU_SUBJECTS
from ..features import ClassLabel, Features, List, Value
from . import sample_benchmarks as rows
from .sample_specs import I64, MESSAGES, PER_CONFIG, SHARDED, ConfigSpec, RepoSpec, S

B = Value("bool")
MCQ = Features({"question": S, "subject": S, "choices": List(S), "answer": ClassLabel(names=["A", "B", "C", "D"])})
IF_KWARGS = List(
    {"num_highlights": I64, "relation": S, "num_words": I64, "keywords": List(S), "end_phrase": S, "language": S}
)
IF = Features({"key": I64, "prompt": S, "instruction_id_list": List(S), "kwargs": IF_KWARGS})
ARENA_TURNS = List({"role": S, "content": List({"type": S, "text": S, "image": S, "mimeType": S})})
COMPETITION = {"problem_idx": I64, "problem": S, "problem_type": List(S)}


def _one(
    repo_id: str,
    splits: dict[str, int],
    features: Features,
    row: Any,
    path: str = SHARDED,
    *,
    config: str = "default",
    card: dict | None = None,
    **options: Any,
) -> RepoSpec:
    """A single-config repo; ``options`` starting with ``repo_`` go to the RepoSpec, the rest to the ConfigSpec."""
    repo_options = {k[5:]: options.pop(k) for k in list(options) if k.startswith("repo_")}
    spec = ConfigSpec(config, splits, features, row, path, **options)
    return RepoSpec(repo_id, (spec,), card or {"license": "mit"}, **repo_options)


def benchmark_specs() -> list[RepoSpec]:
    """The sample repos added for the cookbook registry, in a stable order."""
    mmlu_all = {"test": 12, "validation": 6, "dev": 5, "auxiliary_train": 8}
    ceval_features = Features(
        {"id": Value("int32"), "question": S, "A": S, "B": S, "C": S, "D": S, "answer": S, "explanation": S}
    )
    redux = Features(
        {"question": S, "choices": List(S), "answer": I64, "error_type": S, "source": S, "correct_answer": S,
         "potential_reason": S}
    )  # fmt: skip
    return [
        # Preference and QA datasets of the recipes
        _one(
            "nvidia/HelpSteer2", {"train": 24, "validation": 8},
            Features({"prompt": S, "response": S, **{k: I64 for k in
                      ("helpfulness", "correctness", "coherence", "complexity", "verbosity")}}),
            rows.helpsteer2, "{split}.jsonl.gz", repo_yaml_configs=False, repo_dataset_info=False,
        ),
        _one(
            "lmarena-ai/arena-human-preference-140k", {"train": 40},
            Features({"id": S, "model_a": S, "model_b": S, "winner": S, "evaluation_order": I64,
                      "conversation_a": ARENA_TURNS, "conversation_b": ARENA_TURNS, "language": S, "is_code": B}),
            rows.arena, shards=2,
        ),
        _one(
            "allenai/llama-3.1-tulu-3-8b-preference-mixture", {"train": 40},
            Features({"id": S, "source": S, "prompt": S, "chosen": MESSAGES, "rejected": MESSAGES,
                      "chosen_model": S, "rejected_model": S}),
            rows.tulu_preference,
        ),
        # The rubric recipe reads one JSON Lines file (named .json) at the repo root.
        _one(
            "prometheus-eval/Feedback-Collection", {"train": 20},
            Features({"orig_criteria": S, **{f"orig_score{k}_description": S for k in range(1, 6)},
                      "orig_response": S, "orig_instruction": S, "orig_reference_answer": S, "orig_feedback": S,
                      "orig_score": S, "instruction": S, "output": S, "input": S}),
            rows.feedback_collection, "new_feedback_collection.json", repo_yaml_configs=False,
            repo_dataset_info=False,
        ),
        _one(
            "PeterJinGo/nq_hotpotqa_train", {"train": 30, "test": 10},
            Features({"id": S, "question": S, "golden_answers": List(S), "data_source": S, "prompt": MESSAGES,
                      "ability": S, "reward_model": {"ground_truth": {"target": List(S)}, "style": S},
                      "extra_info": {"index": I64, "split": S}}),
            rows.search_qa, "{split}.parquet", repo_yaml_configs=False, repo_dataset_info=False,
        ),
        # Knowledge benchmarks
        RepoSpec(
            "cais/mmlu",
            (
                ConfigSpec("all", mmlu_all, MCQ, partial(rows.mmlu, "all"), PER_CONFIG),
                *(
                    ConfigSpec(s, {"test": 4, "validation": 3, "dev": 2}, MCQ, partial(rows.mmlu, s), PER_CONFIG)
                    for s in MMLU_SUBJECTS
                ),
            ),
            {"license": "mit", "language": ["en"], "pretty_name": "Measuring Massive Multitask Language Understanding"},
        ),
        RepoSpec(
            "edinburgh-dawg/mmlu-redux",
            tuple(ConfigSpec(s, {"test": 3}, redux, rows.mmlu_redux, PER_CONFIG) for s in MMLU_REDUX_SUBJECTS),
            {"license": "cc-by-4.0", "pretty_name": "MMLU-Redux"},
        ),
        RepoSpec(
            "ceval/ceval-exam",
            tuple(
                ConfigSpec(s, {"test": 4, "val": 3, "dev": 2}, ceval_features, rows.ceval, PER_CONFIG)
                for s in CEVAL_SUBJECTS
            ),
            {"license": "cc-by-nc-sa-4.0", "language": ["zh"], "pretty_name": "C-Eval"},
        ),
        _one(
            "TIGER-Lab/MMLU-Pro", {"test": 20, "validation": 5},
            Features({"question_id": I64, "question": S, "options": List(S), "answer": S, "answer_index": I64,
                      "cot_content": S, "category": S, "src": S}),
            rows.mmlu_pro,
        ),
        # Gated; one CSV per config at the repo root.
        RepoSpec(
            "Idavidrein/gpqa",
            tuple(
                ConfigSpec(c, {"train": n}, Features({k: S for k in (
                    "Pre-Revision Question", "Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                    "Incorrect Answer 3", "Explanation", "Subdomain", "High-level domain", "Record ID")}),
                    rows.gpqa, "{config}.csv")
                for c, n in (("gpqa_diamond", 12), ("gpqa_experts", 6), ("gpqa_extended", 10), ("gpqa_main", 8))
            ),
            {"license": "cc-by-4.0", "pretty_name": "GPQA"},
            gated=True,
        ),
        _one(
            "m-a-p/SuperGPQA", {"train": 20},
            Features({"uuid": S, "question": S, "options": List(S), "answer": S, "answer_letter": S,
                      "discipline": S, "field": S, "subfield": S, "difficulty": S, "is_calculation": B}),
            rows.supergpqa, "SuperGPQA-all.jsonl", repo_yaml_configs=False, repo_dataset_info=False,
        ),
        # One JSON document (a top-level array) at the root.
        _one(
            "THUDM/LongBench-v2", {"train": 12},
            Features({"_id": S, "domain": S, "sub_domain": S, "difficulty": S, "length": S, "question": S,
                      **{f"choice_{c}": S for c in "ABCD"}, "answer": S, "context": S}),
            rows.longbench, "data.json", json_document=True, repo_yaml_configs=False, repo_dataset_info=False,
        ),
        # Instruction following and judges
        _one("google/IFEval", {"train": 18}, IF, rows.instruction_following, "ifeval_input_data.jsonl",
             repo_yaml_configs=False, repo_dataset_info=False),
        _one("allenai/IFBench_test", {"train": 15}, IF, rows.instruction_following),
        _one(
            "lmarena-ai/arena-hard-auto-v0.1", {"train": 15},
            Features({"question_id": S, "category": S, "cluster": S, "turns": List({"content": S})}), rows.arena_hard,
        ),
        # Math competitions
        *(
            _one(f"MathArena/{name}", {"train": 15}, Features({**COMPETITION, "answer": answer}),
                 partial(rows.competition, int if answer == I64 else str))
            for name, answer in (("aime_2025", I64), ("aime_2026", I64), ("hmmt_feb_2025", S), ("hmmt_nov_2025", S))
        ),
        # Code
        _one(
            "openai/openai_humaneval", {"test": 12},
            Features({"task_id": S, "prompt": S, "canonical_solution": S, "test": S, "entry_point": S}),
            rows.humaneval, PER_CONFIG, config="openai_humaneval",
        ),
        RepoSpec(
            "google-research-datasets/mbpp",
            (
                ConfigSpec("full", {"train": 8, "test": 10, "validation": 4, "prompt": 3},
                           Features({"task_id": I64, "text": S, "code": S, "test_list": List(S),
                                     "test_setup_code": S, "challenge_test_list": List(S)}),
                           partial(rows.mbpp, False), PER_CONFIG),
                ConfigSpec("sanitized", {"train": 6, "test": 8, "validation": 3, "prompt": 2},
                           Features({"source_file": S, "task_id": I64, "prompt": S, "code": S,
                                     "test_imports": List(S), "test_list": List(S)}),
                           partial(rows.mbpp, True), PER_CONFIG),
            ),
            {"license": "cc-by-4.0", "pretty_name": "Mostly Basic Python Problems"},
        ),
        _one(
            "princeton-nlp/SWE-bench_Verified", {"test": 10},
            Features({k: S for k in ("repo", "instance_id", "base_commit", "patch", "test_patch", "problem_statement",
                      "hints_text", "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS",
                      "environment_setup_commit", "difficulty")}),
            rows.swe_bench,
        ),
        _one(
            "ia03/terminal-bench", {"test": 8},
            Features({"task_id": S, "task_yaml": S, "archive": Value("binary"), "difficulty": S}),
            rows.terminal_bench,
        ),
        # The real repo also has a loading script; the sample keeps only its JSON Lines files.
        _one(
            "livecodebench/code_generation_lite", {"test": 14},
            # JSON readers (pyarrow's, in both libraries) infer ISO dates as timestamps.
            Features({**{k: S for k in ("question_title", "question_content", "platform", "question_id",
                      "contest_id")}, "contest_date": Value("timestamp[s]"), **{k: S for k in ("starter_code",
                      "difficulty", "public_test_cases", "private_test_cases", "metadata")}}),
            rows.livecodebench, "{part}.jsonl", parts=("test", "test6"), repo_yaml_configs=False,
            repo_dataset_info=False,
        ),
        # The cookbook reads it with data_files="BFCL_v3_simple.json"; ground truth sits in possible_answer/.
        _one(
            "gorilla-llm/Berkeley-Function-Calling-Leaderboard", {"train": 10},
            Features({"id": S, "question": List(List({"role": S, "content": S})), "function": List({
                "name": S, "description": S, "parameters": {
                    "type": S, "properties": {k: {"type": S, "description": S} for k in ("base", "height")},
                    "required": List(S)}})}),
            rows.bfcl_question, "BFCL_v3_simple.json", repo_dataset_info=False,
            repo_extra_files=rows.bfcl_answers,
        ),
    ]  # fmt: skip
