"""Deterministic benchmark data, generated once into a data directory outside git (``bench_data/`` by default).

Text rows are ``id`` (int64), ``text_a`` and ``text_b`` (strings of 200-300 characters drawn from a fixed
Zipf-weighted vocabulary, so they compress like prose rather than noise) and ``label`` (int64 in 0-9).
Images are JPEGs (quality 90, 4:2:0) with sides uniform in 320-640 px, smooth colour fields plus grain, stored
as a `datasets` ``Image`` column (``struct<bytes, path>`` with the feature metadata) next to ``label``.
Each file's name carries its parameters, and the same parameters always give the same bytes; files are
written to a process-unique temp name and renamed, so an interrupted run never leaves a file taken as whole.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "bench_data"
TEXT_ROW_GROUP = 50_000
IMAGE_ROW_GROUP = 256
_CHUNK = 50_000
_VOCAB = 4096
_TEXT_FEATURES = {
    "id": {"dtype": "int64", "_type": "Value"},
    "text_a": {"dtype": "string", "_type": "Value"},
    "text_b": {"dtype": "string", "_type": "Value"},
    "label": {"dtype": "int64", "_type": "Value"},
}
_IMAGE_FEATURES = {"image": {"_type": "Image"}, "label": {"dtype": "int64", "_type": "Value"}}


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data directory: ``path``, else ``$CRUCIBLE_BENCH_DATA``, else ``bench_data/`` at the repo root."""
    chosen = Path(path or os.environ.get("CRUCIBLE_BENCH_DATA") or DEFAULT_DATA_DIR)
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def _with_features(schema: pa.Schema, features: dict) -> pa.Schema:
    """``schema`` carrying `datasets`' feature metadata, which both libraries read back."""
    return schema.with_metadata({"huggingface": json.dumps({"info": {"features": features}})})


