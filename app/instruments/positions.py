"""Where a JSON Pointer is in a JSON text: the line and column the editor shows an error at.

Pure: no Flask, no session. The scanner reads what it can of malformed text (a draft being
typed), so the errors before the problem still get their positions.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re

from app.instruments.validation import json_pointer, pointer_parts

_SKIP_RE = re.compile(r"[ \t\r\n]*")
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR_RE = re.compile(
    r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|NaN|-?Infinity"
)
_MAX_SCAN_DEPTH = 200


class _Malformed(Exception):
    """The text stops being JSON here; the positions found so far are kept."""


class JsonPositions:
    """Where each value of a JSON text starts, by JSON Pointer (RFC 6901).

    `locate(pointer)` gives the 1-based line and column of the value the pointer names.
    A pointer to a missing member (the validator points there for a required field)
    resolves to its nearest existing ancestor. A repeated member name resolves to its last
    occurrence, the one the JSON parser keeps. Columns count characters (code points).
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._offsets: dict[str, int] = {}
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        start = 1 if text.startswith("\ufeff") else 0
        # Malformed text: keep the positions found before the problem.
        with contextlib.suppress(_Malformed, ValueError, RecursionError):
            self._value(start, "", 0)

    def locate(self, pointer: str) -> tuple[int, int] | None:
        parts: list[str] = pointer_parts(pointer)
        while True:
            offset = self._offsets.get(json_pointer(parts))
            if offset is not None:
                return self._line_column(offset)
            if not parts:
                return None
            parts.pop()

    def _line_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def _skip(self, position: int) -> int:
        match = _SKIP_RE.match(self._text, position)
        return match.end() if match else position

    def _value(self, position: int, pointer: str, depth: int) -> int:
        """Record the value at `position` (and everything inside it); return its end."""
        if depth > _MAX_SCAN_DEPTH:
            raise _Malformed
        text = self._text
        position = self._skip(position)
        opener = text[position : position + 1]
        if opener in ("{", "["):
            self._offsets[pointer] = position
            if opener == "{":
                return self._members(position + 1, pointer, depth)
            return self._elements(position + 1, pointer, depth)
        match = (_STRING_RE if opener == '"' else _SCALAR_RE).match(text, position)
        if match is None:
            raise _Malformed
        self._offsets[pointer] = position
        return match.end()

    def _members(self, position: int, pointer: str, depth: int) -> int:
        text = self._text
        position = self._skip(position)
        if text.startswith("}", position):
            return position + 1
        while True:
            name = _STRING_RE.match(text, position)
            if name is None:
                raise _Malformed
            member = json_pointer([json.loads(name.group())])
            position = self._skip(name.end())
            if not text.startswith(":", position):
                raise _Malformed
            position = self._skip(self._value(position + 1, pointer + member, depth + 1))
            if text.startswith(",", position):
                position = self._skip(position + 1)
            elif text.startswith("}", position):
                return position + 1
            else:
                raise _Malformed

    def _elements(self, position: int, pointer: str, depth: int) -> int:
        text = self._text
        position = self._skip(position)
        if text.startswith("]", position):
            return position + 1
        index = 0
        while True:
            position = self._skip(self._value(position, f"{pointer}/{index}", depth + 1))
            index += 1
            if text.startswith(",", position):
                position += 1
            elif text.startswith("]", position):
                return position + 1
            else:
                raise _Malformed
