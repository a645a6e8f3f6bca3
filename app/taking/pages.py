"""The survey page's HTML: for a respondent's link, and for the instrument editor's preview
(which shows the same page under a banner)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from flask import render_template

from app.instruments.document import InstrumentDocument
from app.taking.forms import ResponseFormBase, Section, prompt_fields, sections

SURVEY_TEMPLATE = "taking/survey.html"


class ShownSurvey(Protocol):
    """What the page shows of a survey: its id (the key of the browser's draft) and its
    thresholds (quoted in the privacy receipt)."""

    @property
    def id(self) -> int | str: ...
    @property
    def k_scores(self) -> int: ...
    @property
    def k_comments(self) -> int: ...


def render_survey_page(
    form: ResponseFormBase,
    document: InstrumentDocument,
    survey: ShownSurvey,
    language: str,
    *,
    order_seed: str | None = None,
    template: str = SURVEY_TEMPLATE,
    **context: Any,
) -> str:
    """The page of `form` for `document` in `language`: the privacy receipt with the
    survey's thresholds, then the questions asked of the respondent (the fields of `form`)
    by section, then the open prompts. With an `order_seed` each section's questions come
    in the order it draws (`taking.forms.sections`), and the form carries the seed."""
    k = {"k_scores": survey.k_scores, "k_comments": survey.k_comments}
    parts = sections(form, document, order_seed=order_seed)
    return render_template(
        template,
        form=form,
        document=document,
        survey=survey,
        language=language,
        sections=parts,
        total=sum(len(part.fields) for part in parts),
        order_seed=order_seed,
        error_summary=error_summary(form, parts),
        prompts=prompt_fields(form, document),
        privacy=document.privacy_text(language, **k),
        intro=document.intro_text(language, **k),
        **context,
    )


@dataclass(frozen=True)
class Question:
    number: int
    field_id: str


@dataclass(frozen=True)
class Part:
    """A part of the page with its unanswered questions."""

    number: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Problem:
    """Any other error: a field's label and message (no field for the form's own)."""

    field_id: str | None
    label: str
    message: str


@dataclass(frozen=True)
class ErrorSummary:
    """What the page says at the top when answers cannot be recorded: the unanswered
    questions by part, in page order, and every other problem."""

    parts: tuple[Part, ...]
    others: tuple[Problem, ...]

    @property
    def missing(self) -> int:
        return sum(len(part.questions) for part in self.parts)


def error_summary(form: ResponseFormBase, parts: list[Section]) -> ErrorSummary:
    """The errors of a validated `form`, grouped for the top of the page."""
    unanswered: list[Part] = []
    others: list[Problem] = []
    grouped: set[str] = set()
    for part in parts:
        questions = []
        for number, field in enumerate(part.fields, part.start):
            grouped.add(field.name)
            if not field.errors:
                continue
            if field.raw_data and field.raw_data[0]:  # answered, but not with a choice
                others.append(Problem(field.id, field.label.text, " ".join(field.errors)))
            else:
                questions.append(Question(number, field.id))
        if questions:
            unanswered.append(Part(part.number, tuple(questions)))
    for name, errors in form.errors.items():
        if name in grouped:
            continue
        field = form[name] if isinstance(name, str) and name in form else None
        for message in errors:
            if field is None or field.type == "CSRFTokenField":
                others.append(Problem(None, "", message))
            else:
                others.append(Problem(field.id, field.label.text, message))
    return ErrorSummary(tuple(unanswered), tuple(others))
