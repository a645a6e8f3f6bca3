"""The employee-facing survey: GET shows the form, POST records the submission.

No log line here mentions the token, the invitation or the response.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import parse_qsl

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from app.db import Session, begin_write_transaction, utcnow
from app.errors import DomainError, Gone, NotFound
from app.extensions import csrf
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_by_hash, parsed_document
from app.instruments.question_types import get_question_type
from app.sharing.queries import has_summary
from app.surveys.models import SurveyState
from app.surveys.services import accepts_responses
from app.surveys.tokens import token_sha256
from app.taking.forms import (
    ORDER_SEED,
    SWITCH_LANGUAGE,
    ResponseFormBase,
    checked_order_seed,
    expected_field_names,
    field_name,
    link_csrf_token,
    new_order_seed,
    response_form_class,
    served_version,
    verify_link_csrf,
)
from app.taking.pages import render_survey_page
from app.taking.queries import (
    MAX_TOKEN_LENGTH,
    LinkedSurvey,
    SurveyLink,
    survey_link,
    thanked_survey,
)
from app.taking.services import record_submission

bp = Blueprint("taking", __name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# The languages of the pages around the survey (thank-you, link problems): app/translations.
PAGE_LANGUAGES = ("en", "es")


class BadSubmission(DomainError):
    status = 400


@bp.after_request
def never_stored(response: Response) -> Response:
    """No page of a personal link is kept by the browser or a proxy: a 410 is cacheable by
    default, and a page kept from before a close or an answer would tell the wrong thing
    (and a shared computer's Back button would show someone's answers)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form itself checks its CSRF token, after the body is parsed strictly
def take_survey(token: str) -> Response | str | tuple[str, int]:
    if request.method == "GET" and request.args.get("view") == "results":
        # "See the results" of the closed and used pages: an address relative to this one,
        # so those pages hold no token and stay the same for a used and an unused link.
        lang = request.args.get("lang")
        return redirect(url_for("results.own_results", token=token, lang=lang))
    if request.method == "POST":
        stored = _store_signed_submission(token)
        if stored is not None:
            return stored
    link = survey_link(token)
    if link is None:
        _use_page_language(request.args.get("lang"))
        raise _invalid_link()
    survey = link.survey
    sha256 = survey.instrument_sha256
    document = document_by_hash(survey.instrument_version_id, sha256)
    # The body is parsed (strictly) before anything touches request.form.
    if request.method == "POST":
        payload = _parse_form_body()
        _check_field_names(payload, document)
    else:
        payload = request.args
    # The language asked for (a switch, the form's, the address's), else the invitation's,
    # else the browser's. A submitted form's language must be one the instrument declares
    # (it is recorded with the answers): any other falls back like a missing one.
    asked_language = payload.get("lang")
    if request.method == "POST" and asked_language not in document.languages:
        asked_language = None
    language = document.resolve_language(
        payload.get(SWITCH_LANGUAGE)
        or asked_language
        or link.language
        or request.accept_languages.best_match(document.languages)
    )
    g.language = language
    refresh_locale()
    _check_available(link)

    leads = link.leads_work_group
    form_class = response_form_class(sha256, document, language, leads_work_group=leads)
    # A survey with mixed item order: the order the page was first shown in comes back with
    # the form (without JavaScript the page is rendered again after an error or a language
    # switch); a new page gets a new order.
    seed: str | None = None
    if survey.mixed_item_order:
        kept = checked_order_seed(payload.get(ORDER_SEED)) if request.method == "POST" else None
        seed = kept or new_order_seed()
    if request.method == "POST" and SWITCH_LANGUAGE in payload:
        # The page again in the chosen language with the answers given so far (without
        # JavaScript they live only in the form): nothing is checked, stored or kept.
        form = form_class(formdata=payload, meta={"csrf_context": link})
        return render_survey_page(form, document, survey, language, order_seed=seed), 200
    if request.method == "POST":
        complete = _complete_submission(payload, document, leads_work_group=leads)
        if complete is not None and _csrf_valid(payload, link):
            version_id = survey.instrument_version_id
            return _store(token, version_id, document, complete, language, leads)
        # Something is missing or wrong: the full form says what, field by field.
        form = form_class(formdata=payload, meta={"csrf_context": link})
        form.validate()
        return render_survey_page(form, document, survey, language, order_seed=seed), 400
    return _blank_page(form_class, document, link, language, seed), 200


