"""Row generators of the sample repos: one function per repo returning a row with the real column names, value
types and nesting (``messages`` as lists of ``{content, role}``, JSON strings where the real repo stores JSON,
``Image``/``Audio`` storage dicts), plus the class names of the image repos (a subset of the real names).

Each takes ``(rng, index)``: the split's ``random.Random`` and the row's index in the split.
"""

from __future__ import annotations

import gzip
import json
import random
from typing import Any

from . import sample_text as text
from .sample_media import image_file, wav_bytes


def gsm8k(socratic: bool, rng: random.Random, i: int) -> dict[str, Any]:
    return text.gsm8k_row(rng, socratic=socratic)


def math500(rng: random.Random, i: int) -> dict[str, Any]:
    subject, problem, solution, answer = text.any_math_problem(rng)
    return {
        "problem": problem,
        "solution": solution,
        "answer": answer,
        "subject": text.MATH_SUBJECTS[subject],
        "level": rng.randint(1, 5),
        "unique_id": f"test/{subject}/{100 + 7 * i}.json",
    }


def hendrycks(subject: str, rng: random.Random, i: int) -> dict[str, Any]:
    problem, solution, _ = text.math_problem(rng, subject)
    return {
        "problem": problem,
        "level": f"Level {rng.randint(1, 5)}",
        "type": text.MATH_SUBJECTS[subject],
        "solution": solution,
    }


_TULU_SOURCES = (
    "ai2-adapt-dev/oasst1_converted",
    "ai2-adapt-dev/flan_v2_converted",
    "ai2-adapt-dev/tulu_v3.9_wildchat_100k",
    "allenai/tulu-3-sft-personas-math",
)


def tulu(rng: random.Random, i: int) -> dict[str, Any]:
    source = rng.choice(_TULU_SOURCES)
    return {
        "id": f"{source.rsplit('/', 1)[-1]}_{i}",
        "messages": text.messages(rng, system=rng.random() < 0.1),
        "source": source,
    }


_NO_ROBOTS_CATEGORIES = (
    "Generation",
    "Open QA",
    "Brainstorm",
    "Chat",
    "Rewrite",
    "Summarize",
    "Coding",
    "Classify",
    "Closed QA",
    "Extract",
)


def no_robots(rng: random.Random, i: int) -> dict[str, Any]:
    chat = text.messages(rng, system=rng.random() < 0.2, turns=rng.randint(1, 2))
    prompt = next(m["content"] for m in chat if m["role"] == "user")
    return {
        "prompt": prompt,
        "prompt_id": text.sha256_hex(f"{prompt}/{i}"),
        "messages": chat,
        "category": rng.choice(_NO_ROBOTS_CATEGORIES),
    }


def hh(rng: random.Random, i: int) -> dict[str, Any]:
    return text.hh_dialogue(rng)


def hh_red_team(rng: random.Random) -> dict[str, bytes]:
    """The real repo's ``red-team-attempts`` folder: a file matching no split pattern, with other columns."""
    rows = [
        {
            "transcript": text.hh_dialogue(rng)["rejected"],
            "min_harmlessness_score_transcript": rng.uniform(-3, 1),
            "num_params": "52B",
            "model_type": "context distillation",
            "rating": float(rng.randint(0, 4)),
            "task_description": "Try to get the assistant to help with something harmful",
            "is_upworker": False,
        }
        for _ in range(5)
    ]
    lines = "".join(json.dumps(r) + "\n" for r in rows).encode()
    return {"red-team-attempts/red_team_attempts.jsonl.gz": gzip.compress(lines, mtime=0)}


def helpsteer3(rng: random.Random, i: int) -> dict[str, Any]:
    chat = text.messages(rng, turns=rng.randint(1, 2))[:-1]
    preference = rng.randint(-3, 3)
    return {
        "domain": rng.choice(("general", "stem", "code")),
        "language": "english",
        "context": [{"role": m["role"], "content": m["content"]} for m in chat],
        "response1": text.chat_exchange(rng)[1],
        "response2": text.chat_exchange(rng)[1],
        "overall_preference": preference,
        "individual_preference": [
            {
                "score": max(-3, min(3, preference + rng.randint(-1, 1))),
                "reasoning": f"@Response {1 if preference <= 0 else 2} is more complete and accurate.",
            }
            for _ in range(rng.randint(2, 3))
        ],
    }


_UF_MODELS = ("gpt-4", "gpt-3.5-turbo", "wizardlm-70b", "llama-2-13b-chat", "falcon-40b-instruct", "ultralm-13b")


def ultrafeedback(rng: random.Random, i: int) -> dict[str, Any]:
    instruction, chosen = text.chat_exchange(rng)
    high = rng.choice((4.0, 4.25, 4.5, 4.75, 5.0))
    return {
        "source": rng.choice(("evol_instruct", "false_qa", "flan_v2_niv2", "sharegpt", "ultrachat")),
        "instruction": instruction,
        "chosen_response": chosen,
        "chosen_avg_rating": high,
        "chosen_model": rng.choice(_UF_MODELS),
        "rejected_response": "I'm not sure, but it might be related.",
        "rejected_avg_rating": high - rng.choice((0.5, 1.0, 1.75, 2.5)),
        "rejected_model": rng.choice(_UF_MODELS),
    }


