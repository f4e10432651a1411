"""CSV text -> records, with the rules of pandas' C tokenizer (and of its python engine for regex seps).

The C tokenizer's rules, as `datasets` meets them through ``pandas.read_csv``:

- a field that starts with the quote character runs to the closing quote (``""`` inside is one quote unless
  ``doublequote=False``; the escape character makes the next character literal); characters after the
  closing quote continue the field (``"ab"cd`` is ``abcd``); a quote inside an unquoted field is literal;
- lines end at ``\\n``, ``\\r\\n`` or ``\\r``, or only at ``lineterminator`` when one is given;
- ``comment`` ends a record (a line that starts with it is dropped); ``skipinitialspace`` drops the spaces
  that start a field; ``sep=r"\\s+"`` splits on runs of spaces and tabs;
- an empty line, or one of spaces and tabs only, is a *blank* unit, which the caller drops or keeps.

A line with no quote, escape or comment character is split with ``str.split`` (the common case, at C speed);
others go through a small state machine of regular expressions. Units carry the line they start on, so every
error can name it. Regex and sniffed (``sep=None``) separators follow pandas' python engine instead: each
physical line is stripped and split by the pattern, or read by ``csv.reader`` with the sniffed dialect.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Literal, NamedTuple

from ...errors import DataFileError
from .options import CsvOptions

UnitKind = Literal["record", "blank", "comment", "skipped", "unclosed"]


class Unit(NamedTuple):
    """One line-level piece of the file: a record (its fields), a blank or comment line, a line ``skiprows``
    names, or the rest of the file after a quote never closed (``line`` is where that quote is)."""

    kind: UnitKind
    line: int
    fields: list[str]


class _NeedMore(Exception):
    """The unit being scanned runs past the text read so far."""


class _Unclosed(Exception):
    """A quoted field runs to the end of the file; ``line`` is where it starts."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _char_class(chars: Iterable[str | None]) -> str:
    return "".join(re.escape(c) for c in chars if c)


