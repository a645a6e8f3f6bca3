"""Results shared back with employees.

HR (or an admin) publishes a survey's employee summary from a release, with a preview of
exactly what employees will see, and may issue a survey-wide results link (only its hash is
stored). Employees read the summary with no sign-in and no cookie: from their own survey
link (`/s/<token>/results`: the same page for a used and an unused link, so whoever holds
links learns nothing from it) or from the results link (`/s/results/<token>`). Both paths
sit under /s/, whose tokens app.log_privacy keeps out of every log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from babel.numbers import format_decimal, format_percent
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as refresh_locale
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session, get_or_404
from app.errors import NotFound
from app.i18n import UI_LANGUAGES
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.plans.queries import plans_for_team
from app.reports.models import Release
from app.reports.queries import latest_release, snapshot_of
from app.reports.summary import (
    CommittedAction,
    EmployeeSummaryValues,
    PlannedCommitment,
    employee_summary,
)
from app.results.forms import PublishSummaryForm, ResultsLinkForm
from app.sharing.queries import summary_by_link, summary_of
from app.sharing.services import issue_results_link, publish_summary
from app.surveys.models import Survey
from app.surveys.services import get_survey
from app.taking.queries import survey_link

bp = Blueprint("results", __name__)

PUBLISHERS = (Role.HR, Role.ADMIN)
# An action's status as employees read it (app.plans.models.ActionStatus values).
ACTION_STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}


# --- HR: publish and preview ----------------------------------------------------------------


@bp.route("/reports/surveys/<int:survey_id>/summary")
@role_required(*PUBLISHERS)
def staff_summary(survey_id: int) -> str:
    """The survey's employee summary: what is published, and a preview of exactly what
    employees would read after publishing the latest release."""
    return _staff_page(get_survey(survey_id))


@bp.route("/reports/surveys/<int:survey_id>/summary", methods=["POST"])
@role_required(*PUBLISHERS)
def publish(survey_id: int) -> Response:
    """Publish (or move to the latest release) the survey's employee summary: refused,
    with the reason, for a survey without a release."""
    survey = get_survey(survey_id)
    release = latest_release(survey.id)
    publish_summary(
        survey.id,
        (release.id, release.number) if release is not None else None,
        actor=current_user,
    )
    Session.commit()
    assert release is not None  # publish_summary refuses a survey without one
    flash(
        _("Employees can now read the summary of release %(number)s.", number=release.number),
        "info",
    )
    return redirect(url_for(".staff_summary", survey_id=survey.id))


@bp.route("/reports/surveys/<int:survey_id>/summary/link", methods=["POST"])
@role_required(*PUBLISHERS)
def new_link(survey_id: int) -> str:
    """Issue a survey-wide results link and show it once (only its hash is stored, so it
    cannot be shown again; a new one replaces it)."""
    survey = get_survey(survey_id)
    raw = issue_results_link(survey.id, actor=current_user)
    Session.commit()
    link = url_for(".shared_results", token=raw, _external=True)
    return _staff_page(survey, new_results_link=link)


def _staff_page(survey: Survey, **values: object) -> str:
    """The staff page, in the staff member's language, around a preview in the language
    employees would read (`?lang=`, else the instrument's default)."""
    release = latest_release(survey.id)
    summary = summary_of(survey.id)
    published = get_or_404(Release, summary.release_id) if summary is not None else None
    document = document_of(survey.instrument_version)
    language = document.resolve_language(request.args.get("lang"))
    preview = None
    if release is not None:
        # The preview's fixed text in the employees' language, the page around it in the
        # staff member's own. The fragment comes from an autoescaping template.
        with force_locale(language):
            preview = Markup(  # noqa: S704  # nosec B704
                render_template(
                    "results/_summary.html",
                    values=_values(survey, release, document, language),
                    fmt=_formatters(language),
                )
            )
    return render_template(
        "results/staff.html",
        survey=survey,
        release=release,
        summary=summary,
        published=published,
        document=document,
        language=language,
        preview=preview,
        publish_form=PublishSummaryForm(),
        link_form=ResultsLinkForm(),
        **values,
    )


# --- employees ----------------------------------------------------------------------------


@bp.route("/s/<token>/results")
def own_results(token: str) -> str:
    """The summary reached from an employee's own survey link (used or not, open or
    closed: the page is the same)."""
    _use_language(request.args.get("lang"))
    link = survey_link(token)
    if link is None:
        raise NotFound(_("This survey link is not valid. Check that you copied all of it."))
    summary = summary_of(link.survey.id)
    if summary is None:
        raise NotFound(_("No results of this survey have been shared yet."))
    return _employee_page(summary.survey_id, summary.release_id, link.language)


@bp.route("/s/results/<token>")
def shared_results(token: str) -> str:
    """The summary reached from the survey-wide results link HR sends."""
    _use_language(request.args.get("lang"))
    summary = summary_by_link(token)
    if summary is None:
        raise NotFound(
            _(
                "This results link is not valid. Check that you copied all of it, "
                "or ask for a new one."
            )
        )
    return _employee_page(summary.survey_id, summary.release_id, None)


def _use_language(requested: str | None) -> None:
    """The page chrome's language before the survey is known (an error page): the one
    asked for, else the browser's."""
    if requested in UI_LANGUAGES:
        g.language = requested
        refresh_locale()


def _employee_page(survey_id: int, release_id: int, link_language: str | None) -> str:
    survey = get_survey(survey_id)
    release = get_or_404(Release, release_id)
    document = document_of(survey.instrument_version)
    # The link's language is purged at the close: then the browser's preference decides.
    language = document.resolve_language(
        request.args.get("lang")
        or link_language
        or request.accept_languages.best_match(document.languages)
    )
    g.language = language
    refresh_locale()
    return render_template(
        "results/employee.html",
        document=document,
        language=language,
        values=_values(survey, release, document, language),
        release=release,
        fmt=_formatters(language),
    )


# --- shared -------------------------------------------------------------------------------


def _values(
    survey: Survey, release: Release, document: InstrumentDocument, language: str
) -> EmployeeSummaryValues:
    snapshot = snapshot_of(release)
    return employee_summary(
        snapshot.publication(),
        snapshot.aggregates.paths,
        document,
        language,
        lambda team: _commitments(team, survey.id),
    )


def _commitments(team_id: int, survey_id: int) -> Sequence[PlannedCommitment]:
    """The action plans a team made from this survey's results: focus areas and actions
    (their text, status and due date; never an owner or the notes)."""
    return [
        PlannedCommitment(
            tuple(plan.focus_keys),
            tuple(CommittedAction(a.text, a.status, a.due_on) for a in plan.actions),
        )
        for plan in plans_for_team(team_id, survey_id)
    ]


def _formatters(language: str) -> dict[str, Callable[[Any], str]]:
    """Numbers as the reader's language writes them (3,8 in Spanish)."""
    locale = language.replace("-", "_")

    def mean(value: float) -> str:
        return format_decimal(value, format="0.0", locale=locale)

    def percent(value: float) -> str:
        return format_percent(value, format="0%", locale=locale)

    def status(value: str) -> str:
        return str(ACTION_STATUSES.get(value, value))

    def day(value: dt.date) -> str:
        return str(format_date(value, "long"))

    return {"mean": mean, "percent": percent, "status": status, "day": day}
