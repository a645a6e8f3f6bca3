"""The employee-facing survey: GET shows the form, POST records the submission.

No log line here mentions the token, the invitation or the response.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from app import csrf
from app.db import Session, utcnow
from app.errors import DomainError, Gone, NotFound
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.instruments.question_types import get_question_type
from app.surveys.models import Invitation, SurveyState
from app.surveys.services import accepts_responses
from app.taking.forms import (
    ResponseFormBase,
    expected_field_names,
    field_name,
    prompt_fields,
    response_form_class,
    sections,
)
from app.taking.queries import invitation_for_token
from app.taking.services import record_submission

bp = Blueprint("taking", __name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class BadSubmission(DomainError):
    status = 400


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form itself checks its CSRF token, after the body is parsed strictly
def take_survey(token: str) -> Response | str | tuple[str, int]:
    if request.method == "POST":
        # Take SQLite's write lock before the first read: a read transaction cannot be
        # upgraded to a write once another connection has committed (WAL), and would fail
        # with "database is locked" instead of waiting. No effect on PostgreSQL.
        Session.connection(execution_options={"sqlite_immediate": True})
    invitation = invitation_for_token(token)
    if invitation is None:
        raise NotFound(_("This survey link is not valid. Check that you copied all of it."))
    survey = invitation.survey
    version = survey.instrument_version
    document = document_of(version)
    # The body is parsed (strictly) before anything touches request.form.
    payload = _parse_form_body(document) if request.method == "POST" else request.args
    language = document.resolve_language(payload.get("lang") or invitation.language)
    g.language = language
    refresh_locale()
    _check_available(invitation)

    form_class = response_form_class(version.sha256, document, language)
    if request.method == "POST":
        complete = _complete_submission(payload, document)
        if complete is not None:
            answers, comments = complete
            record_submission(invitation.token_sha256, version.id, document, answers, comments)
            Session.commit()
            return redirect(url_for("taking.thanks", lang=language))
        # Something is missing or wrong: the full form says what, field by field.
        form = form_class(formdata=payload)
        form.validate()
        status = 400
    else:
        # Once the blank questions are cached, the page needs only the CSRF token and the
        # language from a form; binding 54 fields would cost most of the request.
        cached = (version.sha256, language) in _blank_questions
        form = (ResponseFormBase if cached else form_class)(lang=language)
        status = 200
    page = render_template(
        "taking/survey.html",
        form=form,
        document=document,
        survey=survey,
        language=language,
        questions=_questions_html(form, document, version.sha256, language, blank=status == 200),
        privacy=document.privacy_text(
            language, k_scores=survey.k_scores, k_comments=survey.k_comments
        ),
        intro=document.intro_text(language, k_scores=survey.k_scores, k_comments=survey.k_comments),
    )
    return page, status


@bp.route("/s/thanks")
def thanks() -> str:
    g.language = request.args.get("lang") if request.args.get("lang") in ("en", "es") else None
    refresh_locale()
    return render_template("taking/thanks.html")


def _complete_submission(
    payload: MultiDict[str, str], document: InstrumentDocument
) -> tuple[dict[str, int | None], dict[str, str]] | None:
    """The answers and comments of a valid, complete submission, or None.

    The common case, checked with the question types directly (the same conversions the
    form's fields lead to) and the same CSRF check as the form: a valid submission is
    stored without binding a form of 54 fields. Anything else returns None, and the full
    form then explains each problem.
    """
    try:
        validate_csrf(payload.get("csrf_token"))
    except ValidationError:
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


# The rendered questions of a blank form by (version content, language): 52 radio groups
# cost most of a GET to render, and are the same for every respondent.
_blank_questions: dict[tuple[str, str], Markup] = {}


def _questions_html(
    form: ResponseFormBase, document: InstrumentDocument, sha256: str, language: str, *, blank: bool
) -> Markup:
    key = (sha256, language)
    if blank and key in _blank_questions:
        return _blank_questions[key]
    # render_template output is already autoescaped HTML.
    html = Markup(  # noqa: S704  # nosec B704
        render_template(
            "taking/_questions.html",
            sections=sections(form, document),
            prompts=prompt_fields(form, document),
        )
    )
    if blank:
        _blank_questions[key] = html
    return html


def _check_available(invitation: Invitation) -> None:
    survey = invitation.survey
    if invitation.responded:
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
    duplicated = sorted({n for n in names if names.count(n) > 1})
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
