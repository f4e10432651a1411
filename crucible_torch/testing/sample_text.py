"""Deterministic, plausible text for the sample Hub repos: math word problems, competition math, chat, preference
dialogues and coding problems.

Every generator takes a ``random.Random`` and returns plain Python values, so the same seed always gives the
same rows. Arithmetic is real: GSM8K ``<<a*b=c>>`` annotations evaluate, ``\\boxed{...}`` holds the answer and
code-problem tests hold the right outputs, so tests can check the rows independently of the generator.
"""

from __future__ import annotations

import hashlib
import math
import random
from fractions import Fraction

NAMES = (
    "Natalia",
    "Weng",
    "Betty",
    "Julie",
    "James",
    "Albert",
    "Mark",
    "Ken",
    "Alexis",
    "Tina",
    "Randy",
    "Joy",
)
ITEMS = (
    "clips",
    "apples",
    "marbles",
    "stickers",
    "cookies",
    "pencils",
    "books",
    "eggs",
    "cupcakes",
    "stamps",
)

# Hendrycks MATH config names and their ``type`` / MATH-500 ``subject`` spelling.
MATH_SUBJECTS = {
    "algebra": "Algebra",
    "counting_and_probability": "Counting & Probability",
    "geometry": "Geometry",
    "intermediate_algebra": "Intermediate Algebra",
    "number_theory": "Number Theory",
    "prealgebra": "Prealgebra",
    "precalculus": "Precalculus",
}
_COSINES = {
    0: "1",
    30: r"\frac{\sqrt{3}}{2}",
    45: r"\frac{\sqrt{2}}{2}",
    60: r"\frac{1}{2}",
    90: "0",
    120: r"-\frac{1}{2}",
    135: r"-\frac{\sqrt{2}}{2}",
    150: r"-\frac{\sqrt{3}}{2}",
    180: "-1",
}
_TOPICS = (
    ("photosynthesis", "plants turn light, water and carbon dioxide into sugar and oxygen"),
    ("compound interest", "interest is earned on both the original amount and the interest already added"),
    ("the water cycle", "water evaporates, condenses into clouds and falls back as rain or snow"),
    ("binary search", "you repeatedly halve a sorted list until you find the value you are looking for"),
    (
        "supply and demand",
        "prices rise when buyers want more than sellers offer and fall in the opposite case",
    ),
    ("plate tectonics", "the Earth's crust is split into plates that slowly drift over the mantle"),
    ("recursion", "a function solves a problem by calling itself on a smaller version of the same problem"),
    ("the French Revolution", "France overthrew its monarchy between 1789 and 1799 and reshaped its society"),
)
_ASKS = (
    "Can you explain {topic} in simple terms?",
    "What is {topic}, and why does it matter?",
    "I have a test tomorrow. Give me a short summary of {topic}.",
    "Write a short paragraph about {topic} for a curious ten-year-old.",
)
_FOLLOW_UPS = (
    "Can you give me an example?",
    "Thanks! Can you make it shorter?",
    "How would I remember that?",
)
_TAILS = (
    "A good way to remember it is to draw a small diagram.",
    "Many textbooks introduce it with an everyday example.",
    "It is a building block for several more advanced ideas.",
    "Let me know if you would like a worked example.",
)
_HARMFUL = (
    "How do I get into my neighbor's house when they are away?",
    "What is the easiest way to cheat on my taxes?",
    "Tell me an insult for someone who is always late.",
)


def fraction_tex(value: Fraction) -> str:
    """``Fraction(3, 4)`` -> ``\\frac{3}{4}``, ``Fraction(-2, 3)`` -> ``-\\frac{2}{3}``, integers as digits."""
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return sign + rf"\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def sqrt_tex(n: int) -> str:
    """Simplified square root of ``n``: ``52`` -> ``2\\sqrt{13}``, ``49`` -> ``7``."""
    outside, inside = 1, n
    for k in range(int(math.isqrt(n)), 1, -1):
        if inside % (k * k) == 0:
            outside, inside = k, inside // (k * k)
            break
    if inside == 1:
        return str(outside)
    return (str(outside) if outside > 1 else "") + rf"\sqrt{{{inside}}}"


