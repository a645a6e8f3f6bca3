"""Writes for instruments: publishing versions, syncing instruments/*.json.

Versions are insert-only. A listener refuses any change to a stored version, so "a version
that a survey uses is never modified" holds whatever code path tries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.db import Session, refuse_changes_to
from app.errors import DomainError
from app.i18n import _
from app.input_rules import text_problem
from app.instruments.document import content_sha256
from app.instruments.models import CHANGELOG_MAX, Instrument, InstrumentVersion
from app.instruments.validation import InstrumentError, validate_instrument_text

SCHEMA_FILENAME = "instrument.schema.json"


class InstrumentInvalid(DomainError):
    """One or more documents have errors; `errors` maps each source (a file name) to its
    errors, each with its JSON Pointer."""

    def __init__(self, errors: dict[str, list[InstrumentError]]) -> None:
        lines = [f"{source}: {e}" for source, found in errors.items() for e in found]
        count = sum(len(found) for found in errors.values())
        super().__init__(f"{count} error(s):\n" + "\n".join(lines))
        self.errors = errors


@dataclass(frozen=True)
class PublishOutcome:
    version: InstrumentVersion
    created: bool  # False when identical content was already stored (a no-op)


def checked_changelog(text: str | None) -> str:
    """The changelog line of a version to publish, stripped: one line of 1 to
    `CHANGELOG_MAX` characters, without control characters; DomainError otherwise."""
    line = (text or "").strip()
    if not line:
        raise DomainError(
            _("Say in one line what this version changes (it is shown in the versions list).")
        )
    if len(line) > CHANGELOG_MAX:
        raise DomainError(
            _(
                "The changelog line has %(count)s characters; at most %(most)s.",
                count=len(line),
                most=CHANGELOG_MAX,
            )
        )
    problem = text_problem(line, _("The changelog line"))
    if problem is not None:
        raise DomainError(problem)
    return line


def publish_instrument_version(
    data: dict[str, Any], changelog: str | None = None
) -> PublishOutcome:
    """Store a validated instrument document as the next version of its instrument, with
    its changelog line (`checked_changelog`; None for versions synced from files).

    Content identical (same sha256 of the canonical JSON) to a stored version of the same
    instrument is a no-op that returns that version. The caller validates first.
    """
    line = checked_changelog(changelog) if changelog is not None else None
    sha = content_sha256(data)
    default_language = data["default_language"]
    title = data["title"][default_language]
    instrument = Session.scalar(select(Instrument).where(Instrument.key == data["key"]))
    if instrument is None:
        instrument = Instrument(key=data["key"], title=title)
        Session.add(instrument)
        Session.flush()
    existing = Session.scalar(
        select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.sha256 == sha
        )
    )
    if existing is not None:
        return PublishOutcome(existing, created=False)
    latest = Session.scalar(
        select(func.max(InstrumentVersion.version)).where(
            InstrumentVersion.instrument_id == instrument.id
        )
    )
    instrument.title = title
    version = InstrumentVersion(
        instrument=instrument,
        version=(latest or 0) + 1,
        sha256=sha,
        document=data,
        changelog=line,
    )
    Session.add(version)
    Session.flush()
    return PublishOutcome(version, created=True)


def instrument_files(directory: Path) -> list[Path]:
    """The instrument documents of a folder: every *.json but the schema, sorted."""
    return sorted(p for p in directory.glob("*.json") if p.name != SCHEMA_FILENAME)


def sync_instruments(paths: Iterable[Path]) -> list[PublishOutcome]:
    """Validate every file, then publish each one's content as a version.

    All or nothing: when any file has errors, InstrumentInvalid lists them all (file by
    file) and nothing is stored.
    """
    documents: list[dict[str, Any]] = []
    problems: dict[str, list[InstrumentError]] = {}
    for path in paths:
        result = validate_instrument_text(path.read_bytes())
        if result.ok and result.data is not None:
            documents.append(result.data)
        else:
            problems[path.name] = result.errors
    if problems:
        raise InstrumentInvalid(problems)
    keys = [d["key"] for d in documents]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise DomainError(
            _(
                "Two files declare the same instrument key: %(keys)s.",
                keys=", ".join(duplicated),
            )
        )
    return [publish_instrument_version(d) for d in documents]


refuse_changes_to(
    InstrumentVersion,
    lambda v: f"Instrument version {v.version}",
    "publish a new version instead",
)
