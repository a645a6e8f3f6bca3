"""Forms of the action plan pages. The rules (one to three focus areas of the survey's
version, an active owner, a status of the list) are checked by app.plans.services, one rule
and one message whatever the caller; the forms only parse."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from app.forms_base import SafeForm, SafeQueryForm
from app.plans.models import MAX_ACTION_TEXT, MAX_FOCUS_AREAS, ActionStatus


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as a select's choices."""
    return [SelectChoice(value, label) for value, label in pairs]


STATUS_CHOICES = choices((status.value, status.label) for status in ActionStatus)


class PlanForm(SafeForm):
    focus = SelectMultipleField(
        "Focus areas",
        description=(
            f"One to {MAX_FOCUS_AREAS} dimensions of the survey the team will work on "
            "(hold Ctrl or Cmd to choose several)."
        ),
        validate_choice=False,
    )


class ActionForm(SafeForm):
    text = StringField(
        "Action",
        description=f"What will be done, in a sentence (at most {MAX_ACTION_TEXT} characters).",
    )
    owner = SelectField("Owner", coerce=str, validate_choice=False)
    due_on = DateField("Due on", validators=[Optional()], description="YYYY-MM-DD.")
    status = SelectField("Status", choices=STATUS_CHOICES, validate_choice=False)
    notes = TextAreaField("Notes", render_kw={"rows": 3})


class StatusForm(SafeForm):
    status = SelectField("Status", choices=STATUS_CHOICES, validate_choice=False)


class PlanFilterForm(SafeQueryForm):
    survey = SelectField("Survey", coerce=str, validate_choice=False)
    team = SelectField("Team", coerce=str, validate_choice=False)
    status = SelectField("Action status", coerce=str, validate_choice=False)


class StartForm(SafeQueryForm):
    """Choose the survey and team of a new plan (GET to /plans/new)."""

    survey = SelectField("Survey (a wave with a release)", coerce=str, validate_choice=False)
    team = SelectField("Team", coerce=str, validate_choice=False)
