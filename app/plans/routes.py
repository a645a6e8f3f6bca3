"""Action plan pages for HR, admins and (scoped) managers: the list with its filters and
exports, a plan's page ("did it work?" beside each focus area, its actions), creating a
plan from a team view (/plans/new?survey=<id>&team=<team_id>), editing its focus areas,
adding and editing actions, changing an action's status.

A manager sees and changes the plans of the teams of their subtrees only (403 otherwise,
nothing stored). Every change is audited by the services; exports are audited here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from app.audit.services import record_event
from app.auth.decorators import role_required
from app.db import Session, begin_write_transaction
from app.errors import DomainError, NotFound
from app.forms_base import MAX_URL_NUMBER
from app.instruments.queries import document_of
from app.plans import services
from app.plans.exports import EXPORT_TYPES, export_body, plans_table
from app.plans.forms import (
    ActionForm,
    PlanFilterForm,
    PlanForm,
    StartForm,
    StatusForm,
    choices,
)
from app.plans.models import ActionPlan, ActionStatus, PlanAction
from app.plans.outcomes import plan_checks
from app.plans.queries import (
    PLANNERS,
    action_of,
    check_team_in_scope,
    earlier_plans,
    owner_choices,
    plan_in_scope,
    plan_surveys,
    plan_teams,
    plannable_teams,
    plans_for_team,
    surveys_with_release,
    visible_plans,
)
from app.plans.reminders import reminder_days
from app.reports import formatting
from app.surveys.models import Survey

bp = Blueprint("plans", __name__, url_prefix="/plans")
formatting.register(bp)


def _language(survey: Survey) -> str:
    """The language of the survey's instrument texts for this reader: the interface's where
    the instrument has it, else the instrument's default."""
    return document_of(survey.instrument_version).resolve_language(str(get_locale() or "en"))


Page = str | tuple[str, int]


def _int_arg(name: str) -> int | None:
    """A query argument's whole number, or None for anything else."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_URL_NUMBER)):
        return None
    number = int(raw)
    return number if number <= MAX_URL_NUMBER else None


def _int_value(raw: object) -> int | None:
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_URL_NUMBER)):
        return None
    return int(text) if int(text) <= MAX_URL_NUMBER else None


def _refused(form: Any, error: DomainError) -> None:
    """Show a service's refusal on its field (or at the top); nothing it flushed is kept."""
    Session.rollback()
    field = getattr(error, "field", None)
    if field is not None and field in form:
        form[field].errors = [*form[field].errors, error.message]
    else:
        form.form_errors.append(error.message)


def _status_filter() -> str | None:
    raw = request.args.get("status", "")
    return raw if raw in {s.value for s in ActionStatus} else None


def _filters() -> dict[str, Any]:
    """The list's filters; a team outside the reader's scope is 403, as its plans are."""
    team_id = _int_arg("team")
    if team_id is not None:
        check_team_in_scope(current_user, team_id)
    return {"survey_id": _int_arg("survey"), "team_id": team_id, "status": _status_filter()}


@bp.route("/")
@role_required(*PLANNERS)
def index() -> str:
    """The plans the reader may see, filtered by survey, team and action status."""
    filters = _filters()
    form = PlanFilterForm(request.args)
    form.survey.choices = choices(
        [("", _("All surveys"))] + [(str(s.id), s.title) for s in plan_surveys(current_user)]
    )
    form.team.choices = choices(
        [("", _("All teams"))] + [(str(t.id), t.path) for t in plan_teams(current_user)]
    )
    form.status.choices = choices(
        [("", _("Any status"))] + [(s.value, s.label) for s in ActionStatus]
    )
    plans = visible_plans(current_user, **filters)
    return render_template(
        "plans/index.html",
        plans=plans,
        form=form,
        filters={k: v for k, v in request.args.items() if k in ("survey", "team", "status")},
        labels=_focus_labels(plans),
    )


def _focus_labels(plans: list[ActionPlan]) -> dict[tuple[int, str], str]:
    """Each plan's focus areas as its survey's version names them."""
    labels = {}
    for plan in plans:
        document = document_of(plan.survey.instrument_version)
        language = document.resolve_language(str(get_locale() or "en"))
        names = {d.key: document.text(d.label, language) for d in document.dimensions}
        for key in plan.focus_keys:
            labels[(plan.id, key)] = names.get(key, key)
    return labels


