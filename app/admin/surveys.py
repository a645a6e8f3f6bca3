"""Survey management (admin only): create and edit drafts, open, close and archive, import
participants, hand out links. HR and managers read the results under /reports.

Routes are thin: parse the form, call a service, commit once with the audit event, flash,
redirect.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.admin.emails import confirm_page, people_to_email
from app.admin.forms_email import SendConfirmForm
from app.admin.forms_surveys import (
    CreateSurveyForm,
    LinksForm,
    NewLinkForm,
    ParticipantsForm,
    PilotForm,
    StateForm,
    SurveySettingsForm,
    leading_levels_text,
    levels_text,
    parse_leading_levels,
    parse_levels,
    parse_team_paths,
)
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.ballots.queries import box_state
from app.db import Session, get_or_404
from app.errors import Conflict, DomainError, NotFound
from app.extensions import csrf
from app.instruments.models import InstrumentVersion
from app.instruments.queries import all_versions, document_of
from app.org.queries import team_paths
from app.outbox.queries import outbox_counts
from app.outbox.services import queue_invitations, queue_new_link, queue_reminders
from app.reports.queries import list_surveys, response_rates_of
from app.reports.releases import close_with_final_release
from app.surveys import imports, services
from app.surveys.labels import state_name
from app.surveys.links import link_base_differs
from app.surveys.models import Survey, SurveyState
from app.surveys.participants_file import RowError
from app.surveys.queries import survey_link
from app.surveys.storage import compact_storage
from app.worker.queries import latest_heartbeat

bp = Blueprint("admin_surveys", __name__, url_prefix="/admin/surveys")

# Rows of a failed import shown on the page; the rest are counted.
MAX_REPORTED_ROWS = 500
# The participants file may be larger than other requests (MAX_CONTENT_LENGTH); the slack
# covers the multipart envelope around a file of the largest accepted size.
UPLOAD_LIMIT = services.MAX_PARTICIPANT_FILE_BYTES + 256 * 1024


@dataclass(frozen=True)
class StateAction:
    """The next step of a survey's life, in the page's words (lazy: the reader's language
    is known only when the page is drawn)."""

    name: str  # the URL segment and the audit action's suffix
    button: Any
    confirm: Any  # the box the admin ticks
    consequence: Any
    done: Any


NEXT_ACTION = {
    SurveyState.DRAFT.value: StateAction(
        "open",
        _l("Open the survey"),
        _l("Yes, open the survey"),
        _l(
            "Opening locks the instrument version, the teams and the levels; people with a link "
            "can answer (from the opening date, if one is set)."
        ),
        _l("The survey is open."),
    ),
    SurveyState.OPEN.value: StateAction(
        "close",
        _l("Close the survey"),
        _l("Yes, close the survey"),
        _l(
            "Closing stops responses for good, opens every sealed ballot, publishes the final "
            "release of the results and deletes the participants' email addresses. It cannot "
            "be undone."
        ),
        _l(
            "The survey is closed and its final results are published; the participants' "
            "email addresses are deleted."
        ),
    ),
    SurveyState.CLOSED.value: StateAction(
        "archive",
        _l("Archive the survey"),
        _l("Yes, archive the survey"),
        _l("Archiving marks the survey as finished with; its reports stay readable."),
        _l("The survey is archived."),
    ),
}
STATE_SERVICES: dict[str, Callable[[int], object]] = {
    "open": services.open_survey,
    "close": lambda survey_id: close_with_final_release(survey_id, actor=current_user),
    "archive": services.archive_survey,
}


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime-local value is read as UTC (the form says so)."""
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value is not None else None


_STATUS_LABELS = {"draft": _l("draft"), "pilot": _l("pilot"), "validated": _l("validated")}


