"""Which builder reads a set of data files, decided by their extensions as ``datasets`` decides it.

The builder is the one of the most common extension among the files (every dotted suffix of a file name
counts, so ``x.jsonl.gz`` votes for ``.jsonl`` and ``.gz``); ties prefer parquet, lance, vortex, arrow, jsonl,
json, csv, then the alphabetically last extension; metadata files (``metadata.csv`` of an image folder, ...)
only count when nothing else does. A ``.tsv`` majority selects ``csv`` with ``sep="\\t"``. Files whose
extension no builder knows are dropped from resolved data files (case-sensitive, as in ``datasets``), and
after the choice only the builder's own files are kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crucible_torch.errors import DataFilesNotFoundError
from crucible_torch.formats.media import PIL_IMAGE

__all__ = [
    "ALLOWED_EXTENSIONS",
    "EXTENSION_TO_BUILDER",
    "METADATA_FILE_NAMES",
    "filter_builder_files",
    "has_allowed_extension",
    "infer_builder",
]

_IMAGE = " ".join(PIL_IMAGE)
_AUDIO = (
    "aiff au avr caf flac htk svx mat4 mat5 mpc2k ogg paf pvf raw rf64 sd2 sds ircam voc w64 wav nist "
    "wavex wve xi mp3 opus 3gp 3g2 asf flv m4v webm f4v wmv wma ogm mxf nut"
)
_CASE_INSENSITIVE_BUILDERS = {
    "imagefolder": _IMAGE,
    "audiofolder": "mpg " + _AUDIO,
    "videofolder": "mpeg avi mp4 mov mkv",
    "meshfolder": "glb gltf ply stl",
    "pdffolder": "pdf",
    "niftifolder": "nii",
    "pdb": "pdb ent",
}
_BUILDERS = {
    "csv": "csv tsv",
    "json": "json jsonl ndjson",
    "parquet": "parquet geoparquet gpq",
    "arrow": "arrow",
    "text": "txt",
    "conll": "conll conllu",
    "webdataset": "tar",
    "xml": "xml",
    "hdf5": "hdf5 h5",
    "eval": "eval",
    "harbor": "toml md",
    "lance": "lance",
    "tsfile": "tsfile",
    "vortex": "vortex",
    "fasta": "fa fasta fna ffn faa frn afa",
    "genbank": "gb gbk genbank",
    "fastq": "fq fastq",
    "mmcif": "cif mmcif",
}
_DEFAULT_KWARGS: dict[str, dict[str, Any]] = {".tsv": {"sep": "\t"}, ".conllu": {"comment_prefix": "#"}}

#: Extension (with its dot) -> builder name; media and ``.pdb`` extensions also in upper case.
EXTENSION_TO_BUILDER: dict[str, str] = {}
for _builder, _exts in _BUILDERS.items():
    EXTENSION_TO_BUILDER.update({f".{e}": _builder for e in _exts.split()})
for _builder, _exts in _CASE_INSENSITIVE_BUILDERS.items():
    EXTENSION_TO_BUILDER.update({f".{e}": _builder for e in _exts.split()})
    EXTENSION_TO_BUILDER.update({f".{e.upper()}": _builder for e in _exts.split()})

_MEDIA_METADATA = ("metadata.csv", "metadata.jsonl", "metadata.parquet")
#: Builder -> file names that belong to it whatever their extension (folder-builder metadata).
METADATA_FILE_NAMES: dict[str, tuple[str, ...]] = {
    **{b: _MEDIA_METADATA for b in (*_CASE_INSENSITIVE_BUILDERS, "mmcif")},
    "harbor": ("task.toml", "instruction.md"),
    "lance": ("latest_version_hint.json",),
}
_METADATA_EXTENSIONS: dict[str, tuple[str, ...]] = {"lance": (".idx", ".txn", ".manifest")}
_ALL_METADATA_NAMES = frozenset(n for names in METADATA_FILE_NAMES.values() for n in names)

#: Every extension a data file may have to be resolved at all (``.zip`` archives included).
ALLOWED_EXTENSIONS: frozenset[str] = frozenset(
    [*EXTENSION_TO_BUILDER, ".zip", *(e for exts in _METADATA_EXTENSIONS.values() for e in exts)]
)
_TIE_ORDER = (".parquet", ".lance", ".vortex", ".arrow", ".jsonl", ".json", ".csv")


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def has_allowed_extension(path: str) -> bool:
    """True when one of the dotted suffixes of the file name is a known data-file extension."""
    return any(f".{suffix}" in ALLOWED_EXTENSIONS for suffix in _basename(path).split(".")[1:])


ARCHIVES_FOR_INFERENCE = 10


def _infer_in_archives(
    files: Iterable[str], archive_members: Callable[[str], list[str]]
) -> tuple[str | None, dict[str, Any]]:
    """The builder of the most common extension inside the first ten ``.zip`` files (no tie rules, as datasets)."""
    zips = [path for path in files if path.endswith(".zip")][:ARCHIVES_FOR_INFERENCE]
    votes = Counter(
        f".{suffix.lower()}"
        for archive in zips
        for member in archive_members(archive)
        for suffix in _basename(member).split(".")[1:]
    )
    if votes:
        ext = votes.most_common(1)[0][0]
        if ext in EXTENSION_TO_BUILDER:
            return EXTENSION_TO_BUILDER[ext], dict(_DEFAULT_KWARGS.get(ext, {}))
    return None, {}


def _infer_one(
    files: Iterable[str], archive_members: Callable[[str], list[str]] | None = None
) -> tuple[str | None, dict[str, Any]]:
    files = list(files)
    votes = Counter(
        (f".{suffix.lower()}", _basename(path) in _ALL_METADATA_NAMES)
        for path in files
        for suffix in _basename(path).split(".")[1:]
    )

    def rank(item: tuple[tuple[str, bool], int]) -> tuple[Any, ...]:
        (ext, is_metadata), count = item
        return (not is_metadata, count, *(ext == t for t in _TIE_ORDER), ext)

    for (ext, _), _count in sorted(votes.items(), key=rank, reverse=True):
        if ext in EXTENSION_TO_BUILDER:
            return EXTENSION_TO_BUILDER[ext], dict(_DEFAULT_KWARGS.get(ext, {}))
        if ext == ".zip":
            return _infer_in_archives(files, archive_members) if archive_members is not None else ("zip", {})
    return None, {}


def infer_builder(
    splits: Mapping[str, list[str]], where: str = "", archive_members: Callable[[str], list[str]] | None = None
) -> tuple[str, dict[str, Any]]:
    """The builder name and its default kwargs (``sep`` for ``.tsv``) for resolved data files.

    Every split must point to the same builder. When ``.zip`` files win, the builder is that of the most
    common extension inside them, listed by ``archive_members(file)``. Raises
    :class:`DataFilesNotFoundError` when no file has a supported extension, and ``ValueError`` when splits
    disagree or the files are ``.zip`` archives whose contents cannot be listed.
    """
    place = f" in {where}" if where else ""
    per_split = {split: _infer_one(files, archive_members) for split, files in splits.items()}
    choices = {(name, tuple(sorted(kw.items()))) for name, kw in per_split.values()}
    if len(choices) > 1:
        summary = {split: f"{name}{kw or ''}" for split, (name, kw) in per_split.items()}
        raise ValueError(
            f"Couldn't infer the same data file format for all splits{place}: {summary}. Give each split "
            "files of one format (data_files={split: pattern}) or choose a config whose files share a format."
        )
    name, kwargs = next(iter(per_split.values()), (None, {}))
    if name is None:
        raise DataFilesNotFoundError(
            f"No (supported) data files found{place}: no file has a known data extension "
            "(.parquet, .jsonl, .json, .csv, .tsv, .txt, .arrow, ...)"
        )
    if name == "zip":
        raise ValueError(f"The data files{place} are .zip archives, which are not supported: extract them first")
    return name, kwargs


def filter_builder_files(files: list[str], builder: str) -> list[str]:
    """Keep the files of ``builder``: its extensions (compressed or not), ``.zip``, and its metadata files."""
    exts = [e for e, b in EXTENSION_TO_BUILDER.items() if b == builder]
    exts += [".zip", *_METADATA_EXTENSIONS.get(builder, ())]
    ext_re = re.compile(".*({})(\\..+)?$".format("|".join(re.escape(e) for e in exts)))
    names = METADATA_FILE_NAMES.get(builder, ())
    name_re = re.compile(r".*[\/]?({})$".format("|".join(re.escape(n) for n in names))) if names else None
    return [f for f in files if ext_re.match(f) or (name_re is not None and name_re.match(f))]
