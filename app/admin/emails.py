"""A survey's emails (admin only): the invitation and the reminder previewed in each
language of its instrument, a test send to the signed-in admin, and the page that asks
before the send buttons (invitations, reminders) how many people will get the email.

The preview and the test send carry a placeholder link (app.outbox.services
PLACEHOLDER_TOKEN), never a participant's; the test send goes through the outbox like
every email, to the admin's own address.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.admin.forms_email import EMAIL_KINDS, PreviewQuery, SendConfirmForm, TestSendForm
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import Conflict, NotFound
from app.org.queries import organisation_profile
from app.outbox.services import (
    invitations_to_send,
    preview_email,
    preview_languages,
    queue_test_email,
    reminders_to_send,
)
from app.surveys.labels import state_name
from app.surveys.models import Survey, SurveyState
from app.surveys.services import get_survey

bp = Blueprint("admin_email", __name__, url_prefix="/admin/surveys")

# The send buttons' kinds (the URL segment of admin_surveys.queue_email) and their email.
SEND_KINDS = {"invitations": "invitation", "reminders": "reminder"}


@bp.route("/<int:survey_id>/email/preview")
@role_required(Role.ADMIN)
def preview(survey_id: int) -> str:
    """The email as a participant reading a language gets it (query: kind, language)."""
    survey = get_survey(survey_id)
    languages = preview_languages(survey.id)
    query = PreviewQuery(request.args)
    query.language.choices = [SelectChoice(lang) for lang in languages]
    if not query.validate():
        raise NotFound(_("Emails are invitations or reminders, in one of the survey's languages."))
    kind = query.kind.data or EMAIL_KINDS[0]
    language = query.language.data or languages[0]
    return render_template(
        "admin/surveys/email_preview.html",
        survey=survey,
        kinds=EMAIL_KINDS,
        languages=languages,
        kind=kind,
        language=language,
        email=preview_email(survey.id, kind, language),
        organisation=organisation_profile(),
        test_form=TestSendForm(formdata=None, kind=kind, language=language),
    )


@bp.post("/<int:survey_id>/email/test")
@role_required(Role.ADMIN)
def test_send(survey_id: int) -> Response:
    """Queue the previewed email to the signed-in admin's own address."""
    survey = get_survey(survey_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        flash(_("The test send could not be read; try again from the preview."), "error")
        return redirect(url_for(".preview", survey_id=survey.id))
    kind, language = form.kind.data or "", form.language.data or ""
    queue_test_email(survey.id, kind, language, current_user.email)
    record_event(current_user, "email.test", "survey", survey.id, kind=kind, language=language)
    Session.commit()
    flash(
        _(
            "A test invitation (%(language)s) is on its way to %(email)s: the outbox worker "
            "sends it. Its link is a placeholder that opens no survey.",
            language=language,
            email=current_user.email,
        )
        if kind == "invitation"
        else _(
            "A test reminder (%(language)s) is on its way to %(email)s: the outbox worker "
            "sends it. Its link is a placeholder that opens no survey.",
            language=language,
            email=current_user.email,
        ),
        "info",
    )
    return redirect(url_for(".preview", survey_id=survey.id, kind=kind, language=language))


def people_to_email(survey: Survey, kind: str) -> int:
    """How many people the send button of `kind` (invitations, reminders) emails now."""
    return invitations_to_send(survey.id) if kind == "invitations" else reminders_to_send(survey.id)


def confirm_page(survey: Survey, kind: str, form: SendConfirmForm | None = None) -> str:
    """The page that asks before sending, stating how many people will get the email."""
    if survey.state != SurveyState.OPEN.value:
        raise Conflict(
            _(
                "Survey %(id)s is %(state)s; emails go out only while it is open.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )
    count = people_to_email(survey, kind)
    form = form or SendConfirmForm(formdata=None)
    form.expected.data = count
    return render_template(
        "admin/surveys/email_confirm.html",
        survey=survey,
        kind=kind,
        email_kind=SEND_KINDS[kind],
        count=count,
        form=form,
        organisation=organisation_profile(),
    )


@bp.route("/<int:survey_id>/email/<kind>/confirm")
@role_required(Role.ADMIN)
def confirm(survey_id: int, kind: str) -> str:
    if kind not in SEND_KINDS:
        raise NotFound(_("Emails are invitations or reminders."))
    return confirm_page(get_survey(survey_id), kind)
