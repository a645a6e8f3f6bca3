"""The survey page's HTML: for a respondent's link, and for the instrument editor's preview
(which shows the same page under a banner)."""

from __future__ import annotations

from typing import Any, Protocol

from flask import render_template

from app.instruments.document import InstrumentDocument
from app.taking.forms import ResponseFormBase, prompt_fields, sections

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
    template: str = SURVEY_TEMPLATE,
    **context: Any,
) -> str:
    """The page of `form` for `document` in `language`: the privacy receipt with the
    survey's thresholds, then the questions by section, then the open prompts."""
    k = {"k_scores": survey.k_scores, "k_comments": survey.k_comments}
    return render_template(
        template,
        form=form,
        document=document,
        survey=survey,
        language=language,
        sections=sections(form, document),
        prompts=prompt_fields(form, document),
        privacy=document.privacy_text(language, **k),
        intro=document.intro_text(language, **k),
        **context,
    )
