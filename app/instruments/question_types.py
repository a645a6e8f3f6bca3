"""The question-type registry: how each kind of question becomes a form field, how a
submitted value is stored, and how stored values are summarized.

Adding a type is one subclass of `QuestionType` decorated with `@register`, plus its
tests (and, if instrument items may use it, its name and fields in
instruments/instrument.schema.json). Types are stateless: every method receives the
question it works on.

Form values are strings: scale points as "1".."5", "prefer not to answer" as
PREFER_NOT_VALUE, single-choice options by their key. Stored values are what the Answer
and Comment tables hold: an int or None (prefer not to answer) for likert, the 1-based
option position for single choice, the cleaned text for open text.

Only WTForms is used here (no Flask, no Flask-WTF): the taking blueprint puts these
unbound fields on its FlaskForm subclass.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar, Literal, TypedDict, TypeVar, overload

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.instruments.document import Item, LocalizedText, Prompt, Scale

Question = Item | Prompt
StoredValue = int | str | None

PREFER_NOT_VALUE = "na"

# Respondent-facing messages per primary language; English is the fallback. Only the
# few sentences this module writes itself live here.
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "required": "Please choose an answer.",
        "required_text": "Please write an answer.",
        "invalid_choice": "Please choose one of the answers shown.",
        "too_long": "Please keep this answer to %(max)d characters or fewer (it has %(length)d).",
    },
    "es": {
        "required": "Por favor, elija una respuesta.",
        "required_text": "Por favor, escriba una respuesta.",
        "invalid_choice": "Por favor, elija una de las respuestas que se muestran.",
        "too_long": "Por favor, limite esta respuesta a %(max)d caracteres (ahora tiene "
        "%(length)d).",
    },
}

# Control characters other than tab and line feed: invisible to the reader, and NUL
# cannot be stored in a PostgreSQL text column.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ChoiceSummary(TypedDict):
    """Counts per stored value (every possible value present, in order), answered
    (non-missing) and missing (prefer not to answer / no answer)."""

    counts: dict[int, int]
    answered: int
    missing: int


class TextSummary(TypedDict):
    """Open text is summarized by its number of non-blank answers only; the texts
    themselves go through disclosure control elsewhere."""

    count: int


Summary = ChoiceSummary | TextSummary


def field_messages(language: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Messages for `language` (by its primary subtag), English where missing."""
    messages = dict(MESSAGES["en"])
    messages.update(MESSAGES.get(language.split("-")[0].lower(), {}))
    messages.update(overrides or {})
    return messages


def _label(text: LocalizedText, language: str, fallback: str | None) -> str:
    return text.for_language(language, fallback)


def _choice_validators(required: bool, messages: Mapping[str, str]) -> list[object]:
    # Optional() also clears RadioField's "not a valid choice" error when nothing was
    # picked, so a skipped question is simply absent from field.data (None).
    return [InputRequired(message=messages["required"])] if required else [Optional()]


class QuestionType(ABC):
    """Base class of question types. `name` is the value of the question's `type`."""

    name: ClassVar[str]

    @abstractmethod
    def build_field(
        self,
        question: Question,
        language: str,
        *,
        fallback_language: str | None = None,
        required: bool = False,
        messages: Mapping[str, str] | None = None,
    ) -> UnboundField:
        """An unbound WTForms field for `question`, labelled in `language` (falling back
        to `fallback_language` for a missing text). The label is the group's legend."""

    @abstractmethod
    def convert(self, question: Question, raw_value: object) -> StoredValue:
        """The stored value for a submitted form value; ValueError (with a message
        fit for a log or an API response) for anything the question cannot take."""

    @abstractmethod
    def summarize(self, question: Question, values: Iterable[StoredValue]) -> Summary:
        """Counts over stored values; ValueError on a value the question cannot hold."""