def _vocabulary(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(bytes of all words each followed by a space, word starts, word lengths, Zipf probabilities)."""
    lengths = rng.integers(2, 11, size=_VOCAB)
    letters = rng.integers(ord("a"), ord("z") + 1, size=int(lengths.sum()), dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    buffer = np.full(int((lengths + 1).sum()), ord(" "), dtype=np.uint8)
    within = np.arange(len(letters)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    letter_positions = np.repeat(starts, lengths) + within
    buffer[letter_positions] = letters
    weights = 1.0 / np.arange(1, _VOCAB + 1)
    return buffer, starts, lengths + 1, weights / weights.sum()


def _strings(rng: np.random.Generator, vocab: tuple, count: int) -> pa.Array:
    """``count`` strings of 200-300 characters cut from a stream of vocabulary words."""
    buffer, starts, lengths, probs = vocab
    sizes = rng.integers(200, 301, size=count)
    total = int(sizes.sum())
    words = rng.choice(len(starts), size=total // 4 + 64, p=probs)
    word_lengths = lengths[words]
    while word_lengths.sum() < total:  # pragma: no cover - the mean word is ~7 characters
        words = np.concatenate([words, rng.choice(len(starts), size=total // 4, p=probs)])
        word_lengths = lengths[words]
    out_starts = np.cumsum(word_lengths) - word_lengths
    positions = np.repeat(starts[words] - out_starts, word_lengths) + np.arange(int(word_lengths.sum()))
    data = buffer[positions[:total]]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))


def text_table(num_rows: int, seed: int = 0, start: int = 0) -> pa.Table:
    """Rows ``start .. start + num_rows`` of the text data of ``seed`` (any split into ranges gives the same rows)."""
    vocab = _vocabulary(np.random.default_rng(seed))
    tables = []
    for chunk_start in range(start - start % _CHUNK, start + num_rows, _CHUNK):
        rng = np.random.default_rng([seed, chunk_start])
        text_a, text_b = _strings(rng, vocab, _CHUNK), _strings(rng, vocab, _CHUNK)
        labels = rng.integers(0, 10, size=_CHUNK)
        chunk = pa.table(
            {
                "id": np.arange(chunk_start, chunk_start + _CHUNK, dtype=np.int64),
                "text_a": text_a,
                "text_b": text_b,
                "label": labels.astype(np.int64),
            }
        )
        lo, hi = max(start, chunk_start), min(start + num_rows, chunk_start + _CHUNK)
        tables.append(chunk.slice(lo - chunk_start, hi - lo))
    table = pa.concat_tables(tables).combine_chunks()
    return table.replace_schema_metadata(_with_features(table.schema, _TEXT_FEATURES).metadata)


def _write_parquet(table_fn, path: Path, row_group_size: int) -> Path:
    if path.exists():
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table = table_fn()
    pq.write_table(table, tmp, row_group_size=row_group_size)
    os.replace(tmp, path)
    return path


def text_parquet(num_rows: int, directory: str | os.PathLike | None = None, seed: int = 0) -> Path:
    """One parquet file of ``num_rows`` text rows (row groups of 50,000 rows, snappy)."""
    path = data_dir(directory) / f"text_{num_rows}_s{seed}.parquet"
    return _write_parquet(lambda: text_table(num_rows, seed), path, TEXT_ROW_GROUP)


def text_csv(num_rows: int, directory: str | os.PathLike | None = None, seed: int = 0) -> Path:
    """The rows of :func:`text_parquet` as one CSV file with a header row (written by Arrow)."""
    import pyarrow.csv as pa_csv

    path = data_dir(directory) / f"text_{num_rows}_s{seed}.csv"
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pa_csv.write_csv(text_table(num_rows, seed), tmp)
        os.replace(tmp, path)
    return path


def text_parquet_files(
    num_rows: int, num_files: int, directory: str | os.PathLike | None = None, seed: int = 0
) -> list[Path]:
    """The same ``num_rows`` rows as :func:`text_parquet`, in ``num_files`` files of near-equal size."""
    folder = data_dir(directory) / f"text_{num_rows}_s{seed}_in_{num_files}"
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, num_rows, num_files + 1).astype(int)
    paths = []
    for i in range(num_files):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        path = folder / f"part-{i:05d}-of-{num_files:05d}.parquet"
        paths.append(_write_parquet(lambda lo=lo, hi=hi: text_table(hi - lo, seed, start=lo), path, TEXT_ROW_GROUP))
    return paths


def _jpeg(rng: np.random.Generator) -> bytes:
    from PIL import Image

    width, height = (int(v) for v in rng.integers(320, 641, size=2))
    grid = rng.integers(0, 256, size=(int(rng.integers(4, 17)), int(rng.integers(4, 17)), 3), dtype=np.uint8)
    field = np.asarray(Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC), dtype=np.int16)
    grain = rng.integers(-12, 13, size=(height, width, 1), dtype=np.int16)
    pixels = np.clip(field + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90, subsampling=2)
    return out.getvalue()


def image_table(num_images: int, seed: int = 0) -> pa.Table:
    """``num_images`` JPEG rows (``image`` as ``struct<bytes, path>``, ``label`` int64)."""
    rng = np.random.default_rng([seed, 1])
    blobs = [_jpeg(rng) for _ in range(num_images)]
    struct = pa.StructArray.from_arrays(
        [pa.array(blobs, pa.binary()), pa.array([f"{i:06d}.jpg" for i in range(num_images)], pa.string())],
        names=["bytes", "path"],
    )
    labels = pa.array(rng.integers(0, 1000, size=num_images), pa.int64())
    table = pa.table({"image": struct, "label": labels})
    return table.replace_schema_metadata(_with_features(table.schema, _IMAGE_FEATURES).metadata)


def image_parquet(num_images: int, directory: str | os.PathLike | None = None, seed: int = 0) -> Path:
    """One parquet file of ``num_images`` JPEGs (row groups of 256 images)."""
    path = data_dir(directory) / f"images_{num_images}_s{seed}.parquet"
    return _write_parquet(lambda: image_table(num_images, seed), path, IMAGE_ROW_GROUP)


def image_shards(num_images: int, shards: int, directory: str | os.PathLike | None = None, seed: int = 0) -> list[Path]:
    """The images of `image_parquet` as ``shards`` WebDataset tars (``<n>.jpg`` + ``<n>.cls``, in order)."""
    import io
    import tarfile

    folder = data_dir(directory) / f"wds_{num_images}_s{seed}_{shards}shards"
    paths = [folder / f"shard-{k:05d}.tar" for k in range(shards)]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    table = pq.read_table(image_parquet(num_images, directory, seed))
    blobs = table.column("image").combine_chunks().field("bytes").to_pylist()
    labels = table.column("label").to_pylist()
    bounds = np.linspace(0, num_images, shards + 1).astype(int)
    for k, path in enumerate(paths):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tarfile.open(tmp, "w") as tf:
            for i in range(bounds[k], bounds[k + 1]):
                for name, data in ((f"{i:06d}.jpg", blobs[i]), (f"{i:06d}.cls", str(labels[i]).encode())):
                    info = tarfile.TarInfo(name)
                    info.size, info.mtime = len(data), 0
                    tf.addfile(info, io.BytesIO(data))
        os.replace(tmp, path)
    return paths


_PUNCTUATION = (",", ".", ";", ":", "!", "?", "'s", "n't", "-", "(", ")", '"')


def text_pairs_table(num_pairs: int, seed: int = 0) -> pa.Table:
    """``num_pairs`` (``prediction``, ``reference``) sentence pairs, like a system's translations: a reference
    of 5-45 Zipf-weighted words with capitals, punctuation, numbers and hyphens, and a prediction that changes
    ~25% of its words, drops ~8% and inserts a few."""
    import random

    rng = random.Random(seed)
    buffer, starts, lengths, probs = _vocabulary(np.random.default_rng(seed))
    words = [bytes(buffer[s : s + n - 1]).decode() for s, n in zip(starts, lengths)]
    words += ["3.5", "1,000", "42", "2024", "co-op", "e-mail", "U.S.", "&", "%"]
    cumulative = np.cumsum(list(probs) + [probs[100]] * 9).tolist()
    references, predictions = [], []
    for _ in range(num_pairs):
        ref = rng.choices(words, cum_weights=cumulative, k=rng.randint(5, 45))
        ref = [w + rng.choice(_PUNCTUATION) if rng.random() < 0.08 else w for w in ref]
        ref[0] = ref[0].capitalize()
        hyp = []
        for word in ref:
            roll = rng.random()
            if roll < 0.08:
                continue
            hyp.append(rng.choices(words, cum_weights=cumulative)[0] if roll < 0.33 else word)
            if rng.random() < 0.03:
                hyp.append(rng.choices(words, cum_weights=cumulative)[0])
        references.append(" ".join(ref) + rng.choice((".", ".", "!", "?")))
        predictions.append(" ".join(hyp) + ".")
    return pa.table({"prediction": predictions, "reference": references})


def text_pairs_parquet(num_pairs: int, directory: str | os.PathLike | None = None, seed: int = 0) -> Path:
    """One parquet file of :func:`text_pairs_table` rows."""
    path = data_dir(directory) / f"pairs_{num_pairs}_s{seed}.parquet"
    return _write_parquet(lambda: text_pairs_table(num_pairs, seed), path, TEXT_ROW_GROUP)
