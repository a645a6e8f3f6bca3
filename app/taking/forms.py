"""The employee's form, built from the pinned instrument version through the
question-type registry (one field per item and per prompt)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField

from app.instruments.document import InstrumentDocument, Item, Prompt
from app.instruments.question_types import get_question_type

ITEM_PREFIX = "item_"
PROMPT_PREFIX = "prompt_"


class ResponseFormBase(FlaskForm):
    # The chosen language travels with the form so that errors re-render in it.
    lang = HiddenField()


@dataclass(frozen=True)
class Section:
    """A group of items of one dimension, shown as one fieldset."""

    number: int
    fields: tuple[Field, ...]


def field_name(question: Item | Prompt) -> str:
    return (PROMPT_PREFIX if isinstance(question, Prompt) else ITEM_PREFIX) + question.key


# Form classes by (content sha256, language); documents are immutable.
MAX_CACHED_FORMS = 64
_form_classes: dict[tuple[str, str], type[ResponseFormBase]] = {}


def response_form_class(
    sha256: str, document: InstrumentDocument, language: str
) -> type[ResponseFormBase]:
    """A form class for `document` in `language`: every item required (an answer or
    "prefer not to answer"), every prompt optional."""
    cached = _form_classes.get((sha256, language))
    if cached is None:
        if len(_form_classes) >= MAX_CACHED_FORMS:  # editor previews add drafts; keep it bounded
            _form_classes.pop(next(iter(_form_classes)))
        cached = _form_classes[(sha256, language)] = _build_form_class(document, language)
    return cached


def _build_form_class(document: InstrumentDocument, language: str) -> type[ResponseFormBase]:
    attrs: dict[str, object] = {}
    for item in document.items:
        attrs[field_name(item)] = get_question_type(item.type).build_field(
            item, language, fallback_language=document.default_language, required=True
        )
    for prompt in document.prompts:
        attrs[field_name(prompt)] = get_question_type("open_text").build_field(
            prompt, language, fallback_language=document.default_language
        )
    return type("ResponseForm", (ResponseFormBase,), attrs)


def sections(form: ResponseFormBase, document: InstrumentDocument) -> list[Section]:
    """The item fields grouped by dimension, in document order (unscored items last)."""
    groups: dict[str | None, list[Field]] = {}
    for item in document.items:
        groups.setdefault(item.dimension, []).append(form[field_name(item)])
    return [Section(n, tuple(fields)) for n, fields in enumerate(groups.values(), 1)]


def prompt_fields(form: ResponseFormBase, document: InstrumentDocument) -> list[Field]:
    return [form[field_name(p)] for p in document.prompts]


def expected_field_names(document: InstrumentDocument) -> set[str]:
    names = {field_name(item) for item in document.items}
    names |= {field_name(prompt) for prompt in document.prompts}
    return names | {"lang", "csrf_token"}