@bp.route("/export.<fmt>")
@role_required(*PLANNERS)
def export(fmt: str) -> Response:
    """The visible plans (with the list's filters), one row per action, as CSV or XLSX."""
    if fmt not in EXPORT_TYPES:
        raise NotFound(_("Exports are available as .csv and .xlsx."))
    filters = _filters()
    plans = visible_plans(current_user, **filters)
    table = plans_table(plans, _focus_labels(plans))
    begin_write_transaction()
    record_event(
        current_user,
        "plan.export",
        "action_plan",
        None,
        format=fmt,
        plans=len(plans),
        **{k: v for k, v in filters.items() if v is not None},
    )
    Session.commit()
    stamp = dt.date.today().isoformat()
    return Response(
        export_body(table, fmt, stamp),
        mimetype=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="mutuality-plans-{stamp}.{fmt}"'},
    )


def _dimension_choices(survey: Survey) -> list[SelectChoice]:
    document = document_of(survey.instrument_version)
    language = _language(survey)
    return choices((d.key, document.text(d.label, language)) for d in document.dimensions)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*PLANNERS)
def create() -> BaseResponse | Page:
    """A new plan for `?survey=<id>&team=<team_id>` (the team view links here); without
    both, a first step that chooses them."""
    survey_id, team_id = _int_arg("survey"), _int_arg("team")
    if survey_id is None or team_id is None:
        return _start_page(survey_id)
    survey = Session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(_("No survey with id %(id)s.", id=survey_id))
    check_team_in_scope(current_user, team_id)
    team = next((t for t in plannable_teams(current_user, survey) if t.id == team_id), None)
    if team is None:
        raise NotFound(
            _(
                "Team %(team)s is not part of the survey '%(survey)s'.",
                team=team_id,
                survey=survey.title,
            )
        )
    form = PlanForm()
    form.focus.choices = _dimension_choices(survey)
    if form.validate_on_submit():
        try:
            plan = services.create_plan(current_user, survey.id, team.id, form.focus.data or [])
        except DomainError as exc:
            if exc.status != 400:
                raise
            _refused(form, exc)
        else:
            Session.commit()
            flash(
                _("Created the plan for %(team)s. Add its actions below.", team=team.path), "info"
            )
            return redirect(url_for(".show", plan_id=plan.id))
    status = 400 if form.is_submitted() else 200
    page = render_template("plans/new.html", form=form, survey=survey, team=team)
    return page, status


def _start_page(survey_id: int | None) -> str:
    form = StartForm(request.args)
    surveys = surveys_with_release()
    form.survey.choices = choices((str(s.id), s.title) for s in surveys)
    chosen = next((s for s in surveys if s.id == survey_id), surveys[0] if surveys else None)
    teams = plannable_teams(current_user, chosen) if chosen is not None else []
    form.team.choices = choices((str(t.id), t.path) for t in teams)
    if chosen is not None:
        form.survey.data = str(chosen.id)
    return render_template("plans/start.html", form=form, surveys=surveys, chosen=chosen)


