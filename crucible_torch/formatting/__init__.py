"""Output formats (python, numpy, torch, arrow, pandas, custom transforms) shared by both dataset kinds.

A formatter turns an Arrow slice into what a row, a batch or a column access returns. It stands above
:mod:`crucible_torch.batching` because the torch format *is* the Collator's rules, and below the dataset
kinds so that a streamed row and the same row of a map-style dataset come out alike.
"""
