"""Problem rows -> :class:`MathProblem` and :class:`CodeProblem`, as the math, code RL and eval recipes read them.

Math: GSM8K's final answer is the text after the last ``####`` (commas and ``$`` stripped, parsed as an exact
number); MATH-style rows take their ``answer`` column when there is one, else the last ``\\boxed{...}`` of the
solution. Code: tests and metadata stored as JSON text are parsed, so a recipe gets lists and dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from .answers import boxed_answer, gsm8k_answer, parse_number
from .rows import MalformedRow, field, json_value, optional_text, rest, text
from .types import CodeProblem, MathProblem


def gsm8k(row: Mapping[str, Any]) -> MathProblem:
    """openai/gsm8k: ``question`` and ``answer`` (worked steps ending in ``#### N``); ``steps`` counts ``<<..>>``."""
    solution = text(row, "answer")
    answer = gsm8k_answer(solution)
    if not answer:
        raise MalformedRow(f"expected the answer column to end in '#### <number>', got ...{solution[-60:]!r}")
    value = parse_number(answer)
    if value is None:
        raise MalformedRow(f"expected a number after '####', got {answer!r}")
    return MathProblem(text(row, "question"), answer, solution, value, {"steps": solution.count("<<")})


def math_problem(row: Mapping[str, Any]) -> MathProblem:
    """MATH-500, Hendrycks MATH, DeepMath, Polaris, AIME/HMMT: ``problem`` (or ``question``), and ``answer`` (or
    ``final_answer``) when given, else the last ``\\boxed{}`` of ``solution``; other columns become metadata."""
    problem = text(row, "problem", "question")
    solution = optional_text(row, "solution")
    given = next((row[k] for k in ("answer", "final_answer") if row.get(k) is not None), None)
    answer = str(given).strip() if given is not None else boxed_answer(solution) if solution else None
    if answer is None:
        raise MalformedRow("expected an 'answer' column or a solution with a \\boxed{...} answer")
    used = ("problem", "question", "solution", "answer", "final_answer")
    return MathProblem(problem, answer, solution, parse_number(answer), rest(row, used))


def deepcoder(row: Mapping[str, Any]) -> CodeProblem:
    """agentica-org/DeepCoder-Preview-Dataset: ``problem``, ``tests`` and ``metadata`` (both JSON text, parsed)."""
    metadata = json_value(row, "metadata") if row.get("metadata") is not None else {}
    if not isinstance(metadata, dict):
        raise MalformedRow(f"expected the metadata column to hold a JSON object, got {type(metadata).__name__}")
    return CodeProblem(text(row, "problem"), json_value(row, "tests"), metadata=metadata)


def humaneval(row: Mapping[str, Any]) -> CodeProblem:
    """openai/openai_humaneval: ``prompt`` (signature + docstring), ``test`` code, ``canonical_solution``."""
    return CodeProblem(
        text(row, "prompt"),
        text(row, "test"),
        text(row, "canonical_solution"),
        entry_point=text(row, "entry_point"),
        metadata={"task_id": text(row, "task_id")},
    )


def mbpp(row: Mapping[str, Any]) -> CodeProblem:
    """google-research-datasets/mbpp (``sanitized`` has ``prompt``, ``full`` has ``text``): asserts in ``test_list``."""
    tests = field(row, "test_list")
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        raise MalformedRow("expected test_list to be a list of assert statements")
    used = ("prompt", "text", "test_list", "code")
    return CodeProblem(text(row, "prompt", "text"), tests, optional_text(row, "code"), metadata=rest(row, used))


def livecodebench(row: Mapping[str, Any]) -> CodeProblem:
    """livecodebench/code_generation_lite: ``question_content``, ``starter_code`` and ``public_test_cases`` (JSON)."""
    tests = json_value(row, "public_test_cases" if row.get("public_test_cases") is not None else "input_output")
    used = ("question_content", "starter_code", "public_test_cases", "input_output", "private_test_cases")
    return CodeProblem(
        text(row, "question_content"),
        tests,
        starter_code=optional_text(row, "starter_code") or None,
        metadata=rest(row, used),
    )


def swe_bench(row: Mapping[str, Any]) -> CodeProblem:
    """princeton-nlp/SWE-bench_Verified: the issue text; the tests to fix are ``FAIL_TO_PASS`` (JSON list)."""
    used = ("problem_statement", "FAIL_TO_PASS", "patch")
    return CodeProblem(
        text(row, "problem_statement"),
        json_value(row, "FAIL_TO_PASS"),
        optional_text(row, "patch"),
        metadata=rest(row, used),
    )


def terminal_bench(row: Mapping[str, Any]) -> CodeProblem:
    """ia03/terminal-bench: the instruction from ``task_yaml`` (YAML text); the task ``archive`` bytes stay in
    metadata for the sandbox."""
    try:
        task = yaml.safe_load(text(row, "task_yaml"))
    except yaml.YAMLError as e:
        raise MalformedRow(f"task_yaml is not valid YAML: {e}") from None
    if not isinstance(task, dict):
        raise MalformedRow("expected task_yaml to hold a mapping")
    instruction = next((task[k] for k in ("instruction", "task", "description") if isinstance(task.get(k), str)), None)
    if instruction is None:
        raise MalformedRow(
            f"expected task_yaml to have an 'instruction' (or 'task', 'description'); keys {sorted(task)}"
        )
    archive = row.get("archive")
    if archive is not None and not isinstance(archive, bytes):
        raise MalformedRow(f"expected the archive column to hold bytes, got {type(archive).__name__}")
    return CodeProblem(instruction, language="bash", metadata=rest(row, ("task_yaml",)))