class ChoiceQuestionType(QuestionType):
    """A closed question: stored values are ints, or None for "prefer not to answer"."""

    @abstractmethod
    def convert(self, question: Question, raw_value: object) -> int | None: ...

    @abstractmethod
    def summarize(self, question: Question, values: Iterable[StoredValue]) -> ChoiceSummary: ...


_REGISTRY: dict[str, QuestionType] = {}

Q = TypeVar("Q", bound=type[QuestionType])


def register(cls: Q) -> Q:
    """Class decorator: make a question type available under `cls.name`."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} must define a non-empty class attribute 'name'")
    if name in _REGISTRY:
        raise ValueError(
            f"question type {name!r} is already registered by {type(_REGISTRY[name]).__name__}"
        )
    _REGISTRY[name] = cls()
    return cls


@overload
def get_question_type(name: Literal["open_text"]) -> OpenTextType: ...
@overload
def get_question_type(name: Literal["likert", "single_choice"]) -> ChoiceQuestionType: ...
@overload
def get_question_type(name: str) -> QuestionType: ...
def get_question_type(name: str) -> QuestionType:
    """The registered type called `name`; LookupError if there is none.

    The overloads give callers the precise stored-value type of the built-in types
    (an item's `type` is Literal["likert", "single_choice"]).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise LookupError(f"unknown question type {name!r} (known: {known})") from None


def registered_types() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def _expect_item(question: Question, kind: str) -> Item:
    if not isinstance(question, Item) or question.type != kind:
        raise TypeError(f"{question.key!r} is not a {kind} item")
    return question


def _likert_scale(question: Question) -> tuple[Item, Scale]:
    item = _expect_item(question, "likert")
    if item.scale is None:
        raise TypeError(f"likert item {item.key!r} has no scale")
    return item, item.scale


def _count(possible: Iterable[int], values: Iterable[StoredValue], what: str) -> ChoiceSummary:
    counts = dict.fromkeys(possible, 0)
    missing = 0
    for value in values:
        if value is None:
            missing += 1
        elif type(value) is int and value in counts:
            counts[value] += 1
        else:
            raise ValueError(f"{what}: {value!r} is not a possible stored value")
    return ChoiceSummary(counts=counts, answered=sum(counts.values()), missing=missing)


def _radio_field(
    item: Item,
    choices: Iterable[tuple[str, LocalizedText]],
    language: str,
    fallback_language: str | None,
    required: bool,
    messages: Mapping[str, str] | None,
) -> UnboundField:
    """One radio group: the item's text as its legend, one labelled choice per value."""
    texts = field_messages(language, messages)
    return RadioField(
        _label(item.text, language, fallback_language),
        choices=[
            SelectChoice(value, _label(label, language, fallback_language))
            for value, label in choices
        ],
        validators=_choice_validators(required, texts),
        invalid_choice_message=texts["invalid_choice"],
    )


@register
class LikertType(ChoiceQuestionType):
    """A fully labelled agreement scale plus a separate "prefer not to answer"."""

    name = "likert"

    def build_field(
        self,
        question: Question,
        language: str,
        *,
        fallback_language: str | None = None,
        required: bool = False,
        messages: Mapping[str, str] | None = None,
    ) -> UnboundField:
        item, scale = _likert_scale(question)
        choices = [(str(point.value), point.label) for point in scale.points]
        choices.append((PREFER_NOT_VALUE, scale.prefer_not_label))
        return _radio_field(item, choices, language, fallback_language, required, messages)

    def convert(self, question: Question, raw_value: object) -> int | None:
        """ "na" -> None; "1".."5" (or the int) -> that int; anything else: ValueError."""
        item, scale = _likert_scale(question)
        if raw_value == PREFER_NOT_VALUE:
            return None
        value: int | None = None
        if type(raw_value) is int:
            value = raw_value
        elif isinstance(raw_value, str) and re.fullmatch(r"-?[0-9]{1,3}", raw_value.strip()):
            value = int(raw_value)
        if value is None or not scale.contains(value):
            raise ValueError(
                f"item {item.key!r}: {raw_value!r} is not an answer; expected a whole number "
                f"from {scale.min} to {scale.max} or {PREFER_NOT_VALUE!r} (prefer not to answer)"
            )
        return value

    def summarize(self, question: Question, values: Iterable[StoredValue]) -> ChoiceSummary:
        item, scale = _likert_scale(question)
        return _count((p.value for p in scale.points), values, f"item {item.key!r}")


@register
class SingleChoiceType(ChoiceQuestionType):
    """One option out of several; stored as the option's 1-based position."""

    name = "single_choice"

    def build_field(
        self,
        question: Question,
        language: str,
        *,
        fallback_language: str | None = None,
        required: bool = False,
        messages: Mapping[str, str] | None = None,
    ) -> UnboundField:
        item = _expect_item(question, "single_choice")
        choices = [(option.key, option.label) for option in item.options]
        return _radio_field(item, choices, language, fallback_language, required, messages)

    def convert(self, question: Question, raw_value: object) -> int:
        """An option key -> its position (1-based); anything else: ValueError."""
        item = _expect_item(question, "single_choice")
        for position, option in enumerate(item.options, start=1):
            if raw_value == option.key:
                return position
        keys = ", ".join(repr(option.key) for option in item.options)
        raise ValueError(f"item {item.key!r}: {raw_value!r} is not an option; expected {keys}")

    def summarize(self, question: Question, values: Iterable[StoredValue]) -> ChoiceSummary:
        item = _expect_item(question, "single_choice")
        return _count(range(1, len(item.options) + 1), values, f"item {item.key!r}")


def _normalize_newlines(value: object) -> object:
    # Browsers submit CRLF; count a line break as one character, as the textarea's
    # maxlength does.
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


@register
class OpenTextType(QuestionType):
    """A free-text answer to a prompt, with a maximum length."""

    name = "open_text"

    def build_field(
        self,
        question: Question,
        language: str,
        *,
        fallback_language: str | None = None,
        required: bool = False,
        messages: Mapping[str, str] | None = None,
    ) -> UnboundField:
        prompt = self._prompt(question)
        texts = field_messages(language, messages)
        # DataRequired, unlike InputRequired, also refuses an answer of only spaces.
        first: Callable[..., object] = (
            DataRequired(message=texts["required_text"]) if required else Optional()
        )
        return TextAreaField(
            _label(prompt.text, language, fallback_language),
            description=(_label(prompt.help, language, fallback_language) if prompt.help else ""),
            filters=[_normalize_newlines],
            validators=[first, Length(max=prompt.max_length, message=texts["too_long"])],
        )

    def convert(self, question: Question, raw_value: object) -> str | None:
        """Cleaned text (line breaks normalized, control characters removed, outer
        whitespace stripped), or None when blank. ValueError if over max_length."""
        prompt = self._prompt(question)
        if raw_value is None:
            return None
        if not isinstance(raw_value, str):
            raise ValueError(f"prompt {prompt.key!r}: expected text, got {raw_value!r}")
        text = _CONTROL_RE.sub("", str(_normalize_newlines(raw_value))).strip()
        if len(text) > prompt.max_length:
            raise ValueError(
                f"prompt {prompt.key!r}: the answer has {len(text)} characters; "
                f"at most {prompt.max_length} are allowed"
            )
        return text or None

    def summarize(self, question: Question, values: Iterable[StoredValue]) -> TextSummary:
        prompt = self._prompt(question)
        count = 0
        for value in values:
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"prompt {prompt.key!r}: {value!r} is not a text answer")
            count += bool(value.strip())
        return TextSummary(count=count)

    @staticmethod
    def _prompt(question: Question) -> Prompt:
        if not isinstance(question, Prompt):
            raise TypeError(f"{question.key!r} is not an open-text prompt")
        return question