class Scanner:
    """Splits text into `Unit`s by pandas' C tokenizer rules (see the module docstring)."""

    def __init__(self, options: CsvOptions) -> None:
        self.options = options
        o = options
        quote, escape, comment = o.quotechar, o.escapechar, o.comment
        if o.lineterminator is not None:
            ends, self._line_end = _char_class([o.lineterminator]), re.compile(re.escape(o.lineterminator))
        else:
            ends, self._line_end = r"\r\n", re.compile(r"\r\n|\r|\n")
        delim = r"[ \t]" if o.whitespace_sep else re.escape(o.sep or ",")
        stop = _char_class([escape, comment]) + ends + (r" \t" if o.whitespace_sep else delim)
        escaped = rf"|{re.escape(escape)}[\s\S]" if escape else ""
        self._unquoted = re.compile(rf"(?:[^{stop}]++{escaped})*+")
        if quote is not None:
            q = re.escape(quote)
            inner = _char_class([quote, escape])
            doubled = f"|{q}{q}" if o.doublequote else ""
            self._quoted = re.compile(rf"{q}((?:[^{inner}]++{doubled}{escaped})*+){q}")
        specials = _char_class([quote, escape, comment])
        self._special = re.compile(f"[{specials}]") if specials else None
        plain = [f"{re.escape(escape)}([\\s\\S])"] if escape else []
        quoted = plain + ([f"({re.escape(quote)}){re.escape(quote)}"] if quote and o.doublequote else [])
        self._unescape_plain = re.compile("|".join(plain)) if plain else None
        self._unescape_quoted = re.compile("|".join(quoted)) if quoted else None
        blank_chars = "".join(c for c in " \t" if c != o.sep)
        self._blank = re.compile(f"[{blank_chars}]*") if blank_chars else None
        self._spaces = re.compile(r"[ \t]*") if o.whitespace_sep else re.compile(" *")

    # -- text in, units out --------------------------------------------------------------------------------

    def units(self, chunks: Iterable[str]) -> Iterator[Unit]:
        """The units of the text given as ``chunks`` (any sizes), in order."""
        return (unit for unit, _ in self.scan(chunks))

    def scan(self, chunks: Iterable[str], final: bool = True) -> Iterator[tuple[Unit, int]]:
        """``(unit, end)`` pairs, ``end`` being the offset in the whole text where the next unit starts.

        With ``final=False`` the text may continue past ``chunks``: a unit that might is not yielded.
        """
        pieces = iter(chunks)
        buf, pos, base, line, eof, index = "", 0, 0, 1, False, 0
        while True:
            if pos >= len(buf) and eof:
                return
            try:
                if pos >= len(buf):
                    raise _NeedMore
                if self.options.skips(index):
                    unit, end = self._skipped(buf, pos, line, eof)
                else:
                    unit, end = self._unit(buf, pos, line, eof)
            except _NeedMore:
                more = next(pieces, None)
                if more is None:
                    if not final:
                        return
                    eof = True
                else:
                    base += pos
                    buf, pos = buf[pos:] + more, 0
                continue
            line += self._count_line_ends(buf, pos, end)
            pos = end
            index += 1
            yield unit, base + end

    def _skipped(self, buf: str, pos: int, line: int, eof: bool) -> tuple[Unit, int]:
        """A unit ``skiprows`` names: read as any other (a quoted field spans lines there too), then dropped."""
        unit, end = self._unit(buf, pos, line, eof)
        return Unit("skipped", unit.line, []), end

    def _count_line_ends(self, buf: str, start: int, end: int) -> int:
        if self.options.lineterminator is not None:
            return buf.count(self.options.lineterminator, start, end)
        newlines = buf.count("\n", start, end)
        returns = buf.count("\r", start, end)
        return newlines + returns - buf.count("\r\n", start, end) if returns else newlines

    def _line_end_at(self, buf: str, pos: int, eof: bool) -> int | None:
        """The length of the line end at ``pos`` (0 if none); raises `_NeedMore` on a trailing ``\\r``."""
        if pos >= len(buf):
            return None
        m = self._line_end.match(buf, pos)
        if m is None:
            return 0
        if m.group() == "\r" and pos + 1 == len(buf) and not eof:
            raise _NeedMore
        return m.end() - pos

    def _unit(self, buf: str, pos: int, line: int, eof: bool) -> tuple[Unit, int]:
        o = self.options
        ends = self._line_end_at(buf, pos, eof)
        if ends:
            return Unit("blank", line, []), pos + ends
        if o.comment is not None and buf[pos] == o.comment:
            return Unit("comment", line, []), self._past_line(buf, pos, eof)
        if o.whitespace_sep or (o.skip_blank_lines and self._blank is not None):
            spaces = (self._spaces if o.whitespace_sep else self._blank).match(buf, pos).end()
            if spaces == len(buf) and not eof:
                raise _NeedMore
            ends = self._line_end_at(buf, spaces, eof)
            if spaces > pos and (ends is None or ends > 0):
                fields = [] if o.whitespace_sep else [buf[pos:spaces]]
                return Unit("blank", line, fields), spaces + (ends or 0)
            if o.whitespace_sep:
                pos = spaces
        if not o.whitespace_sep and not o.skipinitialspace:
            m = self._line_end.search(buf, pos)
            if m is None and not eof:
                raise _NeedMore
            stop = m.start() if m is not None else len(buf)
            text = buf[pos:stop]
            if self._special is None or not self._special.search(text):
                end = stop + (self._line_end_at(buf, stop, eof) or 0)
                return Unit("record", line, text.split(o.sep)), end
        try:
            fields, end = self._record(buf, pos, line, eof)
        except _Unclosed as unclosed:
            return Unit("unclosed", unclosed.line, []), len(buf)
        return Unit("record", line, fields), end

    def _past_line(self, buf: str, pos: int, eof: bool) -> int:
        m = self._line_end.search(buf, pos)
        if m is None:
            if not eof:
                raise _NeedMore
            return len(buf)
        if m.group() == "\r" and m.end() == len(buf) and not eof:
            raise _NeedMore
        return m.end()

    def _clean(self, text: str, quoted: bool) -> str:
        """A field's characters without their escapes (and, quoted, with doubled quotes made single)."""
        pattern = self._unescape_quoted if quoted else self._unescape_plain
        if pattern is None:
            return text
        return pattern.sub(lambda m: next(g for g in m.groups() if g is not None), text)

    def _record(self, buf: str, pos: int, line: int, eof: bool) -> tuple[list[str], int]:
        """The fields of the record at ``pos`` by the state machine, and where the next unit starts."""
        o = self.options
        fields: list[str] = []
        p = pos
        while True:
            if o.skipinitialspace:
                p = self._spaces.match(buf, p).end()
            if p >= len(buf) and not eof:
                raise _NeedMore
            value, p = self._field(buf, p, line + self._count_line_ends(buf, pos, p), eof)
            fields.append(value)
            if p >= len(buf):
                if not eof:
                    raise _NeedMore
                return fields, p
            c = buf[p]
            if o.whitespace_sep and c in " \t":
                p = self._spaces.match(buf, p).end()
                if p >= len(buf) and not eof:
                    raise _NeedMore
                ends = self._line_end_at(buf, p, eof)
                if ends is None or ends:
                    return fields, p + (ends or 0)
                if o.comment is not None and buf[p] == o.comment:
                    return fields, self._past_line(buf, p, eof)
                continue
            if c == o.sep:
                p += 1
                continue
            if o.comment is not None and c == o.comment:
                return fields, self._past_line(buf, p, eof)
            ends = self._line_end_at(buf, p, eof)
            if ends:
                return fields, p + ends
            raise AssertionError(f"unexpected {c!r} after a field")  # the field patterns stop only at the above

    def _field(self, buf: str, p: int, line: int, eof: bool) -> tuple[str, int]:
        """One field at ``p`` (which starts on ``line``): its value and the position right after it."""
        o = self.options
        if p < len(buf) and o.quotechar is not None and buf[p] == o.quotechar:
            m = self._quoted.match(buf, p)
            if m is None or (m.end() == len(buf) and not eof):
                if not eof:
                    raise _NeedMore
                raise _Unclosed(line)
            value = self._clean(m.group(1), quoted=True)
            p = m.end()
            if p < len(buf) and o.doublequote and not self._ends_field(buf, p):
                value += buf[p]  # pandas keeps the character right after a closing quote, whatever it is
                p += 1
            rest = self._unquoted.match(buf, p)
            return value + self._clean(rest.group(), quoted=False), rest.end()
        if p < len(buf) and o.escapechar is not None and buf[p] == o.escapechar:
            if p + 1 >= len(buf):
                if not eof:
                    raise _NeedMore
                return "", p + 1
            rest = self._unquoted.match(buf, p + 2)
            return buf[p + 1] + self._clean(rest.group(), quoted=False), rest.end()
        m = self._unquoted.match(buf, p)
        return self._clean(m.group(), quoted=False), m.end()

    def _ends_field(self, buf: str, p: int) -> bool:
        c = buf[p]
        if self.options.whitespace_sep:
            return c in " \t" or self._line_end.match(buf, p) is not None
        return c == self.options.sep or self._line_end.match(buf, p) is not None