def _plan_page(
    plan: ActionPlan,
    *,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    document = document_of(plan.survey.instrument_version)
    language = document.resolve_language(str(get_locale() or "en"))
    names = {d.key: document.text(d.label, language) for d in document.dimensions}
    form = action_form or ActionForm(formdata=None, status=ActionStatus.PLANNED.value)
    _owner_choices(form, plan, None)
    page = render_template(
        "plans/plan.html",
        plan=plan,
        names=names,
        checks=plan_checks(plan, language),
        reminder_days=reminder_days(),
        action_form=form,
        status_forms={
            a.id: StatusForm(formdata=None, prefix=f"a{a.id}", status=a.status)
            for a in plan.actions
        },
    )
    return page, status


def _owner_choices(form: ActionForm, plan: ActionPlan, action: PlanAction | None) -> None:
    owners = owner_choices(plan.team, action.owner if action is not None else None)
    form.owner.choices = choices(
        [("", _("Choose an owner"))]
        + [
            (str(u.id), u.email if u.is_active else _("%(email)s (inactive)", email=u.email))
            for u in owners
        ]
    )


@bp.route("/<int:plan_id>")
@role_required(*PLANNERS)
def show(plan_id: int) -> Page:
    return _plan_page(plan_in_scope(current_user, plan_id))


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit(plan_id: int) -> BaseResponse | Page:
    """Change the plan's focus areas."""
    plan = plan_in_scope(current_user, plan_id)
    form = PlanForm()
    form.focus.choices = _dimension_choices(plan.survey)
    if not form.is_submitted():
        form.focus.data = plan.focus_keys
    elif form.validate():
        try:
            services.update_focus(current_user, plan, form.focus.data or [])
        except DomainError as exc:
            if exc.status != 400:
                raise
            _refused(form, exc)
        else:
            Session.commit()
            flash(_("Saved the plan's focus areas."), "info")
            return redirect(url_for(".show", plan_id=plan.id))
    status = 400 if form.is_submitted() else 200
    page = render_template("plans/edit.html", form=form, plan=plan)
    return page, status


def _action_values(form: ActionForm) -> dict[str, Any]:
    return {
        "text": form.text.data or "",
        "owner_id": _int_value(form.owner.data),
        "due_on": form.due_on.data,
        "status": form.status.data or "",
        "notes": form.notes.data,
    }


@bp.route("/<int:plan_id>/actions", methods=["POST"])
@role_required(*PLANNERS)
def add_action(plan_id: int) -> BaseResponse | Page:
    plan = plan_in_scope(current_user, plan_id)
    form = ActionForm()
    if form.validate():
        try:
            services.add_action(current_user, plan, **_action_values(form))
        except DomainError as exc:
            if exc.status != 400:
                raise
            _refused(form, exc)
        else:
            Session.commit()
            flash(_("Added the action."), "info")
            return redirect(url_for(".show", plan_id=plan.id, _anchor="actions"))
    return _plan_page(plan, action_form=form, status=400)


@bp.route("/<int:plan_id>/actions/<int:action_id>", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit_action(plan_id: int, action_id: int) -> BaseResponse | Page:
    plan = plan_in_scope(current_user, plan_id)
    action = action_of(plan, action_id)
    form = ActionForm()
    _owner_choices(form, plan, action)
    if not form.is_submitted():
        form.text.data = action.text
        form.owner.data = str(action.owner_id)
        form.due_on.data = action.due_on
        form.status.data = action.status
        form.notes.data = action.notes
    elif form.validate():
        try:
            services.update_action(current_user, action, **_action_values(form))
        except DomainError as exc:
            if exc.status != 400:
                raise
            _refused(form, exc)
        else:
            Session.commit()
            flash(_("Saved the action."), "info")
            return redirect(url_for(".show", plan_id=plan.id, _anchor="actions"))
    status = 400 if form.is_submitted() else 200
    page = render_template("plans/action.html", form=form, plan=plan, action=action)
    return page, status


@bp.route("/<int:plan_id>/actions/<int:action_id>/status", methods=["POST"])
@role_required(*PLANNERS)
def set_status(plan_id: int, action_id: int) -> BaseResponse | Page:
    plan = plan_in_scope(current_user, plan_id)
    action = action_of(plan, action_id)
    form = StatusForm(prefix=f"a{action.id}")
    if form.validate():
        try:
            services.set_action_status(current_user, action, form.status.data or "")
        except DomainError as exc:
            if exc.status != 400:
                raise
            Session.rollback()
            flash(exc.message, "error")
            return _plan_page(plan, status=400)
        Session.commit()
        flash(_("The action is now %(status)s.", status=action.status_label.lower()), "info")
        return redirect(url_for(".show", plan_id=plan.id, _anchor="actions"))
    flash(_("The status could not be read; please try again."), "error")
    return _plan_page(plan, status=400)


@bp.app_context_processor
def team_view_plans() -> dict[str, Any]:
    """The team view (app/templates/reports/team.html) lists the team's plans: the reports
    sit below this package and never import it, so the page asks through this global."""
    return {"team_plans": plans_for_team, "earlier_team_plans": earlier_plans}
