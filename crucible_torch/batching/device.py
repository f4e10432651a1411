"""The consumer-side step of a DataLoader: batches moved to their device and finished there.

Per-pixel steps that end an image pipeline (normalising uint8 to float) cost as much as decoding when they run
per image in the workers: a float image is 4x the bytes to write, to ship through shared memory and to page-fault
in. With :func:`device_batches`, workers stack uint8 images (through shared memory) and leave the last step
undone (:class:`Unfinished`); this module runs it once per batch where the batch is consumed: on the GPU after
a non-blocking copy when the consumer is there, else on the CPU into a recycled buffer, so no page of a fresh
float batch is ever faulted in. The training step receives the same float tensors as without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch

_use_count = getattr(torch._C, "_storage_Use_Count", None)  # what torch's own CUDA-graph pools use to recycle
_KEPT_BUFFERS = 4


class Unfinished:
    """A stacked batch (``data``) whose last step ``step(data, out=None)`` is left to the consumer."""

    __slots__ = ("data", "step")

    def __init__(self, data: torch.Tensor, step: Callable[..., torch.Tensor]):
        self.data = data
        self.step = step

    @property
    def shape(self) -> torch.Size:
        return self.data.shape

    def finish(self, out: torch.Tensor | None = None) -> torch.Tensor:
        """The finished batch (into ``out`` when given: same shape, the step's dtype, same device)."""
        return self.step(self.data, out=out)

    def to(self, device: str | torch.device, non_blocking: bool = False) -> Unfinished:
        return Unfinished(self.data.to(device, non_blocking=non_blocking), self.step)

    def pin_memory(self) -> Unfinished:
        """What ``DataLoader(pin_memory=True)`` calls on batch elements of custom types."""
        return Unfinished(self.data.pin_memory(), self.step)

    def __reduce__(self):
        return (Unfinished, (self.data, self.step))

    def __repr__(self) -> str:
        return f"Unfinished({tuple(self.data.shape)} {self.data.dtype}, {self.step!r})"


class BufferPool:
    """Float output buffers reused across batches: one is handed out again only when nothing outside the pool
    still references its memory (a view, a slice or a numpy array of it keeps it out of use)."""

    def __init__(self, keep: int = _KEPT_BUFFERS):
        self.keep = keep
        self._buffers: list[tuple[torch.Tensor, int]] = []  # (buffer, its storage use count when idle)

    def take(self, shape: torch.Size, dtype: torch.dtype) -> torch.Tensor:
        """A tensor of ``shape``/``dtype`` (contents undefined), recycled when possible."""
        if _use_count is not None:
            for buffer, idle in self._buffers:
                if buffer.shape == shape and buffer.dtype == dtype and _storage_uses(buffer) == idle:
                    return buffer.view(shape)
        buffer = torch.empty(shape, dtype=dtype)
        if _use_count is not None and len(self._buffers) < self.keep:
            self._buffers.append((buffer, _storage_uses(buffer)))
            return buffer.view(shape)
        return buffer


def _storage_uses(tensor: torch.Tensor) -> int:
    return _use_count(tensor.untyped_storage()._cdata)


def finish_batch(batch: Any, device: torch.device, buffers: BufferPool | None = None) -> Any:
    """``batch`` with every tensor on ``device`` and every :class:`Unfinished` value finished there."""
    if isinstance(batch, Unfinished):
        data = batch.data.to(device, non_blocking=True)
        dtype = getattr(batch.step, "dtype", None)  # a step that declares its output dtype can write a buffer
        if device.type != "cpu" or buffers is None or dtype is None:
            return batch.step(data)
        return batch.step(data, out=buffers.take(data.shape, dtype))
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: finish_batch(v, device, buffers) for k, v in batch.items()}
    if type(batch) in (list, tuple):
        return type(batch)(finish_batch(v, device, buffers) for v in batch)
    return batch


def device_batches(loader: Iterable, device: str | torch.device | None = None) -> Iterator[Any]:
    """Iterate ``loader`` with its batches on ``device`` (default CPU) and finished there.

    When ``loader.collate_fn`` is a :class:`~crucible_torch.batching.Collator` (``ds.collate_fn``), the iterator
    is created with a copy that defers batch-level transform steps (``defer_finish=True``), so DataLoader workers
    ship uint8 images and each batch is normalised once, here: on a CUDA device after a non-blocking copy (pin
    the loader's memory for an asynchronous one), on the CPU into a recycled buffer. The loader itself is left
    as it was (with ``persistent_workers=True`` its workers keep the collate of the first epoch's iterator).
    Any other batch is only moved to ``device``.
    """
    from .collator import Collator

    target = torch.device(device) if device is not None else torch.device("cpu")
    buffers = BufferPool() if target.type == "cpu" else None
    collate = getattr(loader, "collate_fn", None)
    if isinstance(collate, Collator) and not collate.defer_finish:
        loader.collate_fn = collate.deferring()
        try:
            batches = iter(loader)
        finally:
            loader.collate_fn = collate
    else:
        batches = iter(loader)
    for batch in batches:
        yield finish_batch(batch, target, buffers)
