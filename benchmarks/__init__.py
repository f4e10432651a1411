"""Benchmarks of crucible_torch against `datasets` and bare pyarrow/torchvision loops (``make bench``).

``python -m benchmarks.run_all [--quick] [--only NAME]``; see ``benchmarks/README.md`` for the workloads.
"""