def _store_signed_submission(token: str) -> Response | None:
    """Store the common POST, a complete and valid form, without reading the link first.

    The page's CSRF token states the instrument version the page was built from, signed for
    this link. With that version's document (already parsed by this process) the answers
    are checked and scored before any database access; then one short write transaction
    flips the invitation with the conditional UPDATE, which checks the link again (unused,
    its survey open, within its dates, on that version, its level leading a work group or
    not as the token says), and stores the rows. Returns None when anything is off (a bad
    body or token, a document this process has not parsed yet, an incomplete or invalid
    form, a language the instrument does not declare, a used link or a closed survey): the
    caller then reads the link and answers as for any other request, with the page that
    explains.
    """
    if not 0 < len(token) <= MAX_TOKEN_LENGTH:
        return None
    link_sha256 = token_sha256(token)
    try:
        payload = _parse_form_body()
        if SWITCH_LANGUAGE in payload:
            return None  # a language switch is never a submission
        served = verify_link_csrf(payload.get("csrf_token"), link_sha256)
        document = parsed_document(served.sha256)
        if document is None or served.leads_work_group is None:
            return None
        _check_field_names(payload, document)
    except (BadSubmission, ValidationError):
        return None
    leads = served.leads_work_group
    complete = _complete_submission(payload, document, leads_work_group=leads)
    language = payload.get("lang")
    if complete is None or language not in document.languages:
        return None
    try:
        return _store(token, served.id, document, complete, language, leads)
    except Gone:
        Session.rollback()
        return None


def _store(
    token: str,
    version_id: int,
    document: InstrumentDocument,
    complete: tuple[dict[str, int | None], dict[str, str]],
    language: str,
    leads_work_group: bool,
) -> Response:
    """Record a checked submission, answered in `language` by someone who leads the work
    group or not, in its own write transaction, commit, and send the respondent to the
    thank-you page in `language`."""
    begin_write_transaction()  # the checks are done: SQLite's write lock is for the writes
    survey_id = record_submission(
        token_sha256(token),
        version_id,
        document,
        *complete,
        language=language,
        leads_work_group=leads_work_group,
    )
    Session.commit()
    return redirect(url_for("taking.thanks", token=token, lang=language, survey=survey_id))


def _csrf_valid(payload: MultiDict[str, str], link: SurveyLink) -> bool:
    try:
        verify_link_csrf(payload.get("csrf_token"), link.token_sha256)
    except ValidationError:
        return False
    return True


@bp.route("/s/thanks")
@bp.route("/s/thanks/<token>")
def thanks(token: str | None = None) -> str:
    """The thank-you page, in the survey's language: when and how results come back, and
    "See the results" once they are shared (reached from the link that answered: its
    results page is the link's own; the same for any link of the survey)."""
    _use_page_language(request.args.get("lang"))
    survey_id = request.args.get("survey", type=int)
    survey = thanked_survey(survey_id) if survey_id is not None else None
    link = survey_link(token) if token is not None else None
    results = (
        url_for("results.own_results", token=token, lang=g.language)
        if link is not None and has_summary(link.survey.id)
        else None
    )
    return render_template(
        "taking/thanks.html",
        survey=survey,
        results_expected=_results_expected(survey.results_expected_on if survey else None),
        results_url=results,
    )


def _use_page_language(requested: str | None) -> None:
    """Show this request's pages in `requested` if it is one of theirs, else in the
    browser's language (select_locale)."""
    g.language = requested if requested in PAGE_LANGUAGES else None
    refresh_locale()


def _results_expected(day: dt.date | None) -> str | None:
    if day is None:
        return None
    return str(_("The results are expected by %(date)s.", date=format_date(day, "long")))


def _results_come_back(k_scores: int) -> str:
    return str(
        _(
            "Results come back as a summary for everyone, in which no group of fewer than %(k)s "
            "people is shown. Once it is shared, opening your survey link again leads to it.",
            k=k_scores,
        )
    )


def _invalid_link() -> NotFound:
    return NotFound(
        _("This survey link is not valid. Check that you copied all of it."),
        title=_("This survey link does not work"),
        next_steps=(
            _(
                "Open the link in your invitation email again, or copy the whole address: "
                "it is long, and a link cut short does not work."
            ),
            _(
                "If it still does not work, ask the people who sent you the survey for a new "
                "link. A new link does not show them your answers."
            ),
        ),
    )


def _complete_submission(
    payload: MultiDict[str, str], document: InstrumentDocument, *, leads_work_group: bool
) -> tuple[dict[str, int | None], dict[str, str]] | None:
    """The answers and comments of a valid, complete submission, or None.

    The common case, checked with the question types directly (the same conversions the
    form's fields lead to): a valid submission is stored without binding a form of 54
    fields. Anything else returns None, and the full form then explains each problem.
    Only the items asked of the respondent count (`InstrumentDocument.items_asked_of`): an
    answer sent for an item about the group's leader by someone who leads the group is left
    out, never stored.
    The answers follow the document's order, whatever order the page showed.
    """
    answers: dict[str, int | None] = {}
    for item in document.items_asked_of(leads_work_group=leads_work_group):
        raw = payload.get(field_name(item))
        if not raw:
            return None
        try:
            answers[item.key] = get_question_type(item.type).convert(item, raw)
        except ValueError:
            return None
    comments: dict[str, str] = {}
    for prompt in document.prompts:
        try:
            text = get_question_type(prompt.type).convert(prompt, payload.get(field_name(prompt)))
        except ValueError:
            return None
        if text:
            comments[prompt.key] = text
    return answers, comments


