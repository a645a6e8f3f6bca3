"""The one rule for text that comes in from outside: forms, query strings, command-line
arguments, instrument documents and participants files.

Control characters (C0 and C1, DEL) and unpaired surrogates are refused, apart from tab
and line breaks in multi-line text. They are invisible to whoever reads the text later,
NUL cannot be stored in a PostgreSQL text column at all (SQLite stores it: the engines
would disagree), and a surrogate cannot be encoded for the database. Staff input is
refused with a message naming the field; an employee's comment has them removed instead
(`strip_control_characters`), so that an answer is never lost over an invisible character.

Pure: imports neither Flask nor SQLAlchemy, so every boundary can apply it.
"""

from __future__ import annotations

import re
import unicodedata

# Everything refused in single-line text; multi-line text also allows \t, \n and \r.
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class TextRefused(ValueError):
    """The text breaks the rule; the message names the field and the character."""


def refused_character(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The position and code point of the first character `text` may not hold, or None."""
    match = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    if match is None:
        return None
    return match.start(), match.group()


def describe_character(char: str) -> str:
    """A character's code point and, where it has one, its name: "U+0000 (NUL)"."""
    names = {"\x00": "NUL", "\t": "tab", "\n": "line feed", "\r": "carriage return"}
    name = names.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def text_problem(text: str, field: str, *, multiline: bool = False) -> str | None:
    """What is wrong with `text` as the value of `field`, in a sentence, or None."""
    found = refused_character(text, multiline=multiline)
    if found is None:
        return None
    position, char = found
    allowed = "; only tab and line breaks are allowed" if multiline else ""
    return (
        f"{field} contains a control character, {describe_character(char)}, at character "
        f"{position + 1}{allowed}. Remove it and try again."
    )


def check_text(text: str, field: str, *, multiline: bool = False) -> str:
    """`text` itself when it obeys the rule; TextRefused naming `field` otherwise."""
    problem = text_problem(text, field, multiline=multiline)
    if problem is not None:
        raise TextRefused(problem)
    return text


def strip_control_characters(text: str) -> str:
    """`text` without the characters the rule refuses in multi-line text."""
    return _MULTI_LINE.sub("", text)
