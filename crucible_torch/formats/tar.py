"""Tar members read in place: headers parsed from any header offset, data read or skipped by its size.

A tar file is a sequence of 512-byte header blocks, each followed by its data padded to 512 bytes, so the
members between two header offsets can be read without the rest of the file. `iter_members` walks
``[start, end)`` of a file: on a seekable file it *seeks* past data nobody asked for (an index of a local
shard costs one 512-byte read per member), on a forward stream (a compressed or remote shard) it reads and
drops it. GNU long names (``L``) and POSIX pax ``path``/``size`` records are applied to the member they
precede, and a member's ``offset`` is that of its first header block, extension headers included, so an
offset is always a place where a walk can start.

A file that ends inside a header or inside a member's data is truncated: the error names the file, the
member and the byte offset. A file that ends cleanly on a block boundary without the end-of-archive zero
blocks is accepted, as ``tarfile`` accepts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import DataFileError

BLOCK = 512
_SKIP_CHUNK = 1 << 20
_REGULAR = (b"0", b"\0", b"7")
_TRUNCATED_HINT = "the shard is incomplete (an interrupted write or download); write or download it again"


@dataclass(frozen=True)
class TarMember:
    """One member: ``offset`` of its first header block, its data's offset and size, and its type flag."""

    name: str
    offset: int
    data_offset: int
    size: int
    type: bytes

    @property
    def is_file(self) -> bool:
        return self.type in _REGULAR

    @property
    def end(self) -> int:
        """The offset of the next header."""
        return self.data_offset + _padded(self.size)


def _padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


def _read_exact(f: BinaryIO, n: int) -> bytes:
    parts, remaining = [], n
    while remaining:
        chunk = f.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _number(field: bytes) -> int:
    """A header number: NUL/space-terminated octal, or GNU base-256 when the high bit is set."""
    if field[:1] and field[0] & 0x80:
        value = int.from_bytes(field[1:], "big")
        return value - (1 << (8 * len(field) - 8)) if field[0] & 0x40 else value
    text = field.split(b"\0", 1)[0].strip()
    return int(text, 8) if text else 0


def _checksum_ok(header: bytes) -> bool:
    stored = header[148:156]
    try:
        expected = _number(stored)
    except ValueError:
        return False
    unsigned = sum(header[:148]) + 256 + sum(header[156:])  # the checksum field counts as 8 spaces
    return expected == unsigned


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _pax_records(data: bytes) -> dict[str, str]:
    """``"%d %s=%s\\n"`` records of a pax extended header (only what a reader of names and sizes needs)."""
    records, pos = {}, 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            break
        if length <= 0:
            break
        record = data[space + 1 : pos + length - 1]
        key, _, value = record.partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


def _truncated(file: str, offset: int, what: str) -> DataFileError:
    return DataFileError(f"truncated tar: {what}", file=file, byte_offset=offset, hint=_TRUNCATED_HINT)


def iter_members(
    f: BinaryIO,
    file: str,
    *,
    start: int = 0,
    end: int | None = None,
    file_size: int | None = None,
    seekable: bool = False,
    want: Callable[[TarMember], bool] | None = None,
) -> Iterator[tuple[TarMember, bytes | None]]:
    """Yield ``(member, data)`` for the members whose header starts in ``[start, end)`` of ``f``.

    ``f`` must be positioned at ``start``. ``data`` is the member's bytes when ``want(member)`` is true
    (regular files only), else None and the data is skipped: by seeking when ``seekable`` (then
    ``file_size`` detects a member cut short), else by reading. ``file`` names the tar in errors.
    """
    pos = start
    long_name: str | None = None
    pax: dict[str, str] = {}
    first = start  # offset of the current member's first header block (extension headers included)
    while end is None or pos < end:
        header = _read_exact(f, BLOCK)
        if not header:
            if long_name is not None or pax:
                raise _truncated(file, first, "the file ends after an extension header")
            return
        if len(header) < BLOCK:
            raise _truncated(file, pos, f"the file ends inside a header ({len(header)} of {BLOCK} bytes)")
        if header.count(0) == BLOCK:
            return  # end-of-archive marker
        if not _checksum_ok(header):
            raise DataFileError(
                "not a tar header (bad checksum)",
                file=file,
                byte_offset=pos,
                hint="the file is corrupt or not a tar archive",
            )
        try:
            size = _number(header[124:136])
        except ValueError as exc:
            raise DataFileError(f"bad member size in tar header: {exc}", file=file, byte_offset=pos) from exc
        type_flag = header[156:157]
        name = _text(header[0:100])
        if header[257:263] == b"ustar\0":  # POSIX ustar: a prefix extends the name
            prefix = _text(header[345:500])
            name = f"{prefix}/{name}" if prefix else name
        data_offset = pos + BLOCK
        if type_flag in (b"L", b"x", b"g", b"K"):
            data = _read_exact(f, _padded(size))
            if len(data) < size:
                raise _truncated(file, pos, f"the file ends inside an extension header of {size} bytes")
            if type_flag == b"L":
                long_name = data[:size].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            elif type_flag == b"x":
                pax = _pax_records(data[:size])
            pos = data_offset + _padded(size)
            continue
        if "size" in pax:
            size = int(pax["size"])
        name = pax.get("path", long_name if long_name is not None else name)
        member = TarMember(name, first, data_offset, size, type_flag)
        payload = None
        if member.is_file and want is not None and want(member):
            payload = _read_exact(f, size)
            if len(payload) < size:
                raise _truncated(file, member.offset, f"member {name!r} has {len(payload)} of its {size} bytes")
            _skip(f, file, member, _padded(size) - size, seekable, file_size, padding=True)
        else:
            _skip(f, file, member, _padded(size), seekable, file_size)
        yield member, payload
        pos = member.end
        first = pos
        long_name, pax = None, {}


def _skip(
    f: BinaryIO,
    file: str,
    member: TarMember,
    n: int,
    seekable: bool,
    file_size: int | None,
    padding: bool = False,
) -> None:
    """Move ``f`` ``n`` bytes forward, past ``member``'s data (or its padding)."""
    if n <= 0:
        return
    if seekable:
        target = f.tell() + n
        if file_size is not None and target > file_size and not padding:
            have = max(0, file_size - member.data_offset)
            raise _truncated(file, member.offset, f"member {member.name!r} has {have} of its {member.size} bytes")
        f.seek(target)
        return
    remaining = n
    while remaining:
        chunk = f.read(min(remaining, _SKIP_CHUNK))
        if not chunk:
            if padding:
                return
            have = max(0, member.size - (remaining - (_padded(member.size) - member.size)))
            raise _truncated(file, member.offset, f"member {member.name!r} has {have} of its {member.size} bytes")
        remaining -= len(chunk)
