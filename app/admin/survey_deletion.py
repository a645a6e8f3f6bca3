"""Deleting a whole survey (admin only): a page that says what goes, and a form on which
the admin types the survey's exact title. The deletion is audited with the title and the
id only; afterwards the storage is compacted, as after a close, so that the deleted
addresses and tokens of a draft's participants leave the database files too."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.forms_deletion import DeleteSurveyForm
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import DomainError
from app.retention.queries import rows_referring_to
from app.retention.services import delete_survey
from app.surveys.models import Survey, SurveyState
from app.surveys.services import get_survey
from app.surveys.storage import compact_storage

bp = Blueprint("admin_survey_deletion", __name__, url_prefix="/admin/surveys")

# What each table referring to a survey holds, in the page's words (a table not named here
# is shown by its own name: a feature added later is still listed).
TABLE_WORDS = {
    "invitation": _l("invitations (with their links and emails)"),
    "response": _l("responses (with their answers and scores)"),
    "comment": _l("comments"),
    "ballot": _l("sealed ballots"),
    "release": _l("releases of the results"),
    "participant_import": _l("participants files"),
    "level": _l("levels"),
    "survey_team": _l("teams in scope (the teams themselves stay)"),
    "action_plan": _l("action plans"),
    "employee_summary": _l("results summaries shared with employees"),
    "scheduled_release": _l("scheduled releases"),
}


# Said without their number: how many answered, or commented, may be what a release
# withholds (fewer than k), and this page is no release.
UNCOUNTED = frozenset({"response", "comment", "ballot"})


def _page(survey: Survey, form: DeleteSurveyForm) -> str:
    counts = rows_referring_to(survey.id)
    derived = [
        (str(TABLE_WORDS.get(name, name.replace("_", " "))), None if name in UNCOUNTED else n)
        for name, n in counts.items()
    ]
    return render_template(
        "admin/surveys/delete.html",
        survey=survey,
        form=form,
        derived=sorted(derived, key=lambda pair: pair[0]),
        is_open=survey.state == SurveyState.OPEN.value,
    )


@bp.route("/<int:survey_id>/delete", methods=["GET", "POST"], endpoint="delete")
@role_required(Role.ADMIN)
def delete(survey_id: int) -> Response | str | tuple[str, int]:
    survey = get_survey(survey_id)
    form = DeleteSurveyForm()
    if not form.validate_on_submit():
        return _page(survey, form), 400 if form.is_submitted() else 200
    title, ident = survey.title, survey.id
    try:
        delete_survey(ident, form.title.data or "")
    except DomainError as exc:
        Session.rollback()
        form.title.errors = [exc.message]
        return _page(get_survey(ident), form), exc.status
    record_event(current_user, "survey.delete", "survey", ident, title=title)
    Session.commit()
    compact_storage(Session.get_bind())
    flash(
        _("The survey “%(title)s” and everything derived from it are deleted.", title=title), "info"
    )
    return redirect(url_for("admin_surveys.index"))
