"""Versions in the database: sync, immutability, and the `instruments` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.errors import DomainError
from app.instruments.models import Instrument, InstrumentVersion
from app.instruments.queries import diff_between, document_of, latest_version
from app.instruments.services import InstrumentInvalid, instrument_files, sync_instruments
from tests.conftest import BUNDLED_INSTRUMENT, ROOT


def _versions(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(InstrumentVersion))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED_INSTRUMENT, tmp_path / BUNDLED_INSTRUMENT.name)
    shutil.copy(ROOT / "instruments" / "instrument.schema.json", tmp_path)
    return tmp_path


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def test_sync_is_a_no_op_for_unchanged_content(db_session: Any, folder: Path) -> None:
    assert [p.name for p in instrument_files(folder)] == [BUNDLED_INSTRUMENT.name]
    first = sync_instruments(instrument_files(folder))
    assert [o.created for o in first] == [True]
    # the same content, formatted differently, is the same version
    _edit(folder / BUNDLED_INSTRUMENT.name, lambda data: None)
    second = sync_instruments(instrument_files(folder))
    assert [o.created for o in second] == [False]
    assert second[0].version.id == first[0].version.id
    assert _versions(db_session) == 1


def test_changed_content_becomes_the_next_version(db_session: Any, folder: Path) -> None:
    sync_instruments(instrument_files(folder))
    path = folder / BUNDLED_INSTRUMENT.name

    def reword(data: dict[str, Any]) -> None:
        data["items"][0]["text"]["en"] = "In my work group, people ask how a change lands."

    _edit(path, reword)
    (outcome,) = sync_instruments(instrument_files(folder))
    assert outcome.created
    assert outcome.version.version == 2
    assert latest_version("relational-climate").version == 2
    v1, v2 = db_session.scalars(select(InstrumentVersion).order_by(InstrumentVersion.version))
    diff = diff_between(v1, v2)
    first_key = document_of(v1).items[0].key
    assert first_key in diff.reworded
    assert db_session.scalar(select(func.count()).select_from(Instrument)) == 1


def test_an_invalid_file_stores_nothing(db_session: Any, folder: Path) -> None:
    (folder / "broken.json").write_text('{"key": "broken",', encoding="utf-8")
    with pytest.raises(InstrumentInvalid) as excinfo:
        sync_instruments(instrument_files(folder))
    assert "broken.json" in excinfo.value.errors
    assert "line 1" in str(excinfo.value)
    assert _versions(db_session) == 0


def test_two_files_cannot_declare_one_key(db_session: Any, folder: Path) -> None:
    shutil.copy(folder / BUNDLED_INSTRUMENT.name, folder / "copy.json")
    with pytest.raises(DomainError, match="same instrument key: relational-climate"):
        sync_instruments(instrument_files(folder))


def test_a_stored_version_cannot_be_changed_or_deleted(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    version = db_session.get(InstrumentVersion, bundled_version.id)
    version.document = {**version.document, "key": "tampered"}
    with pytest.raises(DomainError, match="immutable"):
        db_session.flush()
    db_session.rollback()
    version = db_session.get(InstrumentVersion, bundled_version.id)
    db_session.delete(version)
    with pytest.raises(DomainError, match="cannot be deleted"):
        db_session.flush()
    db_session.rollback()
    assert db_session.get(InstrumentVersion, bundled_version.id).document["key"] == (
        "relational-climate"
    )


def test_validate_command(runner: FlaskCliRunner, tmp_path: Path) -> None:
    ok = runner.invoke(args=["instruments", "validate", str(BUNDLED_INSTRUMENT)])
    assert ok.exit_code == 0, ok.output
    assert "valid (relational-climate, 13 dimensions, 52 items, 2 prompts" in ok.output

    data = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    data["items"][3]["dimension"] = "nowhere"
    del data["items"][5]["text"]["es"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["instruments", "validate", str(bad)])
    assert result.exit_code == 1
    assert "bad.json: /items/3/dimension:" in result.output
    assert "/items/5/text" in result.output


def test_sync_command(runner: FlaskCliRunner, db_session: Any, folder: Path) -> None:
    first = runner.invoke(args=["instruments", "sync", "--dir", str(folder)])
    assert first.exit_code == 0, first.output
    assert "relational-climate: new version 1" in first.output
    again = runner.invoke(args=["instruments", "sync", "--dir", str(folder)])
    assert "relational-climate: unchanged, version 1" in again.output
    (folder / "broken.json").write_text("[", encoding="utf-8")
    failed = runner.invoke(args=["instruments", "sync", "--dir", str(folder)])
    assert failed.exit_code == 1
    assert "broken.json" in failed.output
    assert _versions(db_session) == 1