def _version_choices() -> list[SelectChoice]:
    """Every published version, newest first within each instrument, with its status."""
    return [
        SelectChoice(
            str(v.id),
            _(
                "%(title)s (%(key)s) version %(version)s, %(status)s, published %(date)s",
                title=v.instrument.title,
                key=v.instrument.key,
                version=v.version,
                status=_STATUS_LABELS[document_of(v).metadata.status],
                date=f"{v.created_at:%Y-%m-%d}",
            ),
        )
        for v in all_versions()
    ]


def _settings(form: SurveySettingsForm) -> dict[str, Any]:
    """The service arguments from a validated settings form."""
    return {
        "title": form.title.data or "",
        "team_paths": parse_team_paths(form.teams.data),
        "levels": parse_levels(form.levels.data),
        "leading_levels": parse_leading_levels(form.leading_levels.data),
        "mixed_item_order": bool(form.mixed_item_order.data),
        "opens_at": _utc(form.opens_at.data),
        "closes_at": _utc(form.closes_at.data),
        "k_scores": form.k_scores.data,
        "k_comments": form.k_comments.data,
        "results_expected_on": form.results_expected_on.data,
    }


def _audit_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": settings["title"],
        "teams": settings["team_paths"],
        "levels": [key for key, _ in settings["levels"]],
        "leading_levels": settings["leading_levels"],
        "mixed_item_order": settings["mixed_item_order"],
        "opens_at": settings["opens_at"].isoformat() if settings["opens_at"] else None,
        "closes_at": settings["closes_at"].isoformat() if settings["closes_at"] else None,
        "k_scores": settings["k_scores"],
        "k_comments": settings["k_comments"],
        "results_expected_on": (
            settings["results_expected_on"].isoformat() if settings["results_expected_on"] else None
        ),
    }


