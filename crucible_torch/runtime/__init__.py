"""Process-level facts and helpers with no knowledge of data: where this process sits in a job (rank,
world size, DataLoader worker: :mod:`.distributed`) and running an iterator ahead in a thread
(:mod:`.prefetch`). Neither imports torch.
"""
