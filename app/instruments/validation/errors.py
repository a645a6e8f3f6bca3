"""What validation reports: an error at a JSON Pointer, and the result of a run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.instruments.document import InstrumentDocument


@dataclass(frozen=True)
class InstrumentError:
    """One problem: where (`pointer`, RFC 6901; "" is the whole document) and what."""

    pointer: str
    message: str
    line: int | None = None  # set only for errors found before the JSON was parsed
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.pointer or '(document)'}: {self.message}"


@dataclass(frozen=True)
class ValidationResult:
    errors: list[InstrumentError] = field(default_factory=list)
    data: dict[str, Any] | None = None  # the parsed dict, only when ok
    document: InstrumentDocument | None = None  # only when ok

    @property
    def ok(self) -> bool:
        return not self.errors


def json_pointer(parts: Iterable[str | int]) -> str:
    """RFC 6901: '~' becomes '~0' and '/' becomes '~1' inside each reference token."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_parts(pointer: str) -> list[str]:
    """Inverse of `json_pointer` (array indices come back as strings)."""
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