def python_units(options: CsvOptions, chunks: Iterable[str]) -> Iterator[Unit]:
    """Units as pandas' python engine makes them: a regex ``sep`` splits each stripped line, ``sep=None``
    reads lines with ``csv.reader`` in the dialect ``csv.Sniffer`` finds in the first line it reads."""
    lines = _lines(chunks)
    if options.regex_sep is not None:
        for number, raw in enumerate(lines, start=1):
            if options.skips(number - 1):
                yield Unit("skipped", number, [])
            else:
                yield _python_unit(options, number, options.regex_sep.split(raw.strip()))
        return
    head: list[str] = []
    for raw in lines:
        head.append(raw)
        if not options.skips(len(head) - 1) and raw.strip() and _cut_comment(options, [raw.strip()]):
            break
    delimiter = csv.Sniffer().sniff(head[-1]).delimiter if head else ","
    reader = csv.reader(itertools.chain(head, lines), dialect=options.python_dialect(delimiter), strict=True)
    start = 1
    try:
        for index, row in enumerate(reader):
            yield Unit("skipped", start, []) if options.skips(index) else _python_unit(options, start, row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataFileError(f"malformed quoting: {exc}", line=start) from exc


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """The lines of text given in chunks, with ``\r\n`` and ``\r`` read as ``\n`` (universal newlines)."""
    carry = ""
    for chunk in chunks:
        text = carry + chunk
        if text.endswith("\r"):
            carry, text = "\r", text[:-1]
        else:
            carry = ""
        pieces = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        carry = pieces.pop() + carry
        for piece in pieces:
            yield piece + "\n"
    if carry:
        yield carry.replace("\r", "\n")


def _cut_comment(options: CsvOptions, fields: list[str]) -> list[str]:
    """pandas' python engine: a field holding the comment character is cut there, and the rest dropped."""
    if options.comment is None:
        return fields
    kept = []
    for value in fields:
        if options.comment in value:
            value = value[: value.index(options.comment)]
            if value:
                kept.append(value)
            break
        kept.append(value)
    return kept


def _python_unit(options: CsvOptions, number: int, fields: list[str]) -> Unit:
    fields = _cut_comment(options, fields)
    if not fields or (len(fields) == 1 and not fields[0].strip()):
        return Unit("blank", number, fields)
    return Unit("record", number, fields)