# The blank page by everything that shows on it: it is the same for every respondent of a
# survey in one language (and leading the work group or not), apart from the CSRF token,
# and rendering its 52 radio groups would be most of a GET. Kept as the text before and
# after the token. Bounded: editor previews and test runs create many surveys in one
# process. A survey with mixed item order shows each page in an order of its own: never
# cached.
MAX_CACHED_PAGES = 256
_blank_pages: dict[tuple[int, int, int, str, str, bool], tuple[str, str]] = {}


def _blank_page(
    form_class: type[ResponseFormBase],
    document: InstrumentDocument,
    link: SurveyLink,
    language: str,
    order_seed: str | None,
) -> str:
    survey = link.survey
    token = link_csrf_token(link.token_sha256, served_version(link))
    if order_seed is not None:
        form = form_class(lang=language, meta={"csrf_context": link})
        form.csrf_token.current_token = token
        return render_survey_page(form, document, survey, language, order_seed=order_seed)
    key = (
        survey.id,
        survey.k_scores,
        survey.k_comments,
        survey.instrument_sha256,
        language,
        link.leads_work_group,
    )
    cached = _blank_pages.get(key)
    if cached is None:
        form = form_class(lang=language, meta={"csrf_context": link})
        form.csrf_token.current_token = token
        page = render_survey_page(form, document, survey, language)
        # The token (a signature) occurs once, in the form's hidden field.
        before, found, after = page.partition(token)
        if not found or found in after:
            return page
        if len(_blank_pages) >= MAX_CACHED_PAGES:
            _blank_pages.pop(next(iter(_blank_pages)))
        cached = _blank_pages[key] = (before, after)
    return cached[0] + token + cached[1]


def _check_available(link: SurveyLink) -> None:
    """Gone unless the link may answer now. The survey's state is decided first: once it
    takes no more answers every link says "closed", used or not, so a links file kept past
    the close tells nobody who answered. While it is open a used link says so (only its
    person holds it: links reach people only by email once a survey is open)."""
    survey = link.survey
    now = utcnow()
    not_yet = survey.opens_at is not None and now < survey.opens_at
    if survey.state == SurveyState.DRAFT.value or (
        survey.state == SurveyState.OPEN.value and not_yet
    ):
        raise Gone(
            _("This survey is not open yet."),
            title=_("This survey is not open yet"),
            next_steps=(
                _(
                    "Come back to this same link from %(date)s.",
                    date=format_date(survey.opens_at, "long"),
                )
                if survey.opens_at is not None and survey.state == SurveyState.OPEN.value
                else _("Come back to this same link once the survey opens."),
            ),
        )
    if not accepts_responses(survey, now):
        raise Gone(
            _("This survey is closed and no longer accepts answers."),
            title=_("This survey is closed"),
            next_steps=(
                _("There is nothing more to do: answers given before the close are counted."),
                *_results_steps(survey),
            ),
            link=_results_link(survey),
        )
    if link.responded:
        raise Gone(
            _("This link has already been used to answer the survey. Thank you."),
            title=_("You have already answered"),
            next_steps=(
                _("There is nothing more to do: each person answers once."),
                _("If you did not answer yourself, tell the people who sent you the survey."),
                *_results_steps(survey),
            ),
            link=_results_link(survey),
        )


def _results_link(survey: LinkedSurvey) -> tuple[str, str] | None:
    """The way on to the results once the survey's employee summary is published
    (app.sharing): relative to the link's page, so the page holds no token (see
    `take_survey`)."""
    if not has_summary(survey.id):
        return None
    return (f"?view=results&lang={g.language}", _("See the results"))


def _results_steps(survey: LinkedSurvey) -> tuple[str, ...]:
    expected = _results_expected(survey.results_expected_on)
    return (*([expected] if expected else []), _results_come_back(survey.k_scores))


def _parse_form_body() -> MultiDict[str, str]:
    """Parse the urlencoded body strictly: valid UTF-8, each field once.

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
    return MultiDict(pairs)


def _check_field_names(payload: MultiDict[str, str], document: InstrumentDocument) -> None:
    """Refuse fields that are not questions of the document (or the form's own)."""
    unknown = sorted(set(payload) - expected_field_names(document))
    if unknown:
        raise BadSubmission(
            _("These answers are not part of this survey: %(names)s.", names=", ".join(unknown))
        )