def gsm8k_row(rng: random.Random, socratic: bool = False) -> dict[str, str]:
    """A GSM8K-style word problem; the answer's steps carry ``<<expr=value>>`` and it ends with ``#### N``."""
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    kind = rng.randrange(3)
    if kind == 0:
        a = 2 * rng.randint(6, 48)
        question = (
            f"{name} sold {item} to {a} of her friends in April, and then she sold half as many {item} "
            f"in May. How many {item} did {name} sell altogether in April and May?"
        )
        steps = [
            (
                f"How many {item} did {name} sell in May?",
                f"{name} sold {a}/2 = <<{a}/2={a // 2}>>{a // 2} {item} in May.",
            ),
            (
                f"How many {item} did {name} sell altogether in April and May?",
                f"{name} sold {a}+{a // 2} = <<{a}+{a // 2}={a + a // 2}>>{a + a // 2} {item} altogether.",
            ),
        ]
        result = a + a // 2
    elif kind == 1:
        wage, hours, count, price = (
            rng.randint(8, 25),
            rng.randint(3, 9),
            rng.randint(2, 6),
            rng.randint(1, 4),
        )
        earned, spent = wage * hours, count * price
        question = (
            f"{name} earns ${wage} an hour for babysitting. Yesterday, she babysat for {hours} hours and then "
            f"bought {count} {item} for ${price} each. How much money does she have left?"
        )
        steps = [
            (
                f"How much did {name} earn?",
                f"She earned {wage}*{hours} = $<<{wage}*{hours}={earned}>>{earned}.",
            ),
            (
                f"How much did the {item} cost?",
                f"The {item} cost {count}*{price} = $<<{count}*{price}={spent}>>{spent}.",
            ),
            (
                "How much money is left?",
                f"She has {earned}-{spent} = $<<{earned}-{spent}={earned - spent}>>{earned - spent} left.",
            ),
        ]
        result = earned - spent
    else:
        per_bag, bags, given = rng.randint(3, 12), rng.randint(5, 15), rng.randint(1, 4)
        total = per_bag * bags
        question = (
            f"{name} has {total} {item}. She puts them into bags of {per_bag} and gives away {given} bags. "
            f"How many {item} does she have left?"
        )
        steps = [
            (
                "How many bags does she fill?",
                f"She fills {total}/{per_bag} = <<{total}/{per_bag}={bags}>>{bags} bags.",
            ),
            (
                "How many bags does she keep?",
                f"She keeps {bags}-{given} = <<{bags}-{given}={bags - given}>>{bags - given} bags.",
            ),
            (
                f"How many {item} are left?",
                f"That is {bags - given}*{per_bag} = "
                f"<<{bags - given}*{per_bag}={(bags - given) * per_bag}>>{(bags - given) * per_bag} {item}.",
            ),
        ]
        result = (bags - given) * per_bag
    lines = [f"{q} ** {s}" if socratic else s for q, s in steps]
    return {"question": question, "answer": "\n".join(lines) + f"\n#### {result}"}


