"""Reading a participants file (CSV), in one streaming pass and within limits.

The file is read line by line from a binary stream (an upload, a file on disk, bytes held
by an import job), so its size never matters for memory, and every problem names its
line. Each physical line is one record: a participant's email, team and level never hold
a line break, so a quoted field must end on its line. One stray quote then spoils one
line, with a clear message, instead of swallowing the rest of the file into one field
(which the csv module refused, past 128 KiB, with an exception). Every field obeys the
app's text rule (app.input_rules).

Pure: no Flask, no database. The survey's rules (levels, teams, who is invited) are
checked by app.surveys.services on the records read here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from app.input_rules import text_problem

PARTICIPANT_COLUMNS = ("email", "team", "level")
OPTIONAL_COLUMNS = ("language",)
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileLimits:
    """What a participants file may hold. A 100,000-person organisation's file, with long
    addresses and deep team paths, is about 12 MB."""

    max_bytes: int = 32 * 1024 * 1024
    max_rows: int = 200_000
    max_line_bytes: int = 4096
    max_field_chars: int = 1000

    @property
    def max_megabytes(self) -> int:
        return self.max_bytes // (1024 * 1024)


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header line
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class Record:
    """One participant line: its number and its values by (lower-case) column name."""

    line: int
    values: dict[str, str]


class _Lines:
    """The stream's physical lines as (number, text), or a RowError for a line that is
    too long or not UTF-8; stops (after a RowError) once the file is over its size."""

    def __init__(self, stream: BinaryIO, limits: FileLimits) -> None:
        self.stream = stream
        self.limits = limits
        self.read_bytes = 0

    def __iter__(self) -> Iterator[tuple[int, str] | RowError]:
        number = 0
        while raw := self.stream.readline(self.limits.max_line_bytes + 1):
            number += 1
            self.read_bytes += len(raw)
            too_long = len(raw) > self.limits.max_line_bytes and not raw.endswith(b"\n")
            if too_long:
                self._skip_rest_of_line()
            if self.read_bytes > self.limits.max_bytes:
                yield RowError(
                    number,
                    "-",
                    f"the file is over {self.limits.max_megabytes} MB; split it into smaller files",
                )
                return
            if too_long:
                yield RowError(
                    number, "-", f"the line is longer than {self.limits.max_line_bytes} bytes"
                )
                continue
            yield self._decoded(number, raw)

    def _skip_rest_of_line(self) -> None:
        while chunk := self.stream.readline(64 * 1024):
            self.read_bytes += len(chunk)
            if chunk.endswith(b"\n") or self.read_bytes > self.limits.max_bytes:
                return

    @staticmethod
    def _decoded(number: int, raw: bytes) -> tuple[int, str] | RowError:
        if number == 1:
            raw = raw.removeprefix(_BOM)
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        try:
            return number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(
                number, "-", f"not UTF-8 text (byte {exc.start + 1} of the line); save as UTF-8"
            )


def _fields(number: int, text: str) -> list[str] | RowError:
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as exc:
        reason = str(exc)
        if "unexpected end of data" in reason:
            reason = 'a quoted field does not end on its line (a stray quote ")'
        elif "expected after" in reason:
            reason = 'a quote inside a quoted field must be doubled ("")'
        else:
            reason = f"the line cannot be read as CSV ({reason})"
        return RowError(number, "-", reason)


def _header(first: tuple[int, str] | RowError | None) -> list[str] | RowError:
    if first is None:
        return RowError(1, "-", "the file is empty")
    if isinstance(first, RowError):
        return first
    fields = _fields(*first)
    if isinstance(fields, RowError):
        return fields
    header = [name.strip().lower() for name in fields]
    missing = [c for c in PARTICIPANT_COLUMNS if c not in header]
    if missing:
        return RowError(
            1,
            ", ".join(missing),
            "missing column(s); the header must be email,team,level (and optionally language)",
        )
    return header


def read_participants(
    stream: BinaryIO, limits: FileLimits | None = None
) -> Iterator[Record | RowError]:
    """The file's records in order, and a RowError for each line that cannot be read:
    a missing column in the header, a line too long, not UTF-8, a stray quote, more
    fields than the header, a field too long or holding a control character, and the file
    over its size or row count (the last error: reading stops there). Blank lines are
    skipped."""
    limits = limits or FileLimits()
    lines = iter(_Lines(stream, limits))
    header = _header(next(lines, None))
    if isinstance(header, RowError):
        yield header
        return
    rows = 0
    for line in lines:
        if isinstance(line, RowError):
            yield line
            continue
        number, text = line
        if not text.strip():
            continue
        rows += 1
        if rows > limits.max_rows:
            yield RowError(number, "-", f"the file lists more than {limits.max_rows:,} people")
            return
        yield _record(number, text, header, limits)


def _record(number: int, text: str, header: list[str], limits: FileLimits) -> Record | RowError:
    fields = _fields(number, text)
    if isinstance(fields, RowError):
        return fields
    if len(fields) > len(header):
        return RowError(number, "-", "the row has more fields than the header")
    values = dict(zip(header, fields, strict=False))
    for column, value in values.items():
        if len(value) > limits.max_field_chars:
            return RowError(
                number,
                column,
                f"the field has {len(value):,} characters; at most {limits.max_field_chars:,}",
            )
        problem = text_problem(value, "the field")
        if problem is not None:
            return RowError(number, column, problem)
    return Record(number, values)
