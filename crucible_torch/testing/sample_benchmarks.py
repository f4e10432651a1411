"""Row generators of the eval-benchmark and extra preference sample repos: real column names, nesting and value
types (ClassLabel answers, JSON text where the real repo stores JSON, binary archives), deterministic per seed.

Each takes ``(rng, index)`` like :mod:`~crucible_torch.testing.sample_rows`; questions are small arithmetic or
code tasks whose answers are correct, so tests can check them independently.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import random
import tarfile
from typing import Any

from . import sample_text as text

LETTERS = "ABCDEFGHIJ"


def _arithmetic(
    rng: random.Random, count: int = 4, template: str = "What is {a} times {b}?"
) -> tuple[str, list[str], int]:
    """A multiplication question, ``count`` distinct numeric choices and the index of the right one."""
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    wrong = rng.sample([a * b + d for d in range(-9, 10) if d], count - 1)
    choices = [str(v) for v in wrong]
    answer = rng.randrange(count)
    choices.insert(answer, str(a * b))
    return template.format(a=a, b=b), choices, answer


def mmlu(subject: str, rng: random.Random, i: int) -> dict[str, Any]:
    question, choices, answer = _arithmetic(rng)
    return {"question": question, "subject": subject, "choices": choices, "answer": answer}


def mmlu_redux(rng: random.Random, i: int) -> dict[str, Any]:
    question, choices, answer = _arithmetic(rng)
    error = "ok" if i % 5 else rng.choice(("wrong_groundtruth", "no_correct_answer", "bad_question_clarity"))
    return {
        "question": question,
        "choices": choices,
        "answer": answer,
        "error_type": error,
        "source": "sample",
        "correct_answer": None if error == "ok" else LETTERS[answer],
        "potential_reason": "" if error == "ok" else "The key marks a different option.",
    }


def mmlu_pro(rng: random.Random, i: int) -> dict[str, Any]:
    question, options, answer = _arithmetic(rng, 10)
    return {
        "question_id": 70 + i,
        "question": question,
        "options": options,
        "answer": LETTERS[answer],
        "answer_index": answer,
        "cot_content": "",
        "category": rng.choice(("math", "business", "physics")),
        "src": "ori_mmlu-elementary_mathematics",
    }


def ceval(rng: random.Random, i: int) -> dict[str, Any]:
    question, choices, answer = _arithmetic(rng, template="{a}乘以{b}等于多少？")
    return {
        "id": i,
        "question": question,
        **dict(zip("ABCD", choices)),
        "answer": LETTERS[answer],
        "explanation": f"答案是{choices[answer]}。",
    }


def gpqa(rng: random.Random, i: int) -> dict[str, Any]:
    question, choices, answer = _arithmetic(
        rng, template="A sample holds {a} moles of a gas at {b} J per mole. What is its energy?"
    )
    choices = [f"{c} J" for c in choices]
    wrong = [c for k, c in enumerate(choices) if k != answer]
    return {
        "Pre-Revision Question": question,
        "Question": question,
        "Correct Answer": choices[answer],
        "Incorrect Answer 1": wrong[0],
        "Incorrect Answer 2": wrong[1],
        "Incorrect Answer 3": wrong[2],
        "Explanation": "Multiply the two numbers.",
        "Subdomain": "Arithmetic",
        "High-level domain": rng.choice(("Physics", "Chemistry", "Biology")),
        "Record ID": f"rec{rng.getrandbits(40):010x}",
    }


def supergpqa(rng: random.Random, i: int) -> dict[str, Any]:
    question, options, answer = _arithmetic(rng, 10)
    return {
        "uuid": text.sha256_hex(f"supergpqa/{i}/{question}")[:32],
        "question": question,
        "options": options,
        "answer": options[answer],
        "answer_letter": LETTERS[answer],
        "discipline": "Science",
        "field": "Mathematics",
        "subfield": "Arithmetic",
        "difficulty": rng.choice(("easy", "middle", "hard")),
        "is_calculation": True,
    }


def longbench(rng: random.Random, i: int) -> dict[str, Any]:
    question, choices, answer = _arithmetic(rng)
    context = " ".join(text.chat_exchange(rng)[1] for _ in range(rng.randint(3, 8)))
    return {
        "_id": text.sha256_hex(f"longbench/{i}")[:24],
        "domain": rng.choice(("Single-Document QA", "Multi-Document QA", "Long In-context Learning")),
        "sub_domain": "Academic",
        "difficulty": rng.choice(("easy", "hard")),
        "length": rng.choice(("short", "medium", "long")),
        "question": question,
        **{f"choice_{c}": choices[k] for k, c in enumerate("ABCD")},
        "answer": LETTERS[answer],
        "context": context,
    }


def competition(answer_type: type, rng: random.Random, i: int) -> dict[str, Any]:
    """AIME (integer answers) and HMMT (LaTeX string answers)."""
    _, problem, _, answer = text.any_math_problem(rng)
    if answer_type is int:
        a, b = rng.randint(10, 999), rng.randint(1, 999)
        problem, answer = f"Find the remainder when ${a} \\cdot {b}$ is divided by $1000$.", (a * b) % 1000
    return {"problem_idx": i + 1, "problem": problem, "answer": answer, "problem_type": ["Number Theory"]}


_IF_INSTRUCTIONS = (
    ("length_constraints:number_words", {"relation": "at least", "num_words": 300}),
    ("keywords:existence", {"keywords": ["river", "stone"]}),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}),
    ("startend:end_checker", {"end_phrase": "Is there anything else I can help with?"}),
    ("change_case:english_lowercase", {}),
    ("language:response_language", {"language": "de"}),
)
IF_KWARGS = ("num_highlights", "relation", "num_words", "keywords", "end_phrase", "language")


def instruction_following(rng: random.Random, i: int) -> dict[str, Any]:
    """IFEval/IFBench: each kwargs dict carries every argument name, None where unused (as Arrow unifies them)."""
    chosen = [_IF_INSTRUCTIONS[(i + k) % len(_IF_INSTRUCTIONS)] for k in range(rng.randint(1, 3))]
    topic = text.chat_exchange(rng)[0]
    return {
        "key": 1000 + i,
        "prompt": f"{topic} Follow every formatting instruction.",
        "instruction_id_list": [name for name, _ in chosen],
        "kwargs": [{k: args.get(k) for k in IF_KWARGS} for _, args in chosen],
    }


def arena_hard(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "question_id": text.sha256_hex(f"arena-hard/{i}")[:32],
        "category": "arena-hard-v0.1",
        "cluster": rng.choice(("Python Coding", "Data Analysis", "Creative Writing")),
        "turns": [{"content": text.chat_exchange(rng)[0]}],
    }


def swe_bench(rng: random.Random, i: int) -> dict[str, Any]:
    repo = rng.choice(("astropy/astropy", "django/django", "sympy/sympy"))
    test = f"tests/test_core.py::test_case_{i}"
    return {
        "repo": repo,
        "instance_id": f"{repo.replace('/', '__')}-{10000 + i}",
        "base_commit": text.sha256_hex(f"{repo}/{i}")[:40],
        "patch": "diff --git a/src/core.py b/src/core.py\n-    return a - b\n+    return a + b\n",
        "test_patch": f"diff --git a/tests/test_core.py b/tests/test_core.py\n+def test_case_{i}(): assert add(1, 2)\n",
        "problem_statement": f"`add` returns the difference instead of the sum (reported against {repo}).",
        "hints_text": "",
        "created_at": "2023-05-04T10:00:00Z",
        "version": rng.choice(("4.2", "5.0", "1.12")),
        "FAIL_TO_PASS": json.dumps([test]),
        "PASS_TO_PASS": json.dumps(["tests/test_core.py::test_import"]),
        "environment_setup_commit": text.sha256_hex(f"env/{repo}")[:40],
        "difficulty": rng.choice(("<15 min fix", "15 min - 1 hour")),
    }


def _task_archive(task_id: str, script: str) -> bytes:
    """A gzipped tar holding the task's test script, as terminal-bench ships each task."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = script.encode()
        info = tarfile.TarInfo(f"{task_id}/run-tests.sh")
        info.size, info.mtime, info.mode = len(data), 0, 0o755
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def terminal_bench(rng: random.Random, i: int) -> dict[str, Any]:
    task_id = f"sample-task-{i}"
    word = rng.choice(("hello", "crucible", "torch"))
    instruction = f"Create a file /app/out.txt that contains the word {word!r} on one line."
    yaml_text = f"instruction: |-\n  {instruction}\ndifficulty: easy\ntags:\n- file-operations\n"
    return {
        "task_id": task_id,
        "task_yaml": yaml_text,
        "archive": _task_archive(task_id, f"#!/bin/bash\ngrep -qx {word} /app/out.txt\n"),
        "difficulty": "easy",
    }


