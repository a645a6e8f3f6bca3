"""The staff landing page: each role's home.

A manager lands on their team's view (app.reports). An admin sees the surveys running or
scheduled, their participation as the latest release counts it (never live responses), the
worker and the outbox, and what needs attention; HR (and admins) the latest releases with
their dates and headline figures, each figure from the release's publication.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import format_datetime, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.models import Role
from app.db import utcnow
from app.instruments.queries import document_of
from app.outbox.queries import OutboxCounts, outbox_counts
from app.reports.models import Release
from app.reports.privacy import ResponseRate
from app.reports.publication import Measure
from app.reports.queries import latest_releases, list_surveys, snapshot_of
from app.reports.registry import release_label
from app.surveys.models import Survey, SurveyState
from app.worker.queries import Heartbeat, latest_heartbeat

bp = Blueprint("main", __name__)

LATEST_RELEASES = 5


@dataclass(frozen=True)
class Headline:
    """A survey's latest release on HR's home: its label, response rate and the
    organisation's family indices as the release shows them."""

    survey: Survey
    release: Release
    label: str
    rate: ResponseRate
    indices: list[tuple[str, Measure]]


@dataclass(frozen=True)
class AdminHome:
    running: list[tuple[Survey, ResponseRate]]  # open, or drafts that open on a schedule
    heartbeat: Heartbeat | None
    outbox: OutboxCounts
    attention: list[str]


@bp.route("/")
@login_required
def index() -> str | Response:
    """Each role's home: a manager lands on their team's view."""
    if current_user.has_role(Role.MANAGER):
        return redirect(url_for("reports.my_team"))
    surveys = list_surveys()
    admin = _admin_home(surveys) if current_user.has_role(Role.ADMIN) else None
    return render_template("index.html", admin=admin, headlines=_headlines(surveys))


def _admin_home(surveys: Sequence[tuple[Survey, ResponseRate]]) -> AdminHome:
    now = utcnow()
    running = [
        (survey, rate)
        for survey, rate in surveys
        if survey.state == SurveyState.OPEN.value
        or (survey.state == SurveyState.DRAFT.value and survey.open_automatically)
    ]
    heartbeat = latest_heartbeat()
    outbox = outbox_counts(now=now)
    return AdminHome(running, heartbeat, outbox, _attention(running, heartbeat, outbox, now))


def _attention(
    running: list[tuple[Survey, ResponseRate]],
    heartbeat: Heartbeat | None,
    outbox: OutboxCounts,
    now: dt.datetime,
) -> list[str]:
    """What an admin should look at, most urgent first."""
    found = []
    if heartbeat is None:
        found.append(_("No worker has ever run: email is not sent and schedules do not run."))
    elif not heartbeat.is_recent(now):
        found.append(
            _(
                "No worker seen since %(time)s UTC: email and schedules are waiting.",
                time=format_datetime(heartbeat.seen_at, _("d MMMM y HH:mm"), rebase=False),
            )
        )
    if outbox.failed:
        found.append(
            ngettext(
                "%(num)s email failed; the outbox page says why.",
                "%(num)s emails failed; the outbox page says why.",
                outbox.failed,
                num=format_decimal(outbox.failed, format="#,##0"),
            )
        )
    for survey, rate in running:
        if survey.state == SurveyState.OPEN.value and survey.closes_at and survey.closes_at < now:
            found.append(_("“%(title)s” is still open after its closing date.", title=survey.title))
        if rate.invited == 0:
            found.append(_("“%(title)s” has nobody invited yet.", title=survey.title))
    return found


def _headlines(surveys: Sequence[tuple[Survey, ResponseRate]]) -> list[Headline]:
    """The latest releases of the newest surveys that have one, with the organisation's
    family indices (each shown only where the release shows it)."""
    found: list[Headline] = []
    latest = latest_releases()
    reader = str(get_locale() or "en")
    for survey, rate in surveys:
        if len(found) == LATEST_RELEASES:
            break
        release = latest.get(survey.id)
        if release is None:
            continue
        document = document_of(survey.instrument_version)
        # The instrument's labels in the reader's language where it has them.
        language = document.resolve_language(reader)
        view = snapshot_of(release).publication().view()
        indices = [
            (document.text(family.label, language), view.families[family.key])
            for family in document.families
        ]
        found.append(Headline(survey, release, release_label(release), rate, indices))
    return found
