"""Reads for instruments and versions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.db import Session
from app.errors import NotFound
from app.instruments.diff import InstrumentDiff, diff_versions
from app.instruments.document import InstrumentDocument
from app.instruments.models import Instrument, InstrumentVersion
from app.surveys.models import Survey


def instrument_by_key(key: str) -> Instrument | None:
    return Session.scalar(select(Instrument).where(Instrument.key == key))


def instrument_overview() -> list[tuple[Instrument, int, int, int]]:
    """Every instrument with a version, by key: (instrument, its latest version number,
    its number of versions, its number of surveys)."""
    rows = Session.execute(
        select(
            Instrument,
            func.max(InstrumentVersion.version),
            func.count(InstrumentVersion.id),
        )
        .join(InstrumentVersion, InstrumentVersion.instrument_id == Instrument.id)
        .group_by(Instrument.id)
        .order_by(Instrument.key)
    ).all()
    in_use: dict[int, int] = dict(
        Session.execute(
            select(InstrumentVersion.instrument_id, func.count(Survey.id))
            .join(Survey, Survey.instrument_version_id == InstrumentVersion.id)
            .group_by(InstrumentVersion.instrument_id)
        ).all()
    )
    return [
        (instrument, latest, count, in_use.get(instrument.id, 0))
        for instrument, latest, count in rows
    ]


def version_number(instrument: Instrument, number: int) -> InstrumentVersion | None:
    """Version `number` of `instrument`, if it exists."""
    return Session.scalar(
        select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.version == number
        )
    )


def newest_version(instrument: Instrument) -> InstrumentVersion | None:
    """The latest version of `instrument` (None before its first)."""
    return Session.scalar(
        select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument.id)
        .order_by(InstrumentVersion.version.desc())
        .limit(1)
    )


def versions_of(instrument: Instrument) -> list[InstrumentVersion]:
    """Every version of `instrument`, oldest first."""
    return list(
        Session.scalars(
            select(InstrumentVersion)
            .where(InstrumentVersion.instrument_id == instrument.id)
            .order_by(InstrumentVersion.version)
        )
    )


def all_versions() -> list[InstrumentVersion]:
    """Every published version of every instrument (instrument loaded), by instrument title,
    newest first within each."""
    return list(
        Session.scalars(
            select(InstrumentVersion)
            .join(Instrument)
            .options(joinedload(InstrumentVersion.instrument))
            .order_by(Instrument.title, InstrumentVersion.version.desc())
        )
    )


def surveys_by_version(version_ids: Iterable[int]) -> dict[int, list[Survey]]:
    """The surveys pinning each of these versions (by version id), in creation order."""
    found: dict[int, list[Survey]] = {}
    ids = list(version_ids)
    if ids:
        for survey in Session.scalars(
            select(Survey).where(Survey.instrument_version_id.in_(ids)).order_by(Survey.id)
        ):
            found.setdefault(survey.instrument_version_id, []).append(survey)
    return found


def used_question_keys(instrument: Instrument | None) -> list[str]:
    """Every item and prompt key any version of the instrument has used: a new question
    must not take one over (trends match items by key)."""
    if instrument is None:
        return []
    keys: dict[str, None] = {}
    for version in versions_of(instrument):
        document = document_of(version)
        keys.update(dict.fromkeys(item.key for item in document.items))
        keys.update(dict.fromkeys(prompt.key for prompt in document.prompts))
    return list(keys)


def latest_version(instrument_key: str) -> InstrumentVersion:
    """The newest version of an instrument, or NotFound."""
    version = Session.scalar(
        select(InstrumentVersion)
        .join(Instrument)
        .where(Instrument.key == instrument_key)
        .order_by(InstrumentVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(
            f"No instrument {instrument_key!r}; run `flask instruments sync` or check the key."
        )
    return version


# Parsed documents by content hash. Versions are immutable, so an entry never goes stale;
# an organisation has a handful of versions, so the cache stays small.
_parsed: dict[str, InstrumentDocument] = {}


def document_of(version: InstrumentVersion) -> InstrumentDocument:
    """The parsed document of a version, parsed once per content."""
    document = _parsed.get(version.sha256)
    if document is None:
        document = _parsed[version.sha256] = InstrumentDocument.from_dict(version.document)
    return document


def parsed_document(sha256: str) -> InstrumentDocument | None:
    """The document of this content if this process has parsed it already (no database
    access), else None."""
    return _parsed.get(sha256)


def document_by_hash(version_id: int, sha256: str) -> InstrumentDocument:
    """The parsed document of the version `version_id` whose content hash is `sha256`; the
    database is read only the first time a content is seen."""
    document = _parsed.get(sha256)
    if document is None:
        version = Session.get(InstrumentVersion, version_id)
        if version is None or version.sha256 != sha256:
            raise NotFound(f"No instrument version {version_id} with content {sha256}.")
        document = document_of(version)
    return document


def diff_between(old: InstrumentVersion, new: InstrumentVersion) -> InstrumentDiff:
    return diff_versions(document_of(old), document_of(new))