def livecodebench(rng: random.Random, i: int) -> dict[str, Any]:
    problem, tests, _ = text.code_problem(rng)
    return {
        "question_title": problem.split("\n", 1)[0],
        "question_content": problem,
        "platform": rng.choice(("atcoder", "codeforces", "leetcode")),
        "question_id": f"abc{300 + i}_a",
        "contest_id": f"abc{300 + i}",
        "contest_date": datetime.datetime(2024, 8, 3) + datetime.timedelta(days=7 * i),
        "starter_code": "",
        "difficulty": rng.choice(("easy", "medium", "hard")),
        "public_test_cases": json.dumps([{"input": t, "output": o, "testtype": "stdin"} for t, o in tests]),
        "private_test_cases": "",
        "metadata": "{}",
    }


def mbpp(sanitized: bool, rng: random.Random, i: int) -> dict[str, Any]:
    a = rng.randint(2, 9)
    name = f"multiply_by_{a}"
    prompt = f"Write a function to multiply a number by {a}."
    tests = [f"assert {name}({x}) == {a * x}" for x in rng.sample(range(1, 50), 3)]
    code = f"def {name}(x):\n    return x * {a}"
    if sanitized:
        return {"source_file": "Benchmark Questions Verification V2.ipynb", "task_id": 11 + i, "prompt": prompt,
                "code": code, "test_imports": [], "test_list": tests}  # fmt: skip
    return {"task_id": 11 + i, "text": prompt, "code": code, "test_list": tests, "test_setup_code": "",
            "challenge_test_list": []}  # fmt: skip


