"""The row normalisers on real-shaped and tricky rows, and their error paths: each expectation is written out by
hand from the dataset's documented shape, not computed by the code under test."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crucible_torch.cookbook import chat, choice, preference, problems, prompts, vision
from crucible_torch.cookbook.rows import MalformedRow
from crucible_torch.cookbook.types import Conversation, LabeledComparison, Message


def test_gsm8k_answer_after_the_last_marker_with_commas_and_dollars_stripped() -> None:
    row = {"question": "q", "answer": "Step <<2*3=6>>6.\n#### 5\nmore <<1+1=2>>2\n#### $1,234"}
    example = problems.gsm8k(row)
    assert (example.answer, example.value, example.metadata["steps"]) == ("1234", Fraction(1234), 2)
    assert problems.gsm8k({"question": "q", "answer": "#### -0.5"}).value == Fraction(-1, 2)
    with pytest.raises(MalformedRow, match="####"):
        problems.gsm8k({"question": "q", "answer": "no marker"})
    with pytest.raises(MalformedRow, match="a number"):
        problems.gsm8k({"question": "q", "answer": "#### twelve"})


def test_math_answer_is_the_answer_column_else_the_last_nested_box() -> None:
    solution = r"First \boxed{1}. Then \fbox{2}. Finally $\boxed{\frac{\sqrt{3}}{2}}$."
    assert problems.math_problem({"problem": "p", "solution": solution}).answer == r"\frac{\sqrt{3}}{2}"
    assert problems.math_problem({"problem": "p", "solution": r"\fbox{7}"}).value == 7
    given_answer = {"problem": "p", "solution": r"\boxed{2}", "answer": "3", "level": 4}
    assert (problems.math_problem(given_answer).answer, problems.math_problem(given_answer).metadata) == (
        "3",
        {"level": 4},
    )
    assert problems.math_problem({"question": "q", "final_answer": 12}).answer == "12"
    with pytest.raises(MalformedRow, match="boxed"):
        problems.math_problem({"problem": "p", "solution": r"\boxed{unclosed"})


def test_sharegpt_roles_map_and_unknown_roles_fail() -> None:
    row = {
        "conversations": [
            {"from": "system", "value": "s"},
            {"from": "human", "value": "h"},
            {"from": "gpt", "value": "g"},
        ]
    }
    assert chat.chat(row).messages == (Message("system", "s"), Message("user", "h"), Message("assistant", "g"))
    messages = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "id": 3}
    convo = chat.chat(messages)
    assert convo.turn_count == 1 and convo.metadata == {"id": 3} and convo.to_messages() == messages["messages"]
    with pytest.raises(MalformedRow, match="unknown message role 'narrator'"):
        chat.chat({"messages": [{"role": "narrator", "content": "x"}]})
    with pytest.raises(MalformedRow, match="'messages' or 'conversations'"):
        chat.chat({"text": "x"})


def test_hh_transcripts_split_into_shared_prompt_and_final_turns() -> None:
    prefix = "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke\n\nAssistant:"
    example = preference.hh_rlhf({"chosen": prefix + " A pun.", "rejected": prefix + " No."})
    prompt = example.comparison.prompt
    assert prompt.messages == (Message("user", "Hi"), Message("assistant", "Hello!"), Message("user", "Tell me a joke"))
    assert example.comparison.response_a.messages == (Message("assistant", "A pun."),)
    assert example.comparison.response_b.messages == (Message("assistant", "No."),)
    assert example.preferred == "a" and example.to_score() == 1.0
    differing = {"chosen": "\n\nHuman: a\n\nAssistant: x", "rejected": "\n\nHuman: b\n\nAssistant: y"}
    assert not preference.hh_rlhf_is_well_formed(differing)
    with pytest.raises(MalformedRow, match="share every turn but the last"):
        preference.hh_rlhf(differing)


@pytest.mark.parametrize(("score", "preferred"), [(-3, "a"), (-1, "a"), (0, "tie"), (2, "b")])
def test_helpsteer3_sign_rule(score: int, preferred: str) -> None:
    row = {
        "context": [{"role": "user", "content": "q"}],
        "response1": "r1",
        "response2": "r2",
        "overall_preference": score,
    }
    example = preference.helpsteer3(row)
    assert (example.preferred, example.margin) == (preferred, abs(score))
    assert example.comparison.response_a.messages[0].content == "r1"


def test_arena_winner_and_text_part_content() -> None:
    def convo(reply: object) -> list:
        return [
            {"role": "user", "content": [{"type": "text", "text": "q", "image": None}]},
            {"role": "assistant", "content": reply},
        ]

    row = {"conversation_a": convo([{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]),
           "conversation_b": convo("plain"), "winner": "model_b"}  # fmt: skip
    example = preference.arena(row)
    assert example.preferred == "b" and example.comparison.response_a.messages[0].content == "one two"
    assert preference.arena({**row, "winner": "both_bad"}).preferred == "tie"
    with pytest.raises(MalformedRow, match="'image' part"):
        preference.arena({**row, "conversation_b": convo([{"type": "image", "image": "x.png"}])})


def test_ultrafeedback_and_tulu_preference() -> None:
    uf = {"instruction": "i", "chosen_response": "c", "rejected_response": "r", "chosen_avg_rating": 4.5,
          "rejected_avg_rating": 2.0}  # fmt: skip
    assert preference.ultrafeedback(uf).margin == 2.5
    user = {"role": "user", "content": "p"}
    tulu = {"prompt": "p", "chosen": [user, {"role": "assistant", "content": "c"}],
            "rejected": [user, {"role": "assistant", "content": "r"}]}  # fmt: skip
    example = preference.chosen_rejected(tulu)
    assert example.comparison.prompt == Conversation((Message("user", "p"),)) and example.cookbook_label == "A"


def test_labels_and_scores() -> None:
    assert [LabeledComparison.label(v) for v in ("A", "Rejected", "model_b", " TIE ")] == ["a", "b", "b", "tie"]
    with pytest.raises(ValueError, match="unknown preference label"):
        LabeledComparison.label("maybe")


def test_feedback_rubric_with_and_without_prefix() -> None:
    plain = {"instruction": "i", "criteria": "c", **{f"score{k}_description": f"s{k}" for k in range(1, 6)}}
    prefixed = {f"orig_{k}": v for k, v in plain.items()}
    for row in (plain, prefixed):
        rubric = prompts.feedback_rubric(row)
        assert rubric.scores == {1: "s1", 2: "s2", 3: "s3", 4: "s4", 5: "s5"} and rubric.criteria == "c"
    with pytest.raises(MalformedRow, match="score3_description"):
        prompts.feedback_rubric({k: v for k, v in plain.items() if k != "score3_description"})


def test_multiple_choice_spellings() -> None:
    mmlu = choice.listed({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 2, "subject": "s"})
    assert (mmlu.answer, mmlu.letter, mmlu.metadata) == (2, "C", {"subject": "s"})
    pro = choice.listed({"question": "q", "options": list("abcdefghij"), "answer": "J", "answer_index": 9})
    assert pro.letter == "J"
    super_ = choice.listed({"question": "q", "options": ["x", "y"], "answer": "y", "answer_letter": "(B)"})
    assert super_.answer == 1
    ceval = choice.lettered({"question": "q", "A": "1", "B": "2", "C": "3", "D": "4", "answer": "d"})
    assert ceval.choices == ("1", "2", "3", "4") and ceval.answer == 3
    with pytest.raises(MalformedRow, match="outside the 4 choices"):
        choice.listed({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 4})
    with pytest.raises(MalformedRow, match="answer letter"):
        choice.lettered({"question": "q", "A": "1", "B": "2", "answer": ""})


@given(st.text(min_size=1), st.lists(st.text(min_size=1), min_size=4, max_size=4, unique=True))
def test_gpqa_keeps_every_answer_and_marks_the_correct_one(question: str, answers: list[str]) -> None:
    row = {"Question": question, **dict(zip(choice.GPQA_COLUMNS, answers))}
    example = choice.gpqa(row)
    assert sorted(example.choices) == sorted(a.strip() for a in answers)
    assert example.choices[example.answer] == answers[0].strip()
    assert choice.gpqa(row) == example  # the position is a function of the row


def test_code_rows_parse_their_json() -> None:
    tests = [{"input": "1\n", "output": "1\n"}]
    row = {"problem": "p", "tests": json.dumps(tests), "metadata": json.dumps({"difficulty": "EASY"})}
    example = problems.deepcoder(row)
    assert example.tests == tests and example.metadata == {"difficulty": "EASY"}
    with pytest.raises(MalformedRow, match="not valid JSON"):
        problems.deepcoder({**row, "tests": "[{"})
    humaneval = {"task_id": "HumanEval/0", "prompt": "def f():\n", "canonical_solution": "  return 1\n",
                 "test": "def check(c): pass", "entry_point": "f"}  # fmt: skip
    assert problems.humaneval(humaneval).entry_point == "f"
    swe = {"problem_statement": "bug", "FAIL_TO_PASS": '["t::a"]', "patch": "diff", "repo": "r"}
    assert problems.swe_bench(swe).tests == ["t::a"] and problems.swe_bench(swe).metadata == {"repo": "r"}
    task = problems.terminal_bench({"task_id": "t", "task_yaml": "instruction: do it\n", "archive": b"\x1f\x8b"})
    assert task.prompt == "do it" and task.metadata["archive"] == b"\x1f\x8b"
    with pytest.raises(MalformedRow, match="instruction"):
        problems.terminal_bench({"task_id": "t", "task_yaml": "author: me\n"})


def test_vision_uses_the_given_class_names() -> None:
    example = vision.vision({"image": "img", "label": 1, "species": 0}, label_names=("cat", "dog"))
    assert (example.label_name, example.metadata) == ("dog", {"species": 0})
    with pytest.raises(MalformedRow, match="outside the dataset's 2 class names"):
        vision.vision({"image": "img", "label": 2}, label_names=("cat", "dog"))


def test_search_qa_prefers_the_reward_model_targets() -> None:
    row = {"question": "q", "golden_answers": ["x"], "reward_model": {"ground_truth": {"target": ["a", "b"]}}}
    assert prompts.search_qa(row).answers == ("a", "b")
    assert prompts.search_qa({"question": "q", "golden_answers": ["x"], "reward_model": None}).answers == ("x",)