def _refused(form: Any, error: DomainError) -> None:
    """Show a service's refusal at the top of the form; nothing it flushed is kept."""
    Session.rollback()
    form.form_errors.append(error.message)


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> str:
    return render_template("admin/surveys/index.html", surveys=list_surveys())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create() -> Response | str | tuple[str, int]:
    form = CreateSurveyForm()
    form.version_id.choices = _version_choices()
    if any(document_of(v).metadata.status == "draft" for v in all_versions()):
        # Said before the choice is made, and again after a survey is created on a draft.
        form.version_id.description = " ".join(
            (
                str(form.version_id.description),
                _(
                    "A draft version is still being written and has not been tried out: "
                    "choose it for a trial run only."
                ),
            )
        )
    if form.validate_on_submit():
        version = get_or_404(InstrumentVersion, form.version_id.data)
        settings = _settings(form)
        try:
            survey = services.create_survey(
                instrument_key=version.instrument.key, version=version.version, **settings
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            record_event(
                current_user,
                "survey.create",
                "survey",
                survey.id,
                instrument=version.instrument.key,
                version=version.version,
                **_audit_settings(settings),
            )
            Session.commit()
            flash(_("Survey “%(title)s” created as a draft.", title=survey.title), "info")
            if document_of(version).metadata.status == "draft":
                flash(
                    _(
                        "Its instrument version is a draft: the items are still being written "
                        "and have not been tried out. Use this survey for a trial run only, "
                        "or choose a pilot or validated version."
                    ),
                    "warning",
                )
            return redirect(url_for(".show", survey_id=survey.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/surveys/new.html", form=form, team_paths=team_paths()), status


@bp.route("/<int:survey_id>")
@role_required(Role.ADMIN)
def show(survey_id: int) -> str:
    return _survey_page(services.get_survey(survey_id))


def _survey_page(
    survey: Survey,
    *,
    state_form: StateForm | None = None,
    links_form: LinksForm | None = None,
    participants_form: ParticipantsForm | None = None,
    row_errors: list[RowError] | None = None,
    pilot_form: PilotForm | None = None,
) -> str:
    organisation = response_rates_of(survey)[None]
    next_action = NEXT_ACTION.get(survey.state)
    state_form = state_form or StateForm(formdata=None)
    if next_action is not None:
        state_form.confirm.label.text = str(next_action.confirm)
    return render_template(
        "admin/surveys/show.html",
        survey=survey,
        invited=organisation.invited,
        responded=organisation.responded.label,
        next_action=next_action,
        state_form=state_form,
        links_form=links_form or LinksForm(formdata=None),
        participants_form=participants_form or ParticipantsForm(formdata=None),
        row_errors=(row_errors or [])[:MAX_REPORTED_ROWS],
        more_errors=max(0, len(row_errors or []) - MAX_REPORTED_ROWS),
        takes_participants=survey.state in (SurveyState.DRAFT.value, SurveyState.OPEN.value),
        outbox=outbox_counts(survey.id),
        links_file_warning=_(services.LINKS_FILE_WARNING),
        ballots=box_state(survey),
        import_job=imports.latest_import(survey.id),
        pilot_form=pilot_form or PilotForm(formdata=None, kind="pilot" if survey.pilot else "wave"),
        heartbeat=latest_heartbeat(),
        link_base=current_app.config["PUBLIC_BASE_URL"],
        link_base_differs=link_base_differs(
            current_app.config["PUBLIC_BASE_URL"], request.host_url
        ),
    )


@bp.post("/<int:survey_id>/pilot")
@role_required(Role.ADMIN)
def pilot(survey_id: int) -> Response | tuple[str, int]:
    """Mark the survey as a pilot or as a wave, in any state."""
    survey = services.get_survey(survey_id)
    form = PilotForm()
    if not form.validate():
        return _survey_page(survey, pilot_form=form), 400
    services.set_pilot(survey.id, form.kind.data == "pilot")
    record_event(current_user, "survey.pilot", "survey", survey.id, pilot=survey.pilot)
    Session.commit()
    flash(
        _("This survey is a pilot: trends and changes leave it out.")
        if survey.pilot
        else _("This survey is a wave: trends and changes include it."),
        "info",
    )
    return redirect(url_for(".show", survey_id=survey.id))


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(survey_id: int) -> Response | str | tuple[str, int]:
    survey = services.get_survey(survey_id)
    if survey.state != SurveyState.DRAFT.value:
        raise Conflict(
            _(
                "Survey %(id)s is %(state)s; only a draft's settings change.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )
    form = SurveySettingsForm()
    if not form.is_submitted():
        form.title.data = survey.title
        form.teams.data = "\n".join(t.path for t in survey.teams)
        form.levels.data = levels_text((lv.key, lv.label) for lv in survey.levels)
        form.leading_levels.data = leading_levels_text(survey.levels)
        form.mixed_item_order.data = survey.mixed_item_order
        form.opens_at.data = _naive(survey.opens_at)
        form.closes_at.data = _naive(survey.closes_at)
        form.k_scores.data = survey.k_scores
        form.k_comments.data = survey.k_comments
        form.results_expected_on.data = survey.results_expected_on
    elif form.validate():
        settings = _settings(form)
        try:
            services.update_draft_survey(survey.id, **settings)
        except DomainError as exc:
            _refused(form, exc)
        else:
            record_event(
                current_user, "survey.update", "survey", survey.id, **_audit_settings(settings)
            )
            Session.commit()
            flash(_("The settings are saved."), "info")
            return redirect(url_for(".show", survey_id=survey.id))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "admin/surveys/edit.html", survey=survey, form=form, team_paths=team_paths()
    )
    return page, status


@bp.route("/<int:survey_id>/open", methods=["POST"], endpoint="open")
@role_required(Role.ADMIN)
def open_view(survey_id: int) -> Response | tuple[str, int]:
    return _change_state(survey_id, "open")


@bp.route("/<int:survey_id>/close", methods=["POST"], endpoint="close")
@role_required(Role.ADMIN)
def close_view(survey_id: int) -> Response | tuple[str, int]:
    return _change_state(survey_id, "close")


@bp.route("/<int:survey_id>/archive", methods=["POST"], endpoint="archive")
@role_required(Role.ADMIN)
def archive_view(survey_id: int) -> Response | tuple[str, int]:
    return _change_state(survey_id, "archive")


def _change_state(survey_id: int, action: str) -> Response | tuple[str, int]:
    """Open, close or archive once the box is ticked; a survey in another state gets the
    409 page (from the service's Conflict)."""
    survey = services.get_survey(survey_id)
    form = StateForm()
    if not form.validate_on_submit():
        return _survey_page(survey, state_form=form), 400
    before = survey.state
    STATE_SERVICES[action](survey.id)
    record_event(current_user, f"survey.{action}", "survey", survey.id, previous_state=before)
    Session.commit()
    if action == "close":
        # Apart from the final release's transaction, which opened the last ballots.
        services.purge_contacts(survey.id)
        Session.commit()
        compact_storage(Session.get_bind())
    flash(str(NEXT_ACTION[before].done), "info")
    return redirect(url_for(".show", survey_id=survey.id))


@bp.route("/<int:survey_id>/participants", methods=["POST"])
@csrf.exempt  # the form checks its token itself, after the larger upload limit is set
@role_required(Role.ADMIN)
def upload_participants(survey_id: int) -> Response | tuple[str, int]:
    request.max_content_length = UPLOAD_LIMIT
    survey = services.get_survey(survey_id)
    form = ParticipantsForm()
    if not form.validate_on_submit():
        return _survey_page(survey, participants_form=form), 400
    upload = form.file.data
    imports.refuse_while_importing(survey.id)
    size = upload.stream.seek(0, io.SEEK_END)
    upload.stream.seek(0)
    if size > current_app.config["PARTICIPANTS_QUEUE_BYTES"]:
        return _queue_participants(survey, upload.stream.read(), upload.filename or "", size)
    try:
        report = services.import_participants(survey.id, upload.stream)
    except services.ParticipantsInvalid as exc:
        Session.rollback()
        return _survey_page(survey, participants_form=form, row_errors=exc.errors), 400
    record_event(
        current_user,
        "participants.import",
        "survey",
        survey.id,
        filename=upload.filename,
        invited=report.invited,
        skipped=len(report.skipped),
        teams_created=report.teams_created,
    )
    Session.commit()
    said = [
        ngettext("Invited %(num)s participant.", "Invited %(num)s participants.", report.invited)
    ]
    if report.teams_created:
        said.append(_("New teams: %(teams)s.", teams=", ".join(report.teams_created)))
    if report.skipped:
        said.append(report.skipped_summary())
    flash(" ".join(said), "info")
    return redirect(url_for(".show", survey_id=survey.id))


def _queue_participants(survey: Survey, content: bytes, filename: str, size: int) -> Response:
    """A file too large for the request goes to the worker; the survey's page shows how
    far it has got."""
    imports.queue_import(survey.id, content, filename, current_user)
    record_event(
        current_user, "participants.queue", "survey", survey.id, filename=filename, size=size
    )
    Session.commit()
    flash(
        _(
            "The file is queued (%(size)s bytes): the worker checks and imports it, all rows "
            "or none. This page shows its progress.",
            size=format_decimal(size),
        ),
        "info",
    )
    return redirect(url_for(".show", survey_id=survey.id, _anchor="participants-import"))


EMAIL_QUEUES = {"invitations": queue_invitations, "reminders": queue_reminders}
# Said after the send buttons (singular, plural), translated when flashed.
QUEUED_MESSAGE = {
    "invitations": (
        "Invitations are queued for the %(count)s person who had none (anyone who has "
        "answered gets none); the worker sends them.",
        "Invitations are queued for the %(count)s people who had none (anyone who has "
        "answered gets none); the worker sends them.",
    ),
    "reminders": (
        "Reminders are queued for those of the %(count)s person who have not answered "
        "and are below the reminder limit; the worker sends them.",
        "Reminders are queued for those of the %(count)s people who have not answered "
        "and are below the reminder limit; the worker sends them.",
    ),
}


@bp.route("/<int:survey_id>/email/<kind>", methods=["POST"])
@role_required(Role.ADMIN)
def queue_email(survey_id: int, kind: str) -> Response | tuple[str, int]:
    """Queue invitation or reminder emails once the admin has confirmed on the page that
    states how many people get them (app.admin.emails.confirm); the outbox worker sends
    them. A survey that cannot take them (not open, closed) gets the reason as a message."""
    queue = EMAIL_QUEUES.get(kind)
    if queue is None:
        raise NotFound(_("Emails are invitations or reminders."))
    survey = services.get_survey(survey_id)
    if survey.state != SurveyState.OPEN.value:
        said = {"id": survey.id, "state": state_name(survey.state)}
        flash(
            _("Survey %(id)s is %(state)s; invitations go out only while it is open.", **said)
            if kind == "invitations"
            else _("Survey %(id)s is %(state)s; reminders go out only while it is open.", **said),
            "error",
        )
        return _survey_page(survey), 400
    # Sent only from the page that said how many people get it, while that still holds.
    form = SendConfirmForm()
    if not form.validate_on_submit():
        return confirm_page(survey, kind, form), 400
    if form.expected.data != people_to_email(survey, kind):
        form.form_errors.append(
            _(
                "The number of people changed since the page asked (%(asked)s): "
                "check the number below and confirm again.",
                asked=form.expected.data,
            )
        )
        return confirm_page(survey, kind, form), 409
    try:
        queue(survey.id)
    except DomainError as exc:
        Session.rollback()
        flash(exc.message, "error")
        return _survey_page(survey), 400
    # Neither the audit log nor the message says how many were queued: those who have
    # answered get none, so the number would tell how many have (app.outbox.services).
    considered = form.expected.data or 0
    record_event(current_user, f"email.queue_{kind}", "survey", survey.id, considered=considered)
    Session.commit()
    singular, plural = QUEUED_MESSAGE[kind]
    flash(ngettext(singular, plural, considered, count=format_decimal(considered)), "info")
    return redirect(url_for(".show", survey_id=survey.id))


@bp.route("/<int:survey_id>/email/link", methods=["POST"], endpoint="new_link")
@role_required(Role.ADMIN)
def queue_new_link_view(survey_id: int) -> Response | tuple[str, int]:
    """Email one person a new link, to their own address: staff never see it. The message
    says the same whether or not the person has answered."""
    survey = services.get_survey(survey_id)
    form = NewLinkForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return _survey_page(survey), 400
    email = (form.email.data or "").strip()
    try:
        queue_new_link(survey.id, email)
    except DomainError as exc:
        Session.rollback()
        flash(exc.message, "error")
        return _survey_page(survey), 400
    record_event(current_user, "email.queue_link", "survey", survey.id)
    Session.commit()
    flash(
        _(
            "Unless they have answered already, a new link is on its way to %(email)s; "
            "the outbox worker sends it.",
            email=email,
        ),
        "info",
    )
    return redirect(url_for(".show", survey_id=survey.id))


@bp.route("/<int:survey_id>/links", methods=["POST"])
@role_required(Role.ADMIN)
def download_links(survey_id: int) -> Response | tuple[str, int]:
    """email,link for everyone invited to a draft survey, once the admin has ticked the
    box under the warning (services.LINKS_FILE_WARNING); refused (409) once the survey has
    opened. Every download is audit-logged. The new tokens replace the old ones and are
    committed before the file is sent: the file never holds a token that was rolled back."""
    survey = services.get_survey(survey_id)
    services.check_links_file_allowed(survey)
    form = LinksForm()
    if not form.validate_on_submit():
        return _survey_page(survey, links_form=form), 400
    links = services.issue_links(survey.id)
    record_event(current_user, "links.download", "survey", survey.id, links=len(links))
    Session.commit()
    base = current_app.config["PUBLIC_BASE_URL"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "link"])
    writer.writerows((email, survey_link(base, token)) for email, token in links)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="survey-{survey.id}-links.csv"',
            "Cache-Control": "no-store",
        },
    )