def humaneval(rng: random.Random, i: int) -> dict[str, Any]:
    a = rng.randint(2, 9)
    name = f"add_{a}"
    prompt = f'def {name}(x: int) -> int:\n    """Return x plus {a}.\n    >>> {name}(1)\n    {1 + a}\n    """\n'
    test = f"def check(candidate):\n    assert candidate(0) == {a}\n    assert candidate(5) == {5 + a}\n"
    return {"task_id": f"HumanEval/{i}", "prompt": prompt, "canonical_solution": f"    return x + {a}\n",
            "test": test, "entry_point": name}  # fmt: skip


def bfcl_question(rng: random.Random, i: int) -> dict[str, Any]:
    """BFCL_v3_simple.json: ``question`` is a list of turns (each a message list), ``function`` the schemas."""
    a, b = rng.randint(1, 20), rng.randint(1, 20)
    return {
        "id": f"simple_{i}",
        "question": [[{"role": "user", "content": f"Find the area of a triangle with base {a} and height {b}."}]],
        "function": [
            {
                "name": "calculate_triangle_area",
                "description": "Calculate the area of a triangle given its base and height.",
                "parameters": {
                    "type": "dict",
                    "properties": {
                        "base": {"type": "integer", "description": "The base of the triangle."},
                        "height": {"type": "integer", "description": "The height of the triangle."},
                    },
                    "required": ["base", "height"],
                },
            }
        ],
    }


def search_qa(rng: random.Random, i: int) -> dict[str, Any]:
    name = rng.choice(text.NAMES)
    question = f"who wrote the book that {name} read in chapter {i + 1}?"
    answers = [f"{name} Author", f"{name[0]}. Author"]
    source = rng.choice(("nq", "hotpotqa"))
    return {
        "id": f"train_{i}",
        "question": question,
        "golden_answers": answers,
        "data_source": source,
        "prompt": [{"content": f"Answer the given question. Question: {question}", "role": "user"}],
        "ability": "fact-reasoning",
        "reward_model": {"ground_truth": {"target": answers}, "style": "rule"},
        "extra_info": {"index": i, "split": "train"},
    }


