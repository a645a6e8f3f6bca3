"""The question-type base classes and the registry every type registers in.

Form values are strings: scale points as "1".."5", "prefer not to answer" as
PREFER_NOT_VALUE, single-choice options by their key. Stored values are what the Answer
and Comment tables hold: an int or None (prefer not to answer) for likert, the 1-based
option position for single choice, the cleaned text for open text.

Only WTForms is used here (no Flask, no Flask-WTF): the taking blueprint puts these
unbound fields on its FlaskForm subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict, TypeVar, overload

from wtforms import RadioField, SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Optional

from app.instruments.document import Item, ItemType, LocalizedText, Prompt, PromptType

if TYPE_CHECKING:
    from app.instruments.question_types.open_text import OpenTextType
    from app.instruments.validation.errors import InstrumentError
    from app.instruments.validation.rules import References

Question = Item | Prompt
StoredValue = int | str | None

PREFER_NOT_VALUE = "na"

# Respondent-facing messages per primary language; English is the fallback. Only the
# few sentences the question types write themselves live here.
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


@dataclass(frozen=True)
class FieldWording:
    """The language a field is shown in, the one a missing text falls back to, and its
    validation messages (complete: see `field_messages`)."""

    language: str
    fallback_language: str | None
    messages: Mapping[str, str]

    def text(self, text: LocalizedText) -> str:
        return text.for_language(self.language, self.fallback_language)


class QuestionType(ABC):
    """Base class of question types. `name` is the value of the question's `type`."""

    name: ClassVar[str]

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
        to `fallback_language` for a missing text), its messages `field_messages` with
        `messages` over them."""
        wording = FieldWording(language, fallback_language, field_messages(language, messages))
        return self.field(question, wording, required=required)

    @abstractmethod
    def field(self, question: Question, wording: FieldWording, *, required: bool) -> UnboundField:
        """The unbound field for `question` in `wording`; the label is the group's legend."""

    @abstractmethod
    def convert(self, question: Question, raw_value: object) -> StoredValue:
        """The stored value for a submitted form value; ValueError (with a message
        fit for a log or an API response) for anything the question cannot take."""

    @abstractmethod
    def summarize(self, question: Question, values: Iterable[StoredValue]) -> Summary:
        """Counts over stored values; ValueError on a value the question cannot hold."""

    def item_errors(
        self, item: dict[str, Any], where: list[str | int], references: References
    ) -> Iterator[InstrumentError]:
        """The semantic checks of an instrument file's item of this type (`item` as parsed,
        not yet trusted; `where` its pointer parts), beyond what the schema says. None by
        default."""
        return iter(())


class ChoiceQuestionType(QuestionType):
    """A closed question: one radio group; stored values are ints, or None for "prefer
    not to answer"."""

    @abstractmethod
    def choices(self, question: Question) -> tuple[Item, list[tuple[str, LocalizedText]]]:
        """The item and its choices as (form value, label), in the order shown."""

    def field(self, question: Question, wording: FieldWording, *, required: bool) -> UnboundField:
        """One radio group: the item's text as its legend, one labelled choice per value."""
        item, choices = self.choices(question)
        texts = wording.messages
        # Optional() also clears RadioField's "not a valid choice" error when nothing was
        # picked, so a skipped question is simply absent from field.data (None).
        checks = [InputRequired(message=texts["required"])] if required else [Optional()]
        return RadioField(
            wording.text(item.text),
            choices=[SelectChoice(value, wording.text(label)) for value, label in choices],
            validators=checks,
            invalid_choice_message=texts["invalid_choice"],
        )

    @abstractmethod
    def convert(self, question: Question, raw_value: object) -> int | None: ...

    def summarize(self, question: Question, values: Iterable[StoredValue]) -> ChoiceSummary:
        """Counts per stored value of the choices shown (prefer not to answer, stored as
        None, counts as missing); ValueError on a value no choice stores."""
        item, choices = self.choices(question)
        converted = (self.convert(question, value) for value, _ in choices)
        possible = [value for value in converted if value is not None]
        return count_choices(possible, values, f"item {item.key!r}")


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
def get_question_type(name: PromptType) -> OpenTextType: ...
@overload
def get_question_type(name: ItemType) -> ChoiceQuestionType: ...
@overload
def get_question_type(name: str) -> QuestionType: ...
def get_question_type(name: str) -> QuestionType:
    """The registered type called `name`; LookupError if there is none.

    The overloads give callers the precise stored-value type of the built-in types
    (an item's `type` is an ItemType, a prompt's a PromptType).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise LookupError(f"unknown question type {name!r} (known: {known})") from None


def registered_types() -> tuple[str, ...]:
    """The names of every registered type, sorted."""
    return tuple(sorted(_REGISTRY))


def expect_item(question: Question, kind: str) -> Item:
    """`question` as an item of type `kind`; TypeError for anything else."""
    if not isinstance(question, Item) or question.type != kind:
        raise TypeError(f"{question.key!r} is not a {kind} item")
    return question


def count_choices(
    possible: Iterable[int], values: Iterable[StoredValue], what: str
) -> ChoiceSummary:
    """A ChoiceSummary of `values` over the `possible` stored values."""
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
