"""pass@k for code generation: the unbiased estimator of Chen et al. (2021, the HumanEval paper).

With ``n`` samples per problem of which ``c`` pass the tests, pass@k = 1 - C(n-c, k) / C(n, k): the chance that
at least one of ``k`` samples drawn without replacement passes. It is computed as the paper's numerically
stable product ``1 - prod(1 - k / i for i in n-c+1..n)``; ``n`` must be at least ``k`` (fewer samples cannot
estimate it, and the paper skips such ``k``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .inputs import as_list

__all__ = ["pass_at_k"]


def pass_at_k(num_samples: int | Iterable[int], num_correct: Iterable[int], k: int) -> list[float]:
    """Per problem, the unbiased pass@k estimate. ``num_samples`` is one count for all problems or one per
    problem; ``num_correct`` holds, per problem, how many samples passed."""
    correct = as_list(num_correct, "num_correct")
    samples = [num_samples] * len(correct) if isinstance(num_samples, int) else as_list(num_samples, "num_samples")
    if len(samples) != len(correct):
        raise ValueError(f"{len(samples)} sample counts but {len(correct)} correct counts; give one per problem")
    if k < 1:
        raise ValueError(f"k={k}; pass@k needs k >= 1")
    out = []
    for row, (n, c) in enumerate(zip(samples, correct)):
        if not 0 <= c <= n:
            raise ValueError(f"problem {row}: {c} correct out of {n} samples; need 0 <= correct <= samples")
        if n < k:
            raise ValueError(f"problem {row}: {n} samples cannot estimate pass@{k}; draw at least {k} per problem")
        out.append(1.0 if n - c < k else float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))))
    return out