def helpsteer2(rng: random.Random, i: int) -> dict[str, Any]:
    """Rows come in pairs with the same prompt (two rated responses), as the real data does."""
    prompt = text.chat_exchange(random.Random(f"helpsteer2/{i // 2}"))[0]
    helpful = rng.randint(0, 4)
    return {
        "prompt": prompt,
        "response": text.chat_exchange(rng)[1],
        "helpfulness": helpful,
        "correctness": max(0, helpful - rng.randint(0, 1)),
        "coherence": rng.randint(2, 4),
        "complexity": rng.randint(0, 3),
        "verbosity": rng.randint(0, 4),
    }


def arena(rng: random.Random, i: int) -> dict[str, Any]:
    """Conversations with content as lists of typed parts; winners include ties and both_bad."""
    question, answer = text.chat_exchange(rng)

    def turns(reply: str) -> list[dict[str, Any]]:
        return [
            {"role": "user", "content": [{"type": "text", "text": question, "image": None, "mimeType": None}]},
            {"role": "assistant", "content": [{"type": "text", "text": reply, "image": None, "mimeType": None}]},
        ]

    models = rng.sample(("gemini-2.5-pro", "claude-opus-4", "gpt-4.1", "o3", "deepseek-r1"), 2)
    return {
        "id": text.sha256_hex(f"arena/{i}")[:36],
        "model_a": models[0],
        "model_b": models[1],
        "winner": rng.choice(("model_a", "model_b", "model_a", "model_b", "tie", "both_bad")),
        "evaluation_order": 1,
        "conversation_a": turns(answer),
        "conversation_b": turns("I am not sure about that."),
        "language": "en",
        "is_code": False,
    }


def tulu_preference(rng: random.Random, i: int) -> dict[str, Any]:
    prompt, good = text.chat_exchange(rng)
    user = {"content": prompt, "role": "user"}
    return {
        "id": f"tulu-pref-{i}",
        "source": rng.choice(("ultrafeedback_mean_aspects", "helpsteer2", "tulu-3-sft-reused-on-policy-8b")),
        "prompt": prompt,
        "chosen": [user, {"content": good, "role": "assistant"}],
        "rejected": [user, {"content": "I'd rather not say.", "role": "assistant"}],
        "chosen_model": "gpt-4o-2024-08-06",
        "rejected_model": "llama-3.1-tulu-3-8b",
    }


def feedback_collection(rng: random.Random, i: int) -> dict[str, Any]:
    instruction, reference = text.chat_exchange(rng)
    score = rng.randint(1, 5)
    grades = ("poor", "fair", "okay", "good", "excellent")
    rubric = {f"orig_score{k}_description": f"Score {k}: the answer is {grades[k - 1]}."
              for k in range(1, 6)}  # fmt: skip
    return {
        "orig_criteria": "Is the explanation accurate and easy to follow?",
        **rubric,
        "orig_response": reference if score > 3 else "I don't know.",
        "orig_instruction": instruction,
        "orig_reference_answer": reference,
        "orig_feedback": f"The response deserves a {score}.",
        "orig_score": str(score),
        "instruction": f"###Task Description: grade the response.\n{instruction}",
        "output": f"Feedback: ... [RESULT] {score}",
        "input": "",
    }


def bfcl_answers(rng: random.Random) -> dict[str, bytes]:
    """``possible_answer/BFCL_v3_simple.json``: the accepted arguments per question id (not part of the split)."""
    lines = [
        {"id": f"simple_{i}", "ground_truth": [{"calculate_triangle_area": {"base": [i + 1], "height": [i + 2]}}]}
        for i in range(5)
    ]
    return {"possible_answer/BFCL_v3_simple.json": "".join(json.dumps(r) + "\n" for r in lines).encode()}
