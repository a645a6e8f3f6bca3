"""Open text: the prompts' free-text answers, stored as comments."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wtforms import TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Length, Optional

from app.input_rules import strip_control_characters
from app.instruments.document import Prompt
from app.instruments.question_types.base import (
    FieldWording,
    Question,
    QuestionType,
    StoredValue,
    TextSummary,
    register,
)


def _normalize_newlines(value: object) -> object:
    # Browsers submit CRLF; count a line break as one character, as the textarea's
    # maxlength does.
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


@register
class OpenTextType(QuestionType):
    """A free-text answer to a prompt, with a maximum length. A prompt's fields are all
    checked by the schema: the type has no semantic rule of its own."""

    name = "open_text"

    def field(self, question: Question, wording: FieldWording, *, required: bool) -> UnboundField:
        prompt = self._prompt(question)
        texts = wording.messages
        # DataRequired, unlike InputRequired, also refuses an answer of only spaces.
        first: Callable[..., object] = (
            DataRequired(message=texts["required_text"]) if required else Optional()
        )
        return TextAreaField(
            wording.text(prompt.text),
            description=wording.text(prompt.help) if prompt.help else "",
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
        # Control characters are removed, not refused (app.input_rules): an answer is never
        # lost over an invisible character.
        text = strip_control_characters(str(_normalize_newlines(raw_value))).strip()
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
