"""The registered datasets: every Hub dataset the tinker-cookbook recipes and eval benchmarks load.

Facts per entry come from the recipes' code (which configs and splits they request, which columns they read)
and the repos' layouts. Names are short and stable; ``info(repo_id)`` also finds an entry by its repo id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import chat, choice, preference, problems, prompts, vision
from .registry import DatasetEntry, Skip
from .subjects import (
    CEVAL_SUBJECTS,
    DEEPCODER_TEST,
    DEEPCODER_TRAIN,
    HENDRYCKS_SUBJECTS,
    MMLU_REDUX_SUBJECTS,
    MMLU_STEM,
    MMLU_SUBJECTS,
)
from .types import (
    CodeProblem,
    Conversation,
    LabeledComparison,
    MathProblem,
    MultipleChoice,
    QuestionAnswer,
    Rubric,
    VisionExample,
)

_TYPES: dict[Callable[..., Any], type] = {
    problems.gsm8k: MathProblem,
    problems.math_problem: MathProblem,
    problems.deepcoder: CodeProblem,
    problems.humaneval: CodeProblem,
    problems.mbpp: CodeProblem,
    problems.livecodebench: CodeProblem,
    problems.swe_bench: CodeProblem,
    problems.terminal_bench: CodeProblem,
    chat.chat: Conversation,
    preference.helpsteer2: Conversation,
    prompts.instruction_following: Conversation,
    prompts.arena_hard: Conversation,
    prompts.function_calling: Conversation,
    preference.hh_rlhf: LabeledComparison,
    preference.helpsteer3: LabeledComparison,
    preference.arena: LabeledComparison,
    preference.ultrafeedback: LabeledComparison,
    preference.chosen_rejected: LabeledComparison,
    choice.listed: MultipleChoice,
    choice.lettered: MultipleChoice,
    choice.gpqa: MultipleChoice,
    prompts.feedback_rubric: Rubric,
    prompts.search_qa: QuestionAnswer,
    vision.vision: VisionExample,
}


def _entry(
    name: str,
    repo_id: str,
    splits: tuple[str, ...],
    columns: tuple[str, ...],
    normaliser: Callable[..., Any] | None,
    recipes: tuple[str, ...],
    *,
    configs: tuple[str, ...] = ("default",),
    default_config: str | None = "",
    default_split: str | None = None,
    **options: Any,
) -> DatasetEntry:
    """An entry with the common defaults: one ``default`` config, the first split as the default."""
    return DatasetEntry(
        name=name,
        repo_id=repo_id,
        configs=configs,
        default_config=configs[0] if default_config == "" else default_config,
        splits=splits,
        default_split=default_split or splits[0],
        columns=columns,
        normaliser=normaliser,
        example_type=_TYPES.get(normaliser) if normaliser else None,
        recipes=recipes,
        **options,
    )


def _vision(name: str, repo_id: str) -> DatasetEntry:
    return _entry(
        name, repo_id, ("train", "test"), ("image", "label"), vision.vision,
        ("vlm_classifier (SFT and sampling eval)",), label_column="label",
    )  # fmt: skip


_MCQ = ("question", "choices", "answer")
_HH_SKIP = Skip(
    "malformed transcripts (chosen and rejected differ before the last turn)",
    preference.hh_rlhf_is_well_formed,
    ("chosen", "rejected"),
)
_TIES = Skip("ties (overall_preference == 0)", lambda row: row["overall_preference"] != 0, ("overall_preference",))
_NO_WINNER = Skip(
    "rows without a winner (winner not model_a or model_b)",
    lambda row: row["winner"] in ("model_a", "model_b"),
    ("winner",),
)

ENTRIES: tuple[DatasetEntry, ...] = (
    # -- math RL and distillation prompts
    _entry(
        "gsm8k", "openai/gsm8k", ("train", "test"), ("question", "answer"), problems.gsm8k,
        ("math_rl env=gsm8k", "rl_loop", "eval gsm8k"), configs=("main", "socratic"),
    ),
    _entry(
        "math500", "HuggingFaceH4/MATH-500", ("test",), ("problem", "solution", "answer"), problems.math_problem,
        ("math_rl test set and decontamination", "eval math500"),
    ),
    _entry(
        "hendrycks_math", "EleutherAI/hendrycks_math", ("train", "test"), ("problem", "solution"),
        problems.math_problem, ("math_rl env=math (one subject)",), configs=HENDRYCKS_SUBJECTS,
    ),
    _entry(
        "hendrycks_math_all", "EleutherAI/hendrycks_math", ("train", "test"), ("problem", "solution"),
        problems.math_problem, ("math_rl env=math",), configs=HENDRYCKS_SUBJECTS, default_config=None,
        concat={"train": HENDRYCKS_SUBJECTS, "test": HENDRYCKS_SUBJECTS},
    ),
    _entry(
        "polaris", "POLARIS-Project/Polaris-Dataset-53K", ("train",), ("problem", "answer"), problems.math_problem,
        ("math_rl env=polaris",),
    ),
    _entry(
        "deepmath", "zwhe99/DeepMath-103K", ("train",), ("question", "final_answer"), problems.math_problem,
        ("math_rl env=deepmath", "on-policy distillation prompts"),
    ),
    _entry(
        "openthoughts3", "open-thoughts/OpenThoughts3-1.2M", ("train",), ("conversations",), chat.chat,
        ("off-policy reasoning SFT (distillation)",), streaming=True,
    ),
    # -- code RL
    _entry(
        "deepcoder", "agentica-org/DeepCoder-Preview-Dataset", ("train", "test"), ("problem", "tests", "metadata"),
        problems.deepcoder, ("code_rl (one source)",), configs=("primeintellect", "taco", "lcbv5", "codeforces"),
        default_config="lcbv5",
    ),
    _entry(
        "deepcoder_all", "agentica-org/DeepCoder-Preview-Dataset", ("train", "test"),
        ("problem", "tests", "metadata"), problems.deepcoder, ("code_rl",),
        configs=("primeintellect", "taco", "lcbv5", "codeforces"), default_config=None,
        concat={"train": DEEPCODER_TRAIN, "test": DEEPCODER_TEST},
    ),
    # -- chat SFT
    _entry(
        "tulu3_sft", "allenai/tulu-3-sft-mixture", ("train",), ("messages",), chat.chat,
        ("chat_sl dataset=tulu3", "distillation prompts (tulu3)"),
    ),
    _entry(
        "no_robots", "HuggingFaceH4/no_robots", ("train", "test"), ("messages",), chat.chat,
        ("chat_sl (default)", "sl_loop", "sl_basic", "RLHF stage 1"),
    ),
    # -- preference and DPO
    _entry(
        "hh_rlhf", "Anthropic/hh-rlhf", ("train", "test"), ("chosen", "rejected"), preference.hh_rlhf,
        ("dpo dataset=hhh (default)", "RLHF reward model, prompts and eval"), gated=True, skip=_HH_SKIP,
    ),
    _entry(
        "helpsteer3", "nvidia/HelpSteer3", ("train", "validation"),
        ("context", "response1", "response2", "overall_preference"), preference.helpsteer3,
        ("dpo dataset=helpsteer3",), configs=("preference",), skip=_TIES,
    ),
    _entry(
        "helpsteer2", "nvidia/HelpSteer2", ("train", "validation"), ("prompt", "response", "helpfulness"),
        preference.helpsteer2, ("preference (HelpSteer2ComparisonBuilder pairs rows by prompt)",),
    ),
    _entry(
        "ultrafeedback", "argilla/ultrafeedback-binarized-preferences", ("train",),
        ("instruction", "chosen_response", "rejected_response"), preference.ultrafeedback,
        ("dpo dataset=ultrafeedback",),
    ),
    _entry(
        "arena_140k", "lmarena-ai/arena-human-preference-140k", ("train",),
        ("conversation_a", "conversation_b", "winner"), preference.arena, ("preference (ArenaComparisonBuilder)",),
        skip=_NO_WINNER,
    ),
    _entry(
        "tulu3_preference", "allenai/llama-3.1-tulu-3-8b-preference-mixture", ("train",),
        ("prompt", "chosen", "rejected"), preference.chosen_rejected, ("preference (Tulu38BComparisonBuilder)",),
    ),
    _entry(
        "feedback_collection", "prometheus-eval/Feedback-Collection", ("train",),
        ("orig_instruction", "orig_criteria", "orig_score1_description", "orig_reference_answer"),
        prompts.feedback_rubric, ("rubric-graded RL (LLM judge)",),
    ),
    # -- VLM image classification
    _vision("caltech101", "dpdl-benchmark/caltech101"),
    _vision("oxford_flowers102", "dpdl-benchmark/oxford_flowers102"),
    _vision("oxford_iiit_pet", "dpdl-benchmark/oxford_iiit_pet"),
    _vision("stanford_cars", "tanganke/stanford_cars"),
    # -- audio (rows stay raw: decoded Audio dicts)
    _entry(
        "librispeech_asr", "openslr/librispeech_asr", ("validation", "train.500"), ("audio", "text", "id"), None,
        ("audio ASR SFT and RL",), configs=("clean", "other"), default_config="other", streaming=True,
    ),
    _entry(
        "librispeech_asr_dummy", "hf-internal-testing/librispeech_asr_dummy", ("validation",), ("id", "audio"),
        None, ("inkling sample_audio script",), configs=("clean",),
    ),
    # -- knowledge and code benchmarks
    _entry(
        "mmlu", "cais/mmlu", ("test", "validation", "dev", "auxiliary_train"), _MCQ, choice.listed,
        ("eval mmlu",), configs=("all", *MMLU_SUBJECTS),
    ),
    _entry(
        "mmlu_stem", "cais/mmlu", ("test", "validation", "dev"), _MCQ, choice.listed, ("eval mmlu (STEM subjects)",),
        configs=MMLU_STEM, default_config=None, concat={s: MMLU_STEM for s in ("test", "validation", "dev")},
    ),
    _entry(
        "humaneval", "openai/openai_humaneval", ("test",), ("task_id", "prompt", "test", "entry_point"),
        problems.humaneval, ("eval humaneval",), configs=("openai_humaneval",),
    ),
    _entry(
        "nq_hotpotqa", "PeterJinGo/nq_hotpotqa_train", ("train", "test"), ("question", "reward_model", "data_source"),
        prompts.search_qa, ("search_tool RL",),
    ),
    _entry(
        "gpqa", "Idavidrein/gpqa", ("train",), ("Question", "Correct Answer", "Incorrect Answer 1"), choice.gpqa,
        ("eval gpqa",), configs=("gpqa_diamond", "gpqa_experts", "gpqa_extended", "gpqa_main"), gated=True,
    ),
    _entry(
        "ifeval", "google/IFEval", ("train",), ("key", "prompt", "instruction_id_list", "kwargs"),
        prompts.instruction_following, ("eval ifeval",),
    ),
    _entry(
        "ifbench", "allenai/IFBench_test", ("train",), ("prompt", "instruction_id_list", "kwargs"),
        prompts.instruction_following, ("eval ifbench",),
    ),
    _entry(
        "mmlu_pro", "TIGER-Lab/MMLU-Pro", ("test", "validation"), ("question", "options", "answer_index"),
        choice.listed, ("eval mmlu_pro",),
    ),
    _entry(
        "mmlu_redux", "edinburgh-dawg/mmlu-redux", ("test",), (*_MCQ, "error_type"), choice.listed,
        ("eval mmlu_redux",), configs=MMLU_REDUX_SUBJECTS,
    ),
    _entry(
        "ceval", "ceval/ceval-exam", ("test", "val", "dev"), ("question", "A", "B", "C", "D", "answer"),
        choice.lettered, ("eval ceval",), configs=CEVAL_SUBJECTS, default_split="val",
    ),
    _entry(
        "supergpqa", "m-a-p/SuperGPQA", ("train",), ("question", "options", "answer_letter", "discipline"),
        choice.listed, ("eval supergpqa",),
    ),
    _entry(
        "mbpp", "google-research-datasets/mbpp", ("train", "test", "validation", "prompt"),
        ("prompt", "test_list", "task_id"), problems.mbpp, ("eval mbpp",), configs=("full", "sanitized"),
        default_config="sanitized", default_split="test",
    ),
    *(
        _entry(name, f"MathArena/{name}", ("train",), ("problem", "answer"), problems.math_problem, (f"eval {kind}",))
        for name, kind in (
            ("aime_2025", "aime"),
            ("aime_2026", "aime"),
            ("hmmt_feb_2025", "hmmt"),
            ("hmmt_nov_2025", "hmmt"),
        )
    ),
    _entry(
        "longbench_v2", "THUDM/LongBench-v2", ("train",), ("context", "question", "choice_A", "answer"),
        choice.lettered, ("eval longbench",),
    ),
    _entry(
        "arena_hard", "lmarena-ai/arena-hard-auto-v0.1", ("train",), ("turns", "cluster"), prompts.arena_hard,
        ("eval arena_hard",),
    ),
    _entry(
        "swe_bench_verified", "princeton-nlp/SWE-bench_Verified", ("test",),
        ("instance_id", "repo", "problem_statement", "base_commit", "FAIL_TO_PASS"), problems.swe_bench,
        ("eval swe_bench",),
    ),
    _entry(
        "terminal_bench", "ia03/terminal-bench", ("test",), ("task_id", "task_yaml", "archive"),
        problems.terminal_bench, ("eval terminal_bench",),
    ),
    _entry(
        "livecodebench", "livecodebench/code_generation_lite", ("test",),
        ("question_content", "starter_code", "public_test_cases", "difficulty"), problems.livecodebench,
        ("eval livecodebench",),
    ),
    _entry(
        "bfcl", "gorilla-llm/Berkeley-Function-Calling-Leaderboard", ("train",), ("id", "question", "function"),
        prompts.function_calling, ("eval bfcl",), data_files="BFCL_v3_simple.json",
    ),
)  # fmt: skip
