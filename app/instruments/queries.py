"""Reads for instruments and versions."""

from __future__ import annotations

from sqlalchemy import select

from app.db import Session
from app.errors import NotFound
from app.instruments.diff import InstrumentDiff, diff_versions
from app.instruments.document import InstrumentDocument
from app.instruments.models import Instrument, InstrumentVersion


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
