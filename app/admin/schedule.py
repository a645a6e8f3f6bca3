"""A survey's schedule (admin only): when it opens and closes, its reminder cadence and
its scheduled interim releases, all run by the worker (app.worker.schedule).

Routes are thin: parse the form, call a service, commit once with the audit event, flash,
redirect. A refused schedule is shown again with the reason, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.forms_schedule import CancelReleaseForm, ScheduledReleaseForm, ScheduleForm
from app.admin.surveys import _naive, _utc
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import DomainError
from app.surveys.models import Survey, SurveyState
from app.surveys.services import get_survey
from app.worker import services
from app.worker.models import ScheduledRelease
from app.worker.queries import latest_heartbeat, scheduled_releases

bp = Blueprint("admin_schedule", __name__, url_prefix="/admin/surveys")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# The worker stores a scheduled release's outcome in English (it serves no reader); the
# page says it in the reader's language: the release's number, or the refusal's reason.
NOT_PUBLISHED = "Not published: "


def outcome_text(scheduled: ScheduledRelease) -> str | None:
    """What became of a scheduled release, in the page's language (None: not done yet)."""
    if scheduled.release_number is not None:
        return str(_("Published as release %(number)s.", number=scheduled.release_number))
    outcome = scheduled.outcome
    if outcome and outcome.startswith(NOT_PUBLISHED):
        return str(_("Not published: %(reason)s", reason=outcome.removeprefix(NOT_PUBLISHED)))
    return outcome


def _page(
    survey: Survey,
    form: ScheduleForm | None = None,
    release_form: ScheduledReleaseForm | None = None,
) -> str:
    if form is None:
        form = ScheduleForm(formdata=None)
        form.opens_at.data = _naive(survey.opens_at)
        form.closes_at.data = _naive(survey.closes_at)
        form.open_automatically.data = survey.open_automatically
        form.remind_after_days.data = survey.remind_after_days
        form.max_reminders.data = survey.max_reminders
    return render_template(
        "admin/schedule/edit.html",
        survey=survey,
        form=form,
        release_form=release_form or ScheduledReleaseForm(formdata=None),
        cancel_form=CancelReleaseForm(formdata=None),
        releases=scheduled_releases(survey.id),
        outcome_text=outcome_text,
        draft=survey.state == SurveyState.DRAFT.value,
        editable=survey.state in (SurveyState.DRAFT.value, SurveyState.OPEN.value),
        heartbeat=latest_heartbeat(),
    )


@bp.get("/<int:survey_id>/schedule")
@role_required(Role.ADMIN)
def show(survey_id: int) -> str:
    return _page(get_survey(survey_id))


@bp.post("/<int:survey_id>/schedule")
@role_required(Role.ADMIN)
def save(survey_id: int) -> Response | tuple[str, int]:
    survey = get_survey(survey_id)
    form = ScheduleForm()
    if not form.validate():
        return _page(survey, form=form), 400
    draft = survey.state == SurveyState.DRAFT.value
    settings = {
        # An open survey's opening stays (the page shows it without a field).
        "opens_at": _utc(form.opens_at.data) if draft else survey.opens_at,
        "open_automatically": bool(form.open_automatically.data) if draft else False,
        "closes_at": _utc(form.closes_at.data),
        "remind_after_days": form.remind_after_days.data,
        "max_reminders": form.max_reminders.data,
    }
    try:
        services.set_schedule(survey.id, **settings)
    except DomainError as exc:
        Session.rollback()
        form.form_errors.append(exc.message)
        return _page(survey, form=form), 400
    record_event(
        current_user,
        "survey.schedule",
        "survey",
        survey.id,
        opens_at=_iso(settings["opens_at"]),
        closes_at=_iso(settings["closes_at"]),
        open_automatically=settings["open_automatically"],
        remind_after_days=settings["remind_after_days"],
        max_reminders=settings["max_reminders"],
    )
    Session.commit()
    flash(_("The schedule is saved; the worker runs it."), "info")
    return redirect(url_for(".show", survey_id=survey.id))


@bp.post("/<int:survey_id>/schedule/releases")
@role_required(Role.ADMIN)
def add_release(survey_id: int) -> Response | tuple[str, int]:
    survey = get_survey(survey_id)
    form = ScheduledReleaseForm()
    if not form.validate():
        return _page(survey, release_form=form), 400
    publish_at = _utc(form.publish_at.data)
    assert publish_at is not None
    try:
        scheduled = services.schedule_release(survey.id, publish_at)
    except DomainError as exc:
        Session.rollback()
        form.form_errors.append(exc.message)
        return _page(survey, release_form=form), 400
    record_event(
        current_user,
        "release.schedule",
        "survey",
        survey.id,
        scheduled=scheduled.id,
        publish_at=publish_at.isoformat(),
    )
    Session.commit()
    flash(
        _(
            "An interim release is scheduled for %(time)s UTC.",
            time=f"{publish_at:%Y-%m-%d %H:%M}",
        ),
        "info",
    )
    return redirect(url_for(".show", survey_id=survey.id))


@bp.post("/<int:survey_id>/schedule/releases/<int:scheduled_id>/cancel")
@role_required(Role.ADMIN)
def cancel_release(survey_id: int, scheduled_id: int) -> Response | tuple[str, int]:
    survey = get_survey(survey_id)
    if not CancelReleaseForm().validate():
        flash(_("The form expired; try again."), "error")
        return _page(survey), 400
    scheduled = services.cancel_scheduled_release(survey.id, scheduled_id)
    record_event(
        current_user,
        "release.unschedule",
        "survey",
        survey.id,
        scheduled=scheduled_id,
        publish_at=scheduled.publish_at.isoformat(),
    )
    Session.commit()
    flash(_("The scheduled release is cancelled."), "info")
    return redirect(url_for(".show", survey_id=survey.id))
