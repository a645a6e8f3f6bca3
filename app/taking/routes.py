"""The employee-facing survey: GET shows the form, POST records the submission.

No log line here mentions the token, the invitation or the response.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app import csrf
from app.db import Session, begin_write_transaction, utcnow
from app.errors import DomainError, Gone, NotFound
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_by_hash
from app.instruments.question_types import get_question_type
from app.surveys.models import SurveyState
from app.surveys.services import accepts_responses
from app.taking.forms import (
    ResponseFormBase,
    expected_field_names,
    field_name,
    link_csrf_error,
    link_csrf_token,
    prompt_fields,
    response_form_class,
    sections,
)
from app.taking.queries import LinkedSurvey, SurveyLink, survey_link
from app.taking.services import record_submission

bp = Blueprint("taking", __name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class BadSubmission(DomainError):
    status = 400


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form itself checks its CSRF token, after the body is parsed strictly
def take_survey(token: str) -> Response | str | tuple[str, int]:
    link = survey_link(token)
    if link is None:
        raise NotFound(_("This survey link is not valid. Check that you copied all of it."))
    survey = link.survey
    sha256 = survey.instrument_sha256
    document = document_by_hash(survey.instrument_version_id, sha256)
    # The body is parsed (strictly) before anything touches request.form.
    payload = _parse_form_body(document) if request.method == "POST" else request.args
    language = document.resolve_language(payload.get("lang") or link.language)
    g.language = language
    refresh_locale()
    _check_available(link)

    form_class = response_form_class(sha256, document, language)
    if request.method == "POST":
        complete = _complete_submission(payload, document, link.token_sha256)
        if complete is not None:
            answers, comments = complete
            begin_write_transaction()  # the checks above are done; SQLite's lock is for writes
            record_submission(
                link.token_sha256, survey.instrument_version_id, document, answers, comments
            )
            Session.commit()
            return redirect(url_for("taking.thanks", lang=language))
        # Something is missing or wrong: the full form says what, field by field.
        form = form_class(formdata=payload, meta={"csrf_context": link.token_sha256})
        form.validate()
        return _render_page(form, document, survey, language), 400
    return _blank_page(form_class, document, link, language), 200


@bp.route("/s/thanks")
def thanks() -> str:
    g.language = request.args.get("lang") if request.args.get("lang") in ("en", "es") else None
    refresh_locale()
    return render_template("taking/thanks.html")


def _complete_submission(
    payload: MultiDict[str, str], document: InstrumentDocument, link_sha256: str
) -> tuple[dict[str, int | None], dict[str, str]] | None:
    """The answers and comments of a valid, complete submission, or None.

    The common case, checked with the question types directly (the same conversions the
    form's fields lead to) and the same CSRF check as the form: a valid submission is
    stored without binding a form of 54 fields. Anything else returns None, and the full
    form then explains each problem.
    """
    if link_csrf_error(payload.get("csrf_token"), link_sha256) is not None:
        return None
    answers: dict[str, int | None] = {}
    for item in document.items:
        raw = payload.get(field_name(item))
        if not raw:
            return None
        try:
            answers[item.key] = get_question_type(item.type).convert(item, raw)
        except ValueError:
            return None
    open_text = get_question_type("open_text")
    comments: dict[str, str] = {}
    for prompt in document.prompts:
        try:
            text = open_text.convert(prompt, payload.get(field_name(prompt)))
        except ValueError:
            return None
        if text:
            comments[prompt.key] = text
    return answers, comments


def _render_page(
    form: ResponseFormBase, document: InstrumentDocument, survey: LinkedSurvey, language: str
) -> str:
    # render_template output is already autoescaped HTML.
    questions = Markup(  # noqa: S704  # nosec B704
        render_template(
            "taking/_questions.html",
            sections=sections(form, document),
            prompts=prompt_fields(form, document),
        )
    )
    return render_template(
        "taking/survey.html",
        form=form,
        document=document,
        survey=survey,
        language=language,
        questions=questions,
        privacy=document.privacy_text(
            language, k_scores=survey.k_scores, k_comments=survey.k_comments
        ),
        intro=document.intro_text(language, k_scores=survey.k_scores, k_comments=survey.k_comments),
    )


# The blank page by everything that shows on it: it is the same for every respondent of a
# survey in one language, apart from the CSRF token, and rendering its 52 radio groups would
# be most of a GET. Kept as the text before and after the token. Bounded: editor previews
# and test runs create many surveys in one process.
MAX_CACHED_PAGES = 256
_blank_pages: dict[tuple[int, int, int, str, str], tuple[str, str]] = {}


def _blank_page(
    form_class: type[ResponseFormBase],
    document: InstrumentDocument,
    link: SurveyLink,
    language: str,
) -> str:
    survey = link.survey
    token = link_csrf_token(link.token_sha256)
    key = (survey.id, survey.k_scores, survey.k_comments, survey.instrument_sha256, language)
    cached = _blank_pages.get(key)
    if cached is None:
        form = form_class(lang=language, meta={"csrf_context": link.token_sha256})
        form.csrf_token.current_token = token
        page = _render_page(form, document, survey, language)
        # The token (a signature) occurs once, in the form's hidden field.
        before, found, after = page.partition(token)
        if not found or found in after:
            return page
        if len(_blank_pages) >= MAX_CACHED_PAGES:
            _blank_pages.pop(next(iter(_blank_pages)))
        cached = _blank_pages[key] = (before, after)
    return cached[0] + token + cached[1]


def _check_available(link: SurveyLink) -> None:
    survey = link.survey
    if link.responded:
        raise Gone(_("This link has already been used to answer the survey. Thank you."))
    now = utcnow()
    not_yet = survey.opens_at is not None and now < survey.opens_at
    if survey.state == SurveyState.DRAFT.value or (
        survey.state == SurveyState.OPEN.value and not_yet
    ):
        raise Gone(_("This survey is not open yet."))
    if not accepts_responses(survey, now):
        raise Gone(_("This survey is closed and no longer accepts answers."))


def _parse_form_body(document: InstrumentDocument) -> MultiDict[str, str]:
    """Parse the urlencoded body strictly: valid UTF-8, each field once, no unknown field.

    Werkzeug's own parser replaces bad bytes and keeps duplicates; a survey answer must not
    be silently altered, so the body is decoded here and refused on any doubt.
    """
    if request.mimetype != FORM_CONTENT_TYPE:
        raise BadSubmission(_("The answers must be sent by the survey form."))
    raw = request.get_data(cache=True)
    try:
        pairs = parse_qsl(
            raw.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=1000,
        )
    except (UnicodeDecodeError, ValueError):
        raise BadSubmission(_("The answers were not sent as valid UTF-8 text.")) from None
    names = [name for name, _value in pairs]
    duplicated = sorted(n for n, times in Counter(names).items() if times > 1)
    if duplicated:
        raise BadSubmission(
            _("These answers were sent more than once: %(names)s.", names=", ".join(duplicated))
        )
    unknown = sorted(set(names) - expected_field_names(document))
    if unknown:
        raise BadSubmission(
            _("These answers are not part of this survey: %(names)s.", names=", ".join(unknown))
        )
    return MultiDict(pairs)
