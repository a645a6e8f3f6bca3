"""A survey's participants (admin only): the list, paged and searchable by address; one
person added; one person not invited yet removed.

The list never says who answered: no column, order, count per row or filter reads
`responded`, and neither a person's own email dates (reminders skip those who answered:
a reminder date would tell), only whether they hold a link. Addresses are shown until the
close purges them. Audit events name the person's team and level, never their address (the
audit log outlives the purge).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.admin.forms_email import AddParticipantForm, ParticipantSearch, RemoveParticipantForm
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import DomainError
from app.instruments.queries import document_of
from app.surveys import services
from app.surveys.models import Invitation, Survey, SurveyState
from app.surveys.queries import email_dates, participant_page

bp = Blueprint("admin_participants", __name__, url_prefix="/admin/surveys")


def _add_form(survey: Survey, *, posted: bool) -> AddParticipantForm:
    form = AddParticipantForm() if posted else AddParticipantForm(formdata=None)
    form.level.choices = [SelectChoice(lv.key, lv.label) for lv in survey.levels]
    form.language.choices = [SelectChoice("", _("The survey's default"))] + [
        SelectChoice(lang) for lang in document_of(survey.instrument_version).languages
    ]
    return form


def _list_page(survey: Survey, add_form: AddParticipantForm | None = None) -> str:
    search = ParticipantSearch(request.args)
    valid = search.validate()
    query = (search.q.data or "") if valid else ""
    page = participant_page(survey.id, (search.page.data or 1) if valid else 1, search=query)
    return render_template(
        "admin/surveys/participants.html",
        survey=survey,
        search=search,
        query=query,
        page=page,
        dates=email_dates(survey.id),
        takes_participants=survey.state in (SurveyState.DRAFT.value, SurveyState.OPEN.value),
        add_form=add_form or _add_form(survey, posted=False),
        remove_form=RemoveParticipantForm(formdata=None),
        team_paths=[t.path for t in survey.teams],
    )


@bp.route("/<int:survey_id>/participants")
@role_required(Role.ADMIN)
def index(survey_id: int) -> str:
    return _list_page(services.get_survey(survey_id))


@bp.post("/<int:survey_id>/participants/add")
@role_required(Role.ADMIN)
def add(survey_id: int) -> Response | tuple[str, int]:
    """Invite one person; every problem is shown on the form and nothing is stored."""
    survey = services.get_survey(survey_id)
    form = _add_form(survey, posted=True)
    if not form.validate_on_submit():
        return _list_page(survey, form), 400
    try:
        invitation = services.add_participant(
            survey.id,
            email=form.email.data or "",
            team=form.team.data or "",
            level=form.level.data or "",
            language=form.language.data or None,
        )
    except DomainError as exc:
        Session.rollback()
        form.form_errors.append(exc.message)
        return _list_page(survey, form), exc.status
    _audit(invitation, "participant.add")
    Session.commit()
    flash(
        _("%(email)s is on the survey; no email has gone out yet.", email=invitation.email),
        "info",
    )
    return redirect(url_for(".index", survey_id=survey.id, q=invitation.email))


@bp.post("/<int:survey_id>/participants/<int:invitation_id>/remove")
@role_required(Role.ADMIN)
def remove(survey_id: int, invitation_id: int) -> Response | tuple[str, int]:
    """Take off the survey one person who has not been invited yet."""
    survey = services.get_survey(survey_id)
    form = RemoveParticipantForm()
    if not form.validate_on_submit():
        flash(_("The removal could not be read; try again from the list."), "error")
        return redirect(url_for(".index", survey_id=survey.id))
    invitation = Session.get(Invitation, invitation_id)
    detail = _detail(invitation) if invitation is not None else {}
    email = invitation.email if invitation is not None else None
    services.remove_participant(survey.id, invitation_id)  # its refusals: the error page
    record_event(current_user, "participant.remove", "survey", survey.id, **detail)
    Session.commit()
    flash(_("%(email)s is no longer on the survey.", email=email), "info")
    return redirect(url_for(".index", survey_id=survey.id))


def _audit(invitation: Invitation, action: str) -> None:
    record_event(current_user, action, "survey", invitation.survey_id, **_detail(invitation))


def _detail(invitation: Invitation) -> dict[str, object]:
    """The person in an audit event: their row, team and level; never their address."""
    level = invitation.level.key if invitation.level is not None else None
    return {"participant": invitation.id, "team": invitation.team.path, "level": level}
