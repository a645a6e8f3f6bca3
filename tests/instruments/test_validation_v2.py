"""The version-2 format additions: referent and audience, varieties, definitions, revision
reasons and the validation report, each refused with its pointer and a plain message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.instruments.document import InstrumentDocument, KeyedText
from app.instruments.validation import validate_instrument_data, validate_instrument_text
from tests.instruments.samples import ROOT, small_instrument

V1_ARCHIVE = ROOT / "instruments" / "archive" / "relational-climate.v1.json"
BUNDLED = ROOT / "instruments" / "relational-climate.json"

REPORT = {
    "date": "2027-03-01",
    "sample": "812 respondents in 9 organisations, 41% answering in Spanish.",
    "factor_structure": "Seven correlated factors; CFI .95, RMSEA .05.",
    "invariance_levels": "Scalar invariance held across three levels.",
    "invariance_languages": "Metric invariance held between English and Spanish.",
}


def errors_for(data: Any) -> dict[str, str]:
    result = validate_instrument_data(data)
    assert not result.ok
    assert result.data is None and result.document is None
    found: dict[str, list[str]] = {}
    for error in result.errors:
        found.setdefault(error.pointer, []).append(error.message)
    return {pointer: "\n".join(messages) for pointer, messages in found.items()}


def document_of(data: dict[str, Any]) -> InstrumentDocument:
    result = validate_instrument_data(data)
    assert result.ok, [str(e) for e in result.errors]
    assert result.document is not None
    return result.document


def leader_item(data: dict[str, Any]) -> int:
    """Turn the first likert item into an item about the leader; its index."""
    index = next(i for i, item in enumerate(data["items"]) if item["type"] == "likert")
    data["items"][index]["referent"] = "leader"
    return index


# --- referent and audience ----------------------------------------------------------


def test_defaults_are_group_and_everyone() -> None:
    document = document_of(small_instrument())
    assert {(i.referent, i.audience) for i in document.items} == {("group", "everyone")}
    assert document.items_asked_of(leads_work_group=True) == document.items


def test_leader_item_asked_of_the_led_only() -> None:
    data = small_instrument()
    index = leader_item(data)
    data["items"][index]["audience"] = "led"
    document = document_of(data)
    item = document.items[index]
    assert (item.referent, item.audience) == ("leader", "led")
    assert item.asked_of(leads_work_group=False)
    assert not item.asked_of(leads_work_group=True)
    assert item not in document.items_asked_of(leads_work_group=True)
    assert item in document.items_asked_of(leads_work_group=False)


@pytest.mark.parametrize("audience", [None, "everyone"])
def test_leader_item_without_audience_led_is_refused(audience: str | None) -> None:
    data = small_instrument()
    index = leader_item(data)
    if audience is not None:
        data["items"][index]["audience"] = audience
    errors = errors_for(data)
    assert list(errors) == [f"/items/{index}"]
    assert '"audience": "led"' in errors[f"/items/{index}"]
    assert "never rates themself" in errors[f"/items/{index}"]


def test_group_item_may_be_asked_of_the_led_only() -> None:
    data = small_instrument()
    data["items"][0]["audience"] = "led"
    assert document_of(data).items[0].audience == "led"


@pytest.mark.parametrize(
    ("name", "value"), [("referent", "manager"), ("audience", "leaders"), ("referent", True)]
)
def test_referent_and_audience_values(name: str, value: Any) -> None:
    data = small_instrument()
    data["items"][0][name] = value
    errors = errors_for(data)
    assert list(errors) == [f"/items/0/{name}"]
    assert errors[f"/items/0/{name}"].startswith("Must be one of ")


# --- languages must agree everywhere ------------------------------------------------


def test_item_text_missing_a_language_is_refused() -> None:
    data = small_instrument()
    del data["items"][1]["text"]["es"]
    assert errors_for(data) == {
        "/items/1/text/es": (
            "The 'es' translation is missing; every text needs all declared languages (en, es)."
        )
    }


def test_item_text_in_an_extra_language_is_refused() -> None:
    data = small_instrument()
    data["items"][1]["text"]["pt"] = "Na minha equipe..."
    assert errors_for(data) == {
        "/items/1/text/pt": (
            "'pt' is not a declared language (en, es); add it to /languages or remove this text."
        )
    }


def test_a_language_dropped_from_the_list_is_reported_in_every_text() -> None:
    data = small_instrument()
    data["languages"] = ["en"]
    errors = errors_for(data)
    assert "/title/es" in errors
    assert all(pointer.endswith("/es") for pointer in errors)
    assert len(errors) > 10


# --- metadata.varieties -------------------------------------------------------------


def test_varieties_read_back() -> None:
    data = small_instrument()
    data["metadata"]["varieties"] = {"en": "International English", "es": "es-419, usted"}
    varieties = document_of(data).metadata.varieties
    assert varieties is not None
    assert varieties["es"] == "es-419, usted"


def test_varieties_missing_a_language() -> None:
    data = small_instrument()
    data["metadata"]["varieties"] = {"en": "International English"}
    assert errors_for(data) == {
        "/metadata/varieties/es": (
            "The target variety of 'es' is missing; varieties must name every declared "
            "language (en, es), and only those."
        )
    }


def test_varieties_with_an_undeclared_language() -> None:
    data = small_instrument()
    data["metadata"]["varieties"] = {"en": "English", "es": "es-419", "fr": "French"}
    assert errors_for(data) == {
        "/metadata/varieties/fr": (
            "'fr' is not a declared language (en, es); varieties must name every declared "
            "language, and only those."
        )
    }


def test_varieties_with_a_bad_code_or_blank_text() -> None:
    data = small_instrument()
    data["metadata"]["varieties"] = {"en": " ", "es": "es-419", "Spanish": "x"}
    errors = errors_for(data)
    assert errors["/metadata/varieties/en"] == 'Must not be blank; found the text " ".'
    assert "is not a language code" in errors["/metadata/varieties/Spanish"]


# --- metadata.definitions -----------------------------------------------------------


def test_definitions_of_dimensions_and_families_read_back_in_file_order() -> None:
    data = small_instrument()
    data["metadata"]["definitions"] = {"trust": "Trust is ...", "good": "Good things are ..."}
    definitions = document_of(data).metadata.definitions
    assert list(definitions) == ["trust", "good"]
    assert definitions["good"] == "Good things are ..."


def test_definition_of_an_unknown_key() -> None:
    data = small_instrument()
    data["metadata"]["definitions"] = {"trust": "Trust is ...", "trusst": "Typo."}
    assert errors_for(data) == {
        "/metadata/definitions/trusst": (
            "Unknown dimension or family 'trusst'. Did you mean 'trust'? A definition "
            "belongs to a dimension or family of this instrument."
        )
    }


def test_definition_of_an_item_key_lists_the_known_keys() -> None:
    data = small_instrument()
    item_key = data["items"][0]["key"]
    data["metadata"]["definitions"] = {item_key: "Not a construct."}
    message = errors_for(data)[f"/metadata/definitions/{item_key}"]
    assert message.startswith(f"Unknown dimension or family '{item_key}'.")
    assert "Known dimensions or families: trust, fear" in message


def test_definition_keys_must_be_keys() -> None:
    data = small_instrument()
    data["metadata"]["definitions"] = {"Trust Issues": "x"}
    assert errors_for(data) == {
        "/metadata/definitions/Trust Issues": (
            "'Trust Issues' is not a key: use lowercase letters and digits, with words "
            "joined by '-' or '_', starting with a letter, at most 64 characters."
        )
    }


# --- metadata.revision --------------------------------------------------------------


def test_revision_reads_back() -> None:
    data = small_instrument()
    data["metadata"]["revision"] = {
        "from_version": 1,
        "reasons": {"tr_1": "Reworded: no idiom.", "gone_1": "Removed: a double question."},
    }
    revision = document_of(data).metadata.revision
    assert revision is not None
    assert revision.from_version == 1
    assert revision.reasons == KeyedText(
        (("tr_1", "Reworded: no idiom."), ("gone_1", "Removed: a double question."))
    )


@pytest.mark.parametrize(
    ("revision", "pointer", "fragment"),
    [
        ({"reasons": {}}, "/metadata/revision/from_version", "required field 'from_version'"),
        ({"from_version": 0, "reasons": {}}, "/metadata/revision/from_version", "at least 1"),
        ({"from_version": 1.0, "reasons": {}}, "/metadata/revision/from_version", "whole number"),
        ({"from_version": 1, "reasons": {"tr_1": ""}}, "/metadata/revision/reasons/tr_1", "blank"),
        ({"from_version": 1, "reasons": [], "why": 1}, "/metadata/revision/why", "Unknown field"),
    ],
)
def test_bad_revision(revision: dict[str, Any], pointer: str, fragment: str) -> None:
    data = small_instrument()
    data["metadata"]["revision"] = revision
    errors = errors_for(data)
    assert pointer in errors
    assert fragment in errors[pointer]


# --- status and validation report ---------------------------------------------------


def test_validated_without_a_report_is_refused_at_the_status() -> None:
    data = small_instrument()
    data["metadata"]["status"] = "validated"
    errors = errors_for(data)
    assert list(errors) == ["/metadata/status"]
    assert "needs metadata.validation_report" in errors["/metadata/status"]
    assert 'set the status to "pilot"' in errors["/metadata/status"]


def test_validated_with_a_report_reads_back() -> None:
    data = small_instrument()
    data["metadata"]["status"] = "validated"
    data["metadata"]["validation_report"] = {
        **REPORT,
        "reliability": "Omega .78 to .89.",
        "url": "https://example.org/report",
    }
    report = document_of(data).metadata.validation_report
    assert report is not None
    assert report.factor_structure.startswith("Seven correlated factors")
    assert report.url == "https://example.org/report"


def test_a_pilot_may_carry_a_report_in_progress() -> None:
    data = small_instrument()
    data["metadata"]["validation_report"] = REPORT
    report = document_of(data).metadata.validation_report
    assert report is not None and report.reliability is None and report.url is None


@pytest.mark.parametrize("missing", sorted(REPORT))
def test_report_sections_are_required(missing: str) -> None:
    data = small_instrument()
    data["metadata"]["status"] = "validated"
    data["metadata"]["validation_report"] = {k: v for k, v in REPORT.items() if k != missing}
    assert errors_for(data) == {
        f"/metadata/validation_report/{missing}": f"The required field '{missing}' is missing."
    }


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("date", "1 March 2027", "YYYY-MM-DD"),
        ("url", "javascript:alert(1)", "http:// or https://"),
        ("url", "https://example.org/a b", "without spaces"),
        ("sample", "  ", "blank"),
    ],
)
def test_bad_report_fields(field: str, value: str, fragment: str) -> None:
    data = small_instrument()
    data["metadata"]["status"] = "validated"
    data["metadata"]["validation_report"] = {**REPORT, field: value}
    errors = errors_for(data)
    assert list(errors) == [f"/metadata/validation_report/{field}"]
    assert fragment in errors[f"/metadata/validation_report/{field}"]


# --- the bundled files --------------------------------------------------------------


def _bundled(path: Path) -> InstrumentDocument:
    result = validate_instrument_text(path.read_bytes())
    assert result.ok, [str(e) for e in result.errors]
    assert result.document is not None
    return result.document


def test_the_bundled_instrument_is_valid() -> None:
    document = _bundled(BUNDLED)
    for item in document.items:
        if item.referent == "leader":
            assert item.audience == "led", item.key


@pytest.mark.skipif(not V1_ARCHIVE.exists(), reason="v1 not archived yet")
def test_the_archived_v1_stays_valid() -> None:
    document = _bundled(V1_ARCHIVE)
    assert document.key == "relational-climate"
    assert json.loads(V1_ARCHIVE.read_text(encoding="utf-8"))["metadata"]["status"] == "draft"
