"""Validation of instrument files: every layer, with the pointer and wording of errors."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]

from app.instruments.document import InstrumentDocument
from app.instruments.validation import (
    MAX_BYTES,
    InstrumentError,
    ValidationResult,
    json_pointer,
    load_schema,
    pointer_parts,
    validate_instrument_data,
    validate_instrument_text,
)
from tests.instruments.samples import FORMAT_README, fixture_bytes, small_instrument


def by_pointer(result: ValidationResult) -> dict[str, str]:
    """{pointer: message}; several messages at one pointer are joined by newlines."""
    assert not result.ok
    found: dict[str, list[str]] = {}
    for error in result.errors:
        found.setdefault(error.pointer, []).append(error.message)
    return {pointer: "\n".join(messages) for pointer, messages in found.items()}


def errors_for(data: Any) -> dict[str, str]:
    return by_pointer(validate_instrument_data(data))


# --- valid input ----------------------------------------------------------------------


def test_valid_fixture_gives_data_and_document() -> None:
    result = validate_instrument_text(fixture_bytes("valid_small.json"))
    assert result.ok
    assert result.errors == []
    assert result.data == small_instrument()
    assert isinstance(result.document, InstrumentDocument)
    assert result.document.key == "small-test"
    assert [i.key for i in result.document.items][:2] == ["tr_1", "tr_2"]


def test_text_and_data_entry_points_agree() -> None:
    as_text = validate_instrument_text(fixture_bytes("valid_small.json").decode("utf-8"))
    as_data = validate_instrument_data(small_instrument())
    assert as_text.ok
    assert as_data.ok
    assert as_text.document == as_data.document


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_readme_example_is_valid() -> None:
    readme = FORMAT_README.read_text(encoding="utf-8")
    section = readme.split("## A complete small example", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert block is not None
    result = validate_instrument_text(block.group(1))
    assert result.ok, [str(e) for e in result.errors]


def test_leading_byte_order_mark_is_tolerated() -> None:
    result = validate_instrument_text(b"\xef\xbb\xbf" + fixture_bytes("valid_small.json"))
    assert result.ok


def test_failed_result_carries_no_data() -> None:
    result = validate_instrument_text(fixture_bytes("broken_references.json"))
    assert not result.ok
    assert result.data is None
    assert result.document is None


# --- size, encoding, syntax -----------------------------------------------------------


def test_file_over_one_megabyte_gives_one_error_and_is_not_parsed() -> None:
    # Not JSON at all: if it were parsed, a syntax error would be reported as well.
    result = validate_instrument_text(b"{" * (MAX_BYTES + 1))
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.pointer == ""
    assert "1,048,577 bytes" in error.message
    assert "1 MB" in error.message


def test_size_limit_counts_utf8_bytes_of_str_input() -> None:
    # 'é' is two bytes in UTF-8: 600 000 characters are 1.2 MB.
    result = validate_instrument_text('"' + "é" * 600_000 + '"')
    assert len(result.errors) == 1
    assert "at most 1,048,576 bytes" in result.errors[0].message


def test_size_limit_applies_to_parsed_data_too() -> None:
    data = small_instrument()
    data["metadata"]["notes"] = "n" * 10_000
    data["metadata"]["changelog"] = [{"date": "2026-01-01", "note": "x" * 1000}] * 500
    data["items"][0]["text"]["en"] = "x" * 1000
    huge = [copy.deepcopy(data["items"][0]) for _ in range(400)]
    for n, item in enumerate(huge):
        item["key"] = f"big_{n}"
        item["text"] = {"en": "y" * 1000, "es": "z" * 1000}
    data["items"] += huge
    result = validate_instrument_data(data)
    assert len(result.errors) == 1
    assert "bytes as JSON; it may be at most 1,048,576 bytes" in result.errors[0].message


def test_file_of_exactly_the_limit_is_accepted() -> None:
    text = fixture_bytes("valid_small.json")
    padded = text + b" " * (MAX_BYTES - len(text))
    assert len(padded) == MAX_BYTES
    assert validate_instrument_text(padded).ok


def test_invalid_utf8_reports_the_byte_position() -> None:
    result = validate_instrument_text(b'{\n  "key": "caf\xe9"\n}')
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.line, error.column) == (2, 14)
    assert "not valid UTF-8" in error.message
    assert "0xe9" in error.message


def test_malformed_json_reports_line_and_column() -> None:
    result = validate_instrument_text(fixture_bytes("broken_malformed.json"))
    assert len(result.errors) == 1
    error = result.errors[0]
    # Line 4 is `  "title": {"en": "Broken",},`: the parser stops at the closing brace.
    assert (error.line, error.column) == (4, 28)
    assert "line 4, column 28" in error.message
    assert "trailing comma" in error.message
    assert str(error).startswith("(document): The file is not valid JSON")


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ('{"a": 1 "b": 2}', 1, 9, "comma"),
        ('{"a": }', 1, 7, "expected a value"),
        ('{"a": 1}\n{"b": 2}', 2, 1, "after the end"),
        ('{"a": "open', 1, 7, "never closed"),
    ],
)
def test_json_syntax_errors_are_plain(text: str, line: int, column: int, fragment: str) -> None:
    (error,) = validate_instrument_text(text).errors
    assert (error.line, error.column) == (line, column)
    assert fragment in error.message


def test_empty_file() -> None:
    (error,) = validate_instrument_text(b"  \n").errors
    assert "empty" in error.message


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused_where_they_are(literal: str) -> None:
    data = small_instrument()
    text = json.dumps(data).replace('"min_answered": 2', f'"min_answered": {literal}', 1)
    result = validate_instrument_text(text)
    assert [e.pointer for e in result.errors] == ["/dimensions/0/min_answered"]
    assert literal in result.errors[0].message


def test_unpaired_surrogate_is_refused() -> None:
    text = fixture_bytes("valid_small.json").decode().replace("Small test", "Small \\ud800 test")
    result = validate_instrument_text(text)
    assert [e.pointer for e in result.errors] == ["/title/en"]
    assert "surrogate" in result.errors[0].message


def test_absurd_nesting_is_refused() -> None:
    data = small_instrument()
    data["metadata"]["notes"] = json.loads("[" * 40 + "]" * 40)
    result = validate_instrument_data(data)
    assert len(result.errors) == 1
    assert result.errors[0].pointer.startswith("/metadata/notes/0/0/")
    assert "nested" in result.errors[0].message


# --- duplicate keys -------------------------------------------------------------------


def test_duplicate_keys_are_reported_at_their_path() -> None:
    errors = by_pointer(validate_instrument_text(fixture_bytes("broken_duplicate_keys.json")))
    assert set(errors) == {"/default_language", "/items/4/key"}
    assert "'key' appears more than once" in errors["/items/4/key"]


def test_duplicate_language_inside_a_text_object() -> None:
    text = '"title": {"en": "Small test instrument", "es": "Instrumento", "en": "Again"}'
    source = fixture_bytes("valid_small.json").decode()
    source = re.sub(r'"title": \{[^}]*\}', text, source, count=1)
    errors = by_pointer(validate_instrument_text(source))
    assert list(errors) == ["/title/en"]


def test_duplicate_keys_do_not_hide_other_errors() -> None:
    source = fixture_bytes("broken_duplicate_keys.json").decode()
    source = source.replace('"min_answered": 2', '"min_answered": 9', 1)
    errors = by_pointer(validate_instrument_text(source))
    assert "/items/4/key" in errors
    assert "/dimensions/0/min_answered" in errors


# --- schema ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "fragment"),
    [
        ("/schema_version", 'Must be 1; found the text "1"'),
        ("/title", 'Expected an object ({...}) but found the text "Small test instrument"'),
        ("/metadata/status", 'Must be one of "draft", "pilot", "validated"'),
        ("/scales/0/max", "Expected a whole number but found the number 5.0"),
        ("/dimensions/0/min_answered", 'Expected a whole number but found the text "2"'),
        ("/items/1/type", 'Must be one of "likert", "single_choice"'),
        ("/items/2/reverse", 'Expected true or false but found the text "yes"'),
        ("/prompts/0/max_length", "Must be at least 1; found 0"),
    ],
)
def test_wrong_types_are_all_reported(pointer: str, fragment: str) -> None:
    errors = by_pointer(validate_instrument_text(fixture_bytes("broken_types.json")))
    assert fragment in errors[pointer]


def test_wrong_types_report_nothing_else() -> None:
    # Semantic checks skip malformed parts instead of piling on consequences.
    result = validate_instrument_text(fixture_bytes("broken_types.json"))
    assert len(result.errors) == 8


def test_missing_required_field_points_at_the_missing_member() -> None:
    data = small_instrument()
    del data["items"][0]["dimension"]
    del data["intro"]
    errors = errors_for(data)
    assert errors["/items/0/dimension"] == "The required field 'dimension' is missing."
    assert errors["/intro"] == "The required field 'intro' is missing."


def test_likert_item_needs_a_scale_single_choice_needs_options() -> None:
    data = small_instrument()
    del data["items"][0]["scale"]
    del data["items"][6]["options"]
    errors = errors_for(data)
    assert "'scale' is missing" in errors["/items/0/scale"]
    assert "'options' is missing" in errors["/items/6/options"]


def test_unknown_field_with_suggestion() -> None:
    data = small_instrument()
    data["items"][0]["dimesion"] = "trust"
    data["metadata"]["colour"] = "blue"
    errors = errors_for(data)
    assert errors["/items/0/dimesion"] == "Unknown field 'dimesion'. Did you mean 'dimension'?"
    assert errors["/metadata/colour"].startswith("Unknown field 'colour'. Allowed fields: status")


@pytest.mark.parametrize(
    ("mutate", "pointer", "fragment"),
    [
        (lambda d: d.update(key="Small Test"), "/key", "Must be a key"),
        (lambda d: d["items"][0].update(key="1st"), "/items/0/key", "starting with a letter"),
        (lambda d: d.update(languages=["en", "en"]), "/languages", 'Lists "en" more than once'),
        (lambda d: d.update(languages=[]), "/languages", "at least one entry"),
        (lambda d: d["title"].update(en="   "), "/title/en", "Must not be blank"),
        (lambda d: d["title"].update(en=""), "/title/en", 'Must not be blank; found the text ""'),
        (lambda d: d.update(title={}), "/title", "Must not be empty"),
        (lambda d: d["items"][0]["text"].update(en="x" * 1001), "/items/0/text/en", "too long"),
        (
            lambda d: d["metadata"]["changelog"][0].update(date="2026-02-30"),
            "/metadata/changelog/0/date",
            "real date written YYYY-MM-DD",
        ),
        (lambda d: d["scales"][0]["bands"].update(low=[1]), "/scales/0/bands/low", "at least 2"),
        (lambda d: d["families"][0].update(desirable="up"), "/families/0/desirable", '"high"'),
        (lambda d: d.update(items=[]), "/items", "at least one entry"),
        (lambda d: d["items"][0].update(reverse=1), "/items/0/reverse", "true or false"),
    ],
)
def test_schema_messages_are_plain(mutate: Any, pointer: str, fragment: str) -> None:
    data = small_instrument()
    mutate(data)
    errors = errors_for(data)
    assert fragment in errors[pointer], errors


def test_root_must_be_an_object() -> None:
    errors = by_pointer(validate_instrument_text("[1, 2]"))
    assert errors == {"": "Expected an object ({...}) but found a list."}


def test_invalid_language_code_as_member_name_is_escaped_in_the_pointer() -> None:
    data = small_instrument()
    data["title"]["a/b~c"] = "odd"
    errors = errors_for(data)
    assert "not a language code" in errors["/title/a~1b~0c"]


# --- semantics ------------------------------------------------------------------------


def test_unknown_dimension_family_and_scale() -> None:
    errors = by_pointer(validate_instrument_text(fixture_bytes("broken_references.json")))
    assert errors["/items/3/dimension"] == "Unknown dimension 'feer'. Did you mean 'fear'?"
    assert errors["/items/0/scale"] == "Unknown scale 'agree7'. Did you mean 'agree5'?"
    assert errors["/dimensions/1/family"] == "Unknown family 'ugly'. Known families: good, bad."


def test_empty_scale() -> None:
    errors = by_pointer(validate_instrument_text(fixture_bytes("broken_empty_scale.json")))
    assert errors == {
        "/scales/0/max": (
            "A scale needs at least two points: max (1) must be greater than min (1)."
        ),
        "/scales/0/points": "Must list at least 2 entries; found 0.",
    }


def test_missing_translation_and_undeclared_language() -> None:
    errors = by_pointer(validate_instrument_text(fixture_bytes("broken_missing_translation.json")))
    assert errors == {
        "/families/0/label/fr": (
            "'fr' is not a declared language (en, es); add it to /languages or remove this text."
        ),
        "/items/4/text/es": (
            "The 'es' translation is missing; every text needs all declared languages (en, es)."
        ),
    }


@pytest.mark.parametrize(
    "path",
    [
        ("scales", 0, "points", 2, "label"),
        ("scales", 0, "prefer_not_label"),
        ("dimensions", 1, "description"),
        ("items", 6, "options", 1, "label"),
        ("prompts", 0, "help"),
        ("privacy",),
    ],
)
def test_every_text_object_needs_every_language(path: tuple[str | int, ...]) -> None:
    data = small_instrument()
    target: Any = data
    for part in path:
        target = target[part]
    del target["es"]
    assert list(errors_for(data)) == [json_pointer([*path, "es"])]


def test_default_language_must_be_declared() -> None:
    data = small_instrument()
    data["default_language"] = "fr"
    assert errors_for(data) == {
        "/default_language": "'fr' is not one of the declared languages (en, es)."
    }


def test_duplicate_keys_across_items_and_prompts() -> None:
    data = small_instrument()
    data["items"][1]["key"] = "tr_1"
    data["prompts"][0]["key"] = "tenure"
    errors = errors_for(data)
    assert errors["/items/1/key"] == (
        "The question key 'tr_1' is already used by /items/0; question keys must be unique."
    )
    assert "already used by /items/6" in errors["/prompts/0/key"]


@pytest.mark.parametrize(
    ("collection", "index", "other"),
    [("dimensions", 1, "trust"), ("families", 1, "good")],
)
def test_duplicate_dimension_and_family_keys(collection: str, index: int, other: str) -> None:
    data = small_instrument()
    data[collection][index]["key"] = other
    errors = errors_for(data)
    assert f"is already used by /{collection}/0" in errors[f"/{collection}/{index}/key"]


def test_a_dimension_may_not_take_a_family_key() -> None:
    # The reports key a score by family or dimension key alone (comparisons, change
    # between waves): a dimension named like a family would be read as the family.
    data = small_instrument()
    data["dimensions"][0]["key"] = data["families"][0]["key"]
    errors = errors_for(data)
    assert errors["/dimensions/0/key"] == (
        f"The score key '{data['families'][0]['key']}' is already used by /families/0; "
        "score keys must be unique."
    )


def test_duplicate_scale_and_option_keys() -> None:
    data = small_instrument()
    data["scales"].append(copy.deepcopy(data["scales"][0]))
    data["items"][6]["options"][2]["key"] = "under_1y"
    errors = errors_for(data)
    assert "already used by /scales/0" in errors["/scales/1/key"]
    assert "already used by option 0" in errors["/items/6/options/2/key"]


def test_scale_points_must_cover_the_range_once() -> None:
    data = small_instrument()
    points = data["scales"][0]["points"]
    points[3]["value"] = 2  # 4 is now unlabelled and 2 labelled twice
    points[4]["value"] = 9
    errors = errors_for(data)
    assert errors["/scales/0/points/3/value"] == (
        "Point 2 is already labelled by /scales/0/points/1."
    )
    assert errors["/scales/0/points/4/value"] == "Point 9 is outside the scale (1 to 5)."
    assert errors["/scales/0/points"] == (
        "Point 4 has no label; every point from 1 to 5 needs one.\n"
        "Point 5 has no label; every point from 1 to 5 needs one."
    )


def test_scale_with_too_many_points() -> None:
    data = small_instrument()
    data["scales"][0]["max"] = 20
    errors = errors_for(data)
    assert errors["/scales/0"] == "A scale can have at most 11 points; 1 to 20 has 20."


@pytest.mark.parametrize(
    ("bands", "pointer", "fragment"),
    [
        ({"low": [1, 3], "high": [3, 5]}, "/scales/0/bands", "overlap"),
        ({"low": [2, 1], "high": [4, 5]}, "/scales/0/bands/low", "runs backwards"),
        ({"low": [0, 2], "high": [4, 5]}, "/scales/0/bands/low", "outside the scale (1 to 5)"),
        ({"low": [1, 2], "high": [4, 6]}, "/scales/0/bands/high", "outside the scale"),
        ({"low": [2, 2], "high": [4, 5]}, "/scales/0/bands/low", "start at the scale's minimum"),
        ({"low": [1, 2], "high": [3, 4]}, "/scales/0/bands/high", "end at the scale's maximum"),
    ],
)
def test_bad_bands(bands: dict[str, list[int]], pointer: str, fragment: str) -> None:
    data = small_instrument()
    data["scales"][0]["bands"] = bands
    errors = errors_for(data)
    assert list(errors) == [pointer]
    assert fragment in errors[pointer]


def test_fields_that_belong_to_the_other_item_type() -> None:
    data = small_instrument()
    data["items"][6].update(reverse=False, dimension="trust", scale="agree5")
    data["items"][0]["options"] = copy.deepcopy(data["items"][6]["options"])
    errors = errors_for(data)
    assert (
        errors["/items/6/reverse"] == "Remove 'reverse': only likert items can be reverse-scored."
    )
    assert errors["/items/6/dimension"].startswith("Remove 'dimension'")
    assert errors["/items/6/scale"].startswith("Remove 'scale'")
    assert errors["/items/0/options"].startswith("Only single_choice items have options")


def test_min_answered_cannot_exceed_the_number_of_items() -> None:
    data = small_instrument()
    data["dimensions"][0]["min_answered"] = 4
    assert errors_for(data) == {
        "/dimensions/0/min_answered": (
            "min_answered is 4 but dimension 'trust' has only 3 items; it must be between 1 and 3."
        )
    }


def test_dimension_without_items_and_family_without_dimensions() -> None:
    data = small_instrument()
    data["dimensions"].append(
        {
            "key": "empty",
            "family": "good",
            "label": {"en": "Empty", "es": "Vacía"},
            "description": {"en": "Nothing.", "es": "Nada."},
            "min_answered": 1,
        }
    )
    data["families"].append({"key": "lonely", "label": {"en": "L", "es": "S"}, "desirable": "high"})
    errors = errors_for(data)
    assert errors["/dimensions/2"] == (
        "Dimension 'empty' has no likert items; add items or remove the dimension."
    )
    assert errors["/families/2"] == (
        "Family 'lonely' has no dimensions; add one or remove the family."
    )


def test_items_of_one_family_share_a_scale() -> None:
    data = small_instrument()
    seven = copy.deepcopy(data["scales"][0])
    seven["key"] = "agree7"
    seven["max"] = 7
    seven["bands"]["high"] = [6, 7]
    seven["points"] += [{"value": v, "label": {"en": f"P{v}", "es": f"P{v}"}} for v in (6, 7)]
    data["scales"].append(seven)
    data["items"][1]["scale"] = "agree7"
    errors = errors_for(data)
    assert list(errors) == ["/items/1/scale"]
    assert "/items/0 in the same family ('good') uses 'agree5'" in errors["/items/1/scale"]


def test_unknown_placeholder() -> None:
    data = small_instrument()
    data["privacy"]["en"] = "Scores need {k_score} answers. {k_comments} for comments. {x y}"
    assert errors_for(data) == {
        "/privacy/en": (
            "Unknown placeholder {k_score}; the available ones are {k_scores}, {k_comments}."
        )
    }


def test_all_layers_report_together_in_document_order() -> None:
    data = small_instrument()
    data["schema_version"] = 2
    data["items"][10 - 10]["dimension"] = "nope"
    data["items"][4]["text"].pop("es")
    data["title"]["en"] = 7
    pointers = [e.pointer for e in validate_instrument_data(data).errors]
    assert pointers == ["/schema_version", "/title/en", "/items/0/dimension", "/items/4/text/es"]


def test_error_str_is_pointer_colon_message() -> None:
    assert str(InstrumentError("/items/3/dimension", "Bad.")) == "/items/3/dimension: Bad."
    assert str(InstrumentError("", "Bad.")) == "(document): Bad."


@pytest.mark.parametrize("parts", [[], ["items", 3, "dimension"], ["a/b", "c~d", ""], ["~1", "/0"]])
def test_json_pointer_round_trip(parts: list[str | int]) -> None:
    pointer = json_pointer(parts)
    assert pointer_parts(pointer) == [str(p) for p in parts]


def test_json_pointer_escaping_follows_rfc_6901() -> None:
    assert json_pointer(["a/b", "m~n"]) == "/a~1b/m~0n"
    assert json_pointer([]) == ""
