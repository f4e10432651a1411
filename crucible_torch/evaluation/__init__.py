"""Evaluation tooling on crucible_torch datasets: samplers, metrics, the evaluator, exports and a result store."""