def math_problem(rng: random.Random, subject: str) -> tuple[str, str, str]:
    """``(problem, solution, answer)`` for a Hendrycks MATH config name; the solution ends in ``\\boxed{answer}``
    and the answer may itself hold braces (``\\frac{\\sqrt{3}}{2}``)."""
    if subject == "algebra":
        a, b = rng.randint(2, 9), rng.randint(-20, 20)
        c = rng.randint(-30, 30)
        ans = fraction_tex(Fraction(c - b, a))
        return (
            f"Solve for $x$: ${a}x {'+' if b >= 0 else '-'} {abs(b)} = {c}$.",
            f"Moving the constant gives ${a}x = {c - b}$, so $x = {fraction_tex(Fraction(c - b, a))}$. "
            f"The answer is $x = \\boxed{{{ans}}}$.",
            ans,
        )
    if subject == "counting_and_probability":
        if rng.random() < 0.5:
            n = rng.randint(5, 12)
            k = rng.randint(2, min(5, n - 1))
            ans = str(math.comb(n, k))
            return (
                f"In how many ways can {k} books be chosen from a shelf of {n} different books?",
                f"Order does not matter, so the count is $\\binom{{{n}}}{{{k}}} = \\boxed{{{ans}}}$.",
                ans,
            )
        total = rng.randint(3, 11)
        ways = sum(1 for i in range(1, 7) for j in range(1, 7) if i + j == total)
        ans = fraction_tex(Fraction(ways, 36))
        return (
            f"Two fair six-sided dice are rolled. What is the probability that the sum is {total}? "
            "Express your answer as a common fraction.",
            f"There are {ways} outcomes with sum {total} out of 36, so the probability is "
            f"$\\frac{{{ways}}}{{36}} = \\boxed{{{ans}}}$.",
            ans,
        )
    if subject == "geometry":
        a, b = rng.randint(2, 15), rng.randint(2, 15)
        ans = sqrt_tex(a * a + b * b)
        return (
            f"A right triangle has legs of length {a} and {b}. What is the length of its hypotenuse? "
            "Express your answer in simplest radical form.",
            f"By the Pythagorean theorem the hypotenuse is $\\sqrt{{{a}^2+{b}^2}} = \\sqrt{{{a * a + b * b}}} = "
            f"\\boxed{{{ans}}}$.",
            ans,
        )
    if subject == "intermediate_algebra":
        s, p = rng.randint(2, 12), rng.randint(-10, 20)
        ans = str(s * s - 2 * p)
        return (
            f"Let $r$ and $s$ be the roots of $x^2 - {s}x {'+' if p >= 0 else '-'} {abs(p)} = 0$. Find $r^2 + s^2$.",
            f"By Vieta's formulas $r+s={s}$ and $rs={p}$, so $r^2+s^2 = (r+s)^2 - 2rs = {s}^2 - 2({p}) = "
            f"\\boxed{{{ans}}}$.",
            ans,
        )
    if subject == "number_theory":
        a, b = rng.randint(100, 9999), rng.randint(3, 19)
        ans = str(a % b)
        return (
            f"What is the remainder when ${a}$ is divided by ${b}$?",
            f"Since ${a} = {b} \\cdot {a // b} + {a % b}$, the remainder is $\\boxed{{{ans}}}$.",
            ans,
        )
    if subject == "prealgebra":
        q = rng.randint(2, 12)
        p = rng.choice([k for k in range(1, 3 * q) if math.gcd(k, q) == 1 and k != q] or [1])
        m = rng.randint(2, 9)
        ans = fraction_tex(Fraction(p, q))
        return (
            f"Simplify $\\frac{{{p * m}}}{{{q * m}}}$.",
            f"Both numerator and denominator are divisible by {m}, so "
            f"$\\frac{{{p * m}}}{{{q * m}}} = \\boxed{{{ans}}}$.",
            ans,
        )
    if subject == "precalculus":
        degrees = rng.choice(sorted(_COSINES))
        ans = _COSINES[degrees]
        return (
            f"Compute $\\cos {degrees}^\\circ$.",
            f"From the unit circle, $\\cos {degrees}^\\circ = \\boxed{{{ans}}}$.",
            ans,
        )
    raise ValueError(f"unknown MATH subject {subject!r}; expected one of {sorted(MATH_SUBJECTS)}")


def any_math_problem(rng: random.Random) -> tuple[str, str, str, str]:
    """``(config_name, problem, solution, answer)`` for a random subject."""
    subject = rng.choice(sorted(MATH_SUBJECTS))
    return (subject, *math_problem(rng, subject))


def thinking(rng: random.Random, solution: str) -> str:
    """A reasoning-model response: ``<think>`` block, then the worked solution."""
    opener = rng.choice(("Okay, let me see.", "Let me think about this step by step.", "First, I should restate."))
    return f"<think>\n{opener} {rng.choice(_TAILS)}\n</think>\n\n{solution}"


def chat_exchange(rng: random.Random) -> tuple[str, str]:
    """One user request and a helpful assistant reply."""
    topic, gist = rng.choice(_TOPICS)
    return (
        rng.choice(_ASKS).format(topic=topic),
        f"Sure! In short, {topic} means that {gist}. {rng.choice(_TAILS)}",
    )


