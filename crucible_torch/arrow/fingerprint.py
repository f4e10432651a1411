"""Deterministic fingerprints of datasets and of the transforms applied to them.

A fingerprint names a dataset state; ``map``/``filter`` results are cached on disk under the fingerprint of
(previous fingerprint, transform, arguments). Functions are hashed by their code, constants, defaults, closure
and the globals they read, so the same lambda in a new process hashes the same. Anything that cannot be hashed
deterministically gives ``None``: the caller then uses a random fingerprint and does not reuse a cache.
"""

from __future__ import annotations

import dis
import functools
import hashlib
import pickle
import secrets
import types
from collections.abc import Mapping
from typing import Any

_MAX_DEPTH = 6


class _Unhashable(Exception):
    pass


def _feed(h: Any, obj: Any, depth: int, seen: set[int]) -> None:
    if depth > _MAX_DEPTH:
        raise _Unhashable("too deep")
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        h.update(b"P" + repr((type(obj).__name__, obj)).encode())
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        h.update(f"L{type(obj).__name__}{len(items)}".encode())
        for item in items:
            _feed(h, item, depth + 1, seen)
        return
    if isinstance(obj, Mapping):
        h.update(f"M{len(obj)}".encode())
        for key in sorted(obj, key=repr):
            _feed(h, key, depth + 1, seen)
            _feed(h, obj[key], depth + 1, seen)
        return
    if isinstance(obj, types.ModuleType):
        h.update(b"mod" + obj.__name__.encode())
        return
    if isinstance(obj, types.CodeType):
        _feed_code(h, obj, depth, seen)
        return
    if isinstance(obj, (types.FunctionType, types.MethodType)):
        _feed_function(h, obj, depth, seen)
        return
    if hasattr(obj, "__array__") and hasattr(obj, "dtype") and hasattr(obj, "shape"):
        import numpy as np

        arr = np.ascontiguousarray(np.asarray(obj))
        h.update(f"A{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes() if arr.dtype != object else pickle.dumps(arr.tolist()))
        return
    if isinstance(obj, type):
        h.update(f"T{obj.__module__}.{obj.__qualname__}".encode())
        return
    fingerprint = getattr(obj, "_fingerprint", None)
    if isinstance(fingerprint, str):
        h.update(b"F" + fingerprint.encode())
        return
    try:
        h.update(b"O" + pickle.dumps(obj, protocol=4))
    except Exception as err:  # noqa: BLE001 - any pickling failure means "not hashable"
        raise _Unhashable(repr(err)) from err


def _feed_code(h: Any, code: types.CodeType, depth: int, seen: set[int]) -> None:
    h.update(b"C" + code.co_code + repr((code.co_names, code.co_varnames, code.co_argcount)).encode())
    for const in code.co_consts:
        _feed(h, const, depth + 1, seen)


def _feed_function(h: Any, fn: Any, depth: int, seen: set[int]) -> None:
    if isinstance(fn, types.MethodType):
        _feed(h, fn.__self__, depth + 1, seen)
        fn = fn.__func__
    if id(fn) in seen:
        h.update(b"recursive")
        return
    seen.add(id(fn))
    h.update(f"fn{fn.__module__}.{fn.__qualname__}".encode())
    _feed_code(h, fn.__code__, depth, seen)
    _feed(h, fn.__defaults__, depth + 1, seen)
    _feed(h, fn.__kwdefaults__, depth + 1, seen)
    if fn.__closure__:
        for cell in fn.__closure__:
            _feed(h, cell.cell_contents, depth + 1, seen)
    for name in sorted(_global_names(fn.__code__)):
        if name in fn.__globals__:
            value = fn.__globals__[name]
            h.update(b"g" + name.encode())
            _feed(h, value, depth + 1, seen)


_GLOBAL_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})


@functools.lru_cache(maxsize=4096)
def _global_names(code: types.CodeType) -> frozenset[str]:
    """Names ``code`` reads as globals, nested code included (comprehensions, lambdas, inner functions).

    ``co_names`` alone mixes globals with attribute names (``x.split()`` is not the global ``split``) and misses
    the globals a nested comprehension reads, which would let a changed helper reuse a stale cache.
    """
    names = {ins.argval for ins in dis.get_instructions(code) if ins.opname in _GLOBAL_LOADS}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return frozenset(names)


def hash_object(obj: Any) -> str | None:
    """Hex digest of ``obj``, stable across processes; ``None`` when it cannot be hashed deterministically."""
    h = hashlib.blake2b(digest_size=16)
    try:
        _feed(h, obj, 0, set())
    except (_Unhashable, RecursionError):
        return None
    return h.hexdigest()


def random_fingerprint() -> str:
    """A fresh fingerprint for data whose origin cannot be hashed (no cache reuse)."""
    return secrets.token_hex(16)


def update_fingerprint(fingerprint: str, transform: str, args: Mapping[str, Any]) -> str:
    """Fingerprint of the dataset obtained by applying ``transform(**args)`` to the one named ``fingerprint``.

    Returns a random fingerprint when an argument cannot be hashed, so no stale cache is ever reused.
    """
    digest = hash_object((fingerprint, transform, dict(args)))
    return digest if digest is not None else random_fingerprint()
