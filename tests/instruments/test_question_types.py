"""The question-type registry: fields, conversion of submitted values, summaries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, get_args

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.fields.core import UnboundField

from app.instruments.document import InstrumentDocument, ItemType, PromptType
from app.instruments.question_types import (
    PREFER_NOT_VALUE,
    ChoiceSummary,
    FieldWording,
    Question,
    QuestionType,
    StoredValue,
    TextSummary,
    field_messages,
    get_question_type,
    register,
    registered_types,
)
from app.instruments.question_types import base as registry
from app.instruments.question_types.likert import LikertType
from app.instruments.question_types.open_text import OpenTextType
from app.instruments.question_types.single_choice import SingleChoiceType
from app.instruments.validation import load_schema, validate_instrument_text
from tests.instruments.samples import FORMAT_README, fixture_bytes


def small_document() -> InstrumentDocument:
    result = validate_instrument_text(fixture_bytes("valid_small.json"))
    assert result.document is not None
    return result.document


DOC = small_document()
LIKERT = DOC.item("tr_1")
CHOICE = DOC.item("tenure")
PROMPT = DOC.prompt("ideas")  # max_length 50


def bind(field: UnboundField, form_data: dict[str, str] | None = None) -> Any:
    """Bind `field` as `q` on a throwaway form, optionally submitting `form_data`."""
    form_class = type("F", (Form,), {"q": field})
    formdata = MultiDict(form_data) if form_data is not None else None
    return form_class(formdata=formdata)


# --- registry -------------------------------------------------------------------------


def test_built_in_types_are_registered() -> None:
    assert registered_types() == ("likert", "open_text", "single_choice")
    assert isinstance(get_question_type("likert"), LikertType)
    assert isinstance(get_question_type("single_choice"), SingleChoiceType)
    assert isinstance(get_question_type("open_text"), OpenTextType)


def test_every_item_type_of_the_schema_has_a_question_type() -> None:
    for name in schema_item_types():
        assert get_question_type(name).name == name


def schema_item_types() -> list[str]:
    item_types: list[str] = load_schema()["$defs"]["item"]["properties"]["type"]["enum"]
    return item_types


def test_the_lists_of_type_names_agree() -> None:
    """The schema, the document model, the registry and the format's README name the same
    types: adding one in a single place fails here."""
    item_types = set(get_args(ItemType))
    assert set(schema_item_types()) == item_types
    rules = load_schema()["$defs"]["item"]["allOf"]
    assert {rule["if"]["properties"]["type"]["const"] for rule in rules} <= item_types
    assert set(registered_types()) == item_types | set(get_args(PromptType))
    readme = FORMAT_README.read_text(encoding="utf-8")
    sentence = re.search(r"^- `type` is (.*)$", readme, re.MULTILINE)
    assert sentence is not None
    assert set(re.findall(r'`"([a-z_]+)"`', sentence.group(1))) == item_types


def test_unknown_type() -> None:
    with pytest.raises(LookupError, match="unknown question type 'slider' \\(known: likert"):
        get_question_type("slider")


def test_adding_a_type_is_one_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @register
    class ShortText(QuestionType):
        name = "short_text"

        def field(
            self, question: Question, wording: FieldWording, *, required: bool
        ) -> UnboundField:
            return StringField(wording.text(question.text))

        def convert(self, question: Question, raw_value: object) -> StoredValue:
            return str(raw_value)[:10]

        def summarize(self, question: Question, values: Iterable[StoredValue]) -> TextSummary:
            return TextSummary(count=sum(v is not None for v in values))

    short = get_question_type("short_text")
    assert isinstance(short, ShortText)
    assert "short_text" in registered_types()
    assert bind(short.build_field(PROMPT, "es")).q.label.text == "¿Qué ayudaría?"


def test_registering_a_name_twice_or_no_name_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    with pytest.raises(ValueError, match="'likert' is already registered by LikertType"):
        register(type("Other", (LikertType,), {}))
    with pytest.raises(TypeError, match="must define a non-empty class attribute 'name'"):
        register(type("Nameless", (LikertType,), {"name": ""}))


# --- likert ---------------------------------------------------------------------------


def test_likert_field_lists_the_scale_then_prefer_not_in_the_chosen_language() -> None:
    form = bind(get_question_type("likert").build_field(LIKERT, "es"))
    assert form.q.label.text == "En mi grupo de trabajo, las personas cumplen su palabra."
    assert [(value, label) for value, label, *_ in form.q.iter_choices()] == [
        ("1", "Totalmente en desacuerdo"),
        ("2", "En desacuerdo"),
        ("3", "Neutral"),
        ("4", "De acuerdo"),
        ("5", "Totalmente de acuerdo"),
        (PREFER_NOT_VALUE, "Prefiero no responder"),
    ]
    html = str(form.q)
    assert html.count('type="radio"') == 6


def test_likert_field_falls_back_to_the_default_language() -> None:
    field = get_question_type("likert").build_field(LIKERT, "fr", fallback_language="en")
    assert bind(field).q.label.text == "In my work group, people keep their word."
    with pytest.raises(KeyError, match="no text in 'fr'"):
        get_question_type("likert").build_field(LIKERT, "fr")


def test_required_likert_field_refuses_a_blank_answer_with_a_localized_message() -> None:
    likert = get_question_type("likert")
    form = bind(likert.build_field(LIKERT, "es", required=True), {})
    assert not form.validate()
    assert form.q.errors == ["Por favor, elija una respuesta."]
    form = bind(likert.build_field(LIKERT, "en", required=True), {"q": PREFER_NOT_VALUE})
    assert form.validate()
    assert likert.convert(LIKERT, form.q.data) is None


def test_optional_likert_field_accepts_a_blank_answer() -> None:
    form = bind(get_question_type("likert").build_field(LIKERT, "en"), {})
    assert form.validate()
    assert form.q.data is None


def test_likert_field_refuses_a_value_that_is_not_offered() -> None:
    form = bind(get_question_type("likert").build_field(LIKERT, "en"), {"q": "7"})
    assert not form.validate()
    assert form.q.errors == ["Please choose one of the answers shown."]


@pytest.mark.parametrize(("raw", "stored"), [("1", 1), ("5", 5), (" 3 ", 3), (4, 4), ("na", None)])
def test_likert_convert(raw: object, stored: int | None) -> None:
    assert get_question_type("likert").convert(LIKERT, raw) == stored


@pytest.mark.parametrize("raw", ["0", "6", "", None, "abc", "3.0", 3.0, True, "NA", "1e3"])
def test_likert_convert_refuses_anything_else(raw: object) -> None:
    with pytest.raises(ValueError, match="expected a whole number from 1 to 5 or 'na'"):
        get_question_type("likert").convert(LIKERT, raw)


def test_likert_summary_counts_every_point_and_missing_answers() -> None:
    summary = get_question_type("likert").summarize(LIKERT, [5, 4, 4, None, 1, None])
    assert summary == ChoiceSummary(counts={1: 1, 2: 0, 3: 0, 4: 2, 5: 1}, answered=4, missing=2)
    assert list(summary["counts"]) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("bad", [0, 6, "4", True])
def test_likert_summary_refuses_impossible_values(bad: StoredValue) -> None:
    with pytest.raises(ValueError, match="not a possible stored value"):
        get_question_type("likert").summarize(LIKERT, [3, bad])


def test_likert_type_refuses_other_questions() -> None:
    with pytest.raises(TypeError, match="'tenure' is not a likert item"):
        get_question_type("likert").build_field(CHOICE, "en")
    with pytest.raises(TypeError, match="'ideas' is not a likert item"):
        get_question_type("likert").convert(PROMPT, "3")


# --- single choice --------------------------------------------------------------------


def test_single_choice_field_and_conversion_to_positions() -> None:
    choice = get_question_type("single_choice")
    form = bind(choice.build_field(CHOICE, "es", required=True), {"q": "one_to_5y"})
    assert form.q.label.text == "¿Cuánto tiempo lleva trabajando aquí?"
    assert [label for _v, label, *_ in form.q.iter_choices()] == [
        "Menos de un año",
        "De 1 a 5 años",
        "Más de 5 años",
    ]
    assert form.validate()
    assert choice.convert(CHOICE, form.q.data) == 2
    assert choice.convert(CHOICE, "under_1y") == 1


@pytest.mark.parametrize("raw", ["", None, "1", 1, "never"])
def test_single_choice_convert_refuses_anything_but_option_keys(raw: object) -> None:
    with pytest.raises(ValueError, match="is not an option; expected 'under_1y'"):
        get_question_type("single_choice").convert(CHOICE, raw)


def test_single_choice_summary() -> None:
    summary = get_question_type("single_choice").summarize(CHOICE, [1, 3, 3, None])
    assert summary == ChoiceSummary(counts={1: 1, 2: 0, 3: 2}, answered=3, missing=1)
    with pytest.raises(ValueError, match="not a possible stored value"):
        get_question_type("single_choice").summarize(CHOICE, [4])


# --- open text ------------------------------------------------------------------------


def test_open_text_field_has_label_help_and_maxlength() -> None:
    form = bind(get_question_type("open_text").build_field(PROMPT, "es"))
    assert form.q.label.text == "¿Qué ayudaría?"
    assert form.q.description == "Por favor, no nombre a nadie."
    html = str(form.q)
    assert "<textarea" in html
    assert 'maxlength="50"' in html


def test_open_text_too_long_gives_a_clear_message() -> None:
    field = get_question_type("open_text").build_field(PROMPT, "en")
    form = bind(field, {"q": "x" * 51})
    assert not form.validate()
    assert form.q.errors == ["Please keep this answer to 50 characters or fewer (it has 51)."]
    spanish = bind(get_question_type("open_text").build_field(PROMPT, "es"), {"q": "x" * 60})
    assert not spanish.validate()
    assert spanish.q.errors == [
        "Por favor, limite esta respuesta a 50 caracteres (ahora tiene 60)."
    ]


def test_open_text_counts_a_browser_line_break_as_one_character() -> None:
    text = "a\r\n" * 16 + "bb"  # 50 characters once CRLF becomes LF
    form = bind(get_question_type("open_text").build_field(PROMPT, "en"), {"q": text})
    assert form.validate()
    assert form.q.data == "a\n" * 16 + "bb"


def test_open_text_is_optional_unless_required() -> None:
    open_text = get_question_type("open_text")
    assert bind(open_text.build_field(PROMPT, "en"), {}).validate()
    form = bind(open_text.build_field(PROMPT, "en", required=True), {"q": "  "})
    assert not form.validate()
    assert form.q.errors == ["Please write an answer."]
    custom = bind(
        open_text.build_field(
            PROMPT, "en", required=True, messages={"required_text": "Write something."}
        ),
        {},
    )
    assert not custom.validate()
    assert custom.q.errors == ["Write something."]


def test_open_text_convert_cleans_the_text() -> None:
    open_text = get_question_type("open_text")
    assert open_text.convert(PROMPT, "  More\r\ntime\x00 together.\t ") == "More\ntime together."
    assert open_text.convert(PROMPT, "   \n ") is None
    assert open_text.convert(PROMPT, None) is None


def test_open_text_convert_refuses_long_or_non_text_values() -> None:
    open_text = get_question_type("open_text")
    with pytest.raises(ValueError, match="the answer has 51 characters; at most 50 are allowed"):
        open_text.convert(PROMPT, "y" * 51)
    with pytest.raises(ValueError, match="expected text"):
        open_text.convert(PROMPT, 5)
    with pytest.raises(TypeError, match="not an open-text prompt"):
        open_text.convert(LIKERT, "text")


def test_open_text_summary_is_a_count_only() -> None:
    summary = get_question_type("open_text").summarize(PROMPT, ["One.", None, " ", "Two."])
    assert summary == TextSummary(count=2)
    with pytest.raises(ValueError, match="is not a text answer"):
        get_question_type("open_text").summarize(PROMPT, [3])


# --- messages -------------------------------------------------------------------------


def test_messages_follow_the_primary_language_and_fall_back_to_english() -> None:
    assert field_messages("es-MX")["required"] == "Por favor, elija una respuesta."
    assert field_messages("fr")["required"] == "Please choose an answer."
    assert set(field_messages("es")) == set(field_messages("en"))
    assert field_messages("en", {"required": "Pick one."})["required"] == "Pick one."