def deepmath(rng: random.Random, i: int) -> dict[str, Any]:
    subject, problem, solution, answer = text.any_math_problem(rng)
    return {
        "question": problem,
        "final_answer": answer,
        "difficulty": rng.choice((3.0, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 8.0)),
        "topic": f"Mathematics -> {text.MATH_SUBJECTS[subject].replace(' & ', ' and ')} -> Other",
        **{f"r1_solution_{k}": text.thinking(rng, solution) for k in (1, 2, 3)},
    }


def polaris(rng: random.Random, i: int) -> dict[str, Any]:
    _, problem, _, answer = text.any_math_problem(rng)
    return {"problem": problem, "answer": answer, "difficulty": f"{rng.randint(1, 7)}/8"}


def openthoughts(rng: random.Random, i: int) -> dict[str, Any]:
    domain = rng.choice(("math", "math", "code", "science"))
    if domain == "code":
        question, _, solution = text.code_problem(rng)
        answer, source = f"```python\n{solution}\n```", "nvidia/OpenCodeReasoning"
    else:
        _, question, answer, _ = text.any_math_problem(rng)
        source = "ai2-adapt-dev/openmath-2-math" if domain == "math" else "organic-chemistry-questions"
    return {
        "difficulty": rng.randint(1, 10),
        "source": source,
        "domain": domain,
        "conversations": [{"from": "human", "value": question}, {"from": "gpt", "value": text.thinking(rng, answer)}],
    }


def deepcoder(config: str, rng: random.Random, i: int) -> dict[str, Any]:
    """Test formats differ per source as in the real dataset; all three columns are JSON/plain strings."""
    problem, tests, _ = text.code_problem(rng)
    if config == "taco":
        encoded: Any = {"inputs": [t[0] for t in tests], "outputs": [t[1] for t in tests]}
    elif config == "lcbv5":
        encoded = [{"input": t[0], "output": t[1], "testtype": "stdin"} for t in tests]
    elif config == "primeintellect":
        encoded = [{"type": "stdin_stdout", "input": t[0], "output": t[1]} for t in tests]
    else:
        encoded = [{"input": t[0], "output": t[1]} for t in tests]
    metadata = {"difficulty": rng.choice(("EASY", "MEDIUM", "HARD")), "time_limit": 1.0, "source": config}
    return {"problem": problem, "tests": json.dumps(encoded), "metadata": json.dumps(metadata)}


def vlm(names: tuple[str, ...], rng: random.Random, i: int) -> dict[str, Any]:
    label = i % len(names)
    return {"image": image_file(rng, label, len(names), i), "label": label}


def pet(rng: random.Random, i: int) -> dict[str, Any]:
    row = vlm(PET_BREEDS, rng, i)
    return {**row, "species": 0 if PET_BREEDS[row["label"]][0].isupper() else 1}


_SPEAKERS = (1272, 1462, 1673, 174, 2277, 2412, 2428, 251, 2803, 2902)


def speech(rng: random.Random, i: int) -> dict[str, Any]:
    speaker, chapter = rng.choice(_SPEAKERS), rng.randint(10_000, 200_000)
    utterance = f"{speaker}-{chapter}-{i:04d}"
    return {
        "file": f"{utterance}.wav",
        "audio": {"bytes": wav_bytes(rng), "path": f"{utterance}.wav"},
        "text": text.speech_text(rng),
        "speaker_id": speaker,
        "chapter_id": chapter,
        "id": utterance,
    }


# -- class names (a subset of the real ones) -------------------------------------------------------------
CALTECH_CLASSES = (
    "accordion",
    "airplanes",
    "anchor",
    "ant",
    "barrel",
    "bass",
    "beaver",
    "binocular",
    "bonsai",
    "stop_sign",
)
FLOWER_CLASSES = (
    "pink primrose",
    "hard-leaved pocket orchid",
    "canterbury bells",
    "sweet pea",
    "english marigold",
    "tiger lily",
    "moon orchid",
    "bird of paradise",
    "monkshood",
    "globe thistle",
)
PET_BREEDS = (
    "Abyssinian",
    "american_bulldog",
    "american_pit_bull_terrier",
    "basset_hound",
    "beagle",
    "Bengal",
    "Birman",
    "Bombay",
    "boxer",
    "British_Shorthair",
)
CAR_CLASSES = (
    "AM General Hummer SUV 2000",
    "Acura RL Sedan 2012",
    "Acura TL Sedan 2012",
    "Acura TL Type-S 2008",
    "Acura TSX Sedan 2012",
    "Acura Integra Type R 2001",
    "Acura ZDX Hatchback 2012",
    "Aston Martin V8 Vantage Convertible 2012",
    "Aston Martin V8 Vantage Coupe 2012",
    "Aston Martin Virage Convertible 2012",
)