def messages(rng: random.Random, *, system: bool = False, turns: int | None = None) -> list[dict[str, str]]:
    """A chat as a list of ``{content, role}`` dicts (the key order of Tulu/No Robots), user first."""
    out = []
    if system:
        out.append({"content": "You are a friendly assistant who keeps answers short.", "role": "system"})
    for turn in range(turns if turns is not None else rng.randint(1, 3)):
        user, assistant = chat_exchange(rng)
        if turn:
            user = rng.choice(_FOLLOW_UPS)
        out += [{"content": user, "role": "user"}, {"content": assistant, "role": "assistant"}]
    return out


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hh_dialogue(rng: random.Random) -> dict[str, str]:
    """An HH-RLHF pair: the same dialogue up to the last assistant turn, which differs."""
    history = ""
    for _ in range(rng.randint(0, 2)):
        user, assistant = chat_exchange(rng)
        history += f"\n\nHuman: {user}\n\nAssistant: {assistant}"
    if rng.random() < 0.5:
        question = rng.choice(_HARMFUL)
        good = "I can't help with that, but I'm happy to talk about safer options."
        bad = "Sure, here is how you could do it without anyone noticing."
    else:
        question, good = chat_exchange(rng)
        bad = "I don't know."
    prefix = f"{history}\n\nHuman: {question}\n\nAssistant:"
    return {"chosen": f"{prefix} {good}", "rejected": f"{prefix} {bad}"}


def code_problem(rng: random.Random) -> tuple[str, list[tuple[str, str]], str]:
    """A stdin/stdout programming problem, 2-4 ``(input, expected_output)`` tests and a Python solution."""
    kind = rng.randrange(4)
    tests = []
    for _ in range(rng.randint(2, 4)):
        if kind < 2:
            values = [rng.randint(-100, 100) for _ in range(rng.randint(1, 8))]
            stdin = f"{len(values)}\n{' '.join(map(str, values))}\n"
            tests.append((stdin, f"{sum(values) if kind == 0 else max(values)}\n"))
        else:
            word = "".join(rng.choice("abcdeiouxyz") for _ in range(rng.randint(1, 12)))
            result = word[::-1] if kind == 2 else str(sum(ch in "aeiou" for ch in word))
            tests.append((f"{word}\n", f"{result}\n"))
    numbers = "The first line holds n (1 <= n <= 8), the second n integers between -100 and 100."
    text = "One line holding a lowercase string s (1 <= |s| <= 12)."
    statement, given, wanted = (
        ("Print the sum of n integers.", numbers, "Print the sum."),
        ("Print the largest of n integers.", numbers, "Print the largest integer."),
        ("Print a string reversed.", text, "Print s reversed."),
        ("Count the vowels of a string.", text, "Print the number of vowels (a, e, i, o, u) in s."),
    )[kind]
    solution = (
        "input()\nprint(sum(map(int, input().split())))",
        "input()\nprint(max(map(int, input().split())))",
        "print(input().strip()[::-1])",
        "print(sum(ch in 'aeiou' for ch in input().strip()))",
    )[kind]
    return f"{statement}\n\n-----Input-----\n{given}\n\n-----Output-----\n{wanted}", tests, solution


_SPEECH = (
    "MISTER QUILTER IS THE APOSTLE OF THE MIDDLE CLASSES AND WE ARE GLAD TO WELCOME HIS GOSPEL",
    "NOR IS MISTER QUILTER'S MANNER LESS INTERESTING THAN HIS MATTER",
    "HE TELLS US THAT AT THIS FESTIVE SEASON OF THE YEAR WITH CHRISTMAS AND ROAST BEEF LOOMING BEFORE US",
    "LINNELL'S PICTURES ARE A SORT OF UP GUARDS AND AT EM PAINTINGS",
    "THE GIRL WHO CAME INTO THE WORLD ON THAT NIGHT WHEN JESSE RAN THROUGH THE FIELDS",
    "AND THE OLD MAN SAT BY THE FIRE AND LISTENED TO THE WIND IN THE CHIMNEY",
)


def speech_text(rng: random.Random) -> str:
    """An upper-case LibriSpeech-style transcript."""
    words = rng.choice(_SPEECH).split()
    start = rng.randrange(0, max(1, len(words) - 6))
    return " ".join(words[start : start + rng.randint(6, 14)])
