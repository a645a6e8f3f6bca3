"""The Spanish catalog covers every marked string, and the compiled file matches it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

CATALOG = ROOT / "app" / "translations" / "es" / "LC_MESSAGES"
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def _marked_strings() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(path: Path, reader: object) -> dict[str, str]:
    with path.open("rb") as handle:
        catalog = reader(handle)  # type: ignore[operator]
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def test_every_marked_string_has_a_spanish_translation() -> None:
    marked = _marked_strings()
    assert "Submit my answers" in marked  # the extraction found the templates
    translated = {k for k, v in _catalog(CATALOG / "messages.po", read_po).items() if v}
    missing = sorted(marked - translated)
    assert not missing, f"untranslated: {missing}"


def test_compiled_catalog_matches_the_source() -> None:
    po = _catalog(CATALOG / "messages.po", read_po)
    mo = _catalog(CATALOG / "messages.mo", read_mo)
    assert mo == po, "run: .venv/bin/pybabel compile -d app/translations"
