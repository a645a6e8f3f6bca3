"""Report pages for HR, admins and (scoped) managers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.reports.privacy import disclose_response_rates, footnote
from app.reports.queries import invitation_counts, survey_team_tree
from app.surveys.queries import list_surveys
from app.surveys.services import get_survey

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/")
@role_required(Role.ADMIN, Role.HR, Role.MANAGER)
def index() -> str:
    return render_template("reports/index.html", surveys=list_surveys())


@bp.route("/surveys/<int:survey_id>/response-rates")
@role_required(Role.ADMIN, Role.HR)
def response_rates(survey_id: int) -> str:
    survey = get_survey(survey_id)
    tree = survey_team_tree(survey)
    invited, responded = invitation_counts(survey.id)
    rates = disclose_response_rates(tree.parents, invited, responded, survey.k_scores)
    rows = sorted(
        ((team_id, rate) for team_id, rate in rates.items() if team_id is not None),
        key=lambda row: tree.paths[row[0]],
    )
    record_event(current_user, "report.view", "survey", survey.id, page="response-rates")
    Session.commit()
    return render_template(
        "reports/response_rates.html",
        survey=survey,
        rows=rows,
        organisation=rates[None],
        tree=tree,
        hidden_label=footnote(survey.k_scores),
    )
