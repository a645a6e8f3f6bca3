"""Forms of the action plan pages. The rules (one to three focus areas of the survey's
version, an active owner, a status of the list) are checked by app.plans.services, one rule
and one message whatever the caller; the forms only parse."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
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
from app.plans.models import MAX_ACTION_TEXT, MAX_FOCUS_AREAS, STATUS_LABELS, ActionStatus


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as a select's choices (a label may be a lazy translation)."""
    return [SelectChoice(value, label) for value, label in pairs]


# Lazy: the labels are read in the language of the request that renders the form.
STATUS_CHOICES = choices((status.value, _l(STATUS_LABELS[status])) for status in ActionStatus)


class PlanForm(SafeForm):
    focus = SelectMultipleField(
        _l("Focus areas"),
        description=_l(
            "One to %(most)s dimensions of the survey the team will work on "
            "(hold Ctrl or Cmd to choose several).",
            most=MAX_FOCUS_AREAS,
        ),
        validate_choice=False,
    )


class ActionForm(SafeForm):
    text = StringField(
        _l("Action"),
        description=_l(
            "What will be done, in a sentence (at most %(most)s characters).", most=MAX_ACTION_TEXT
        ),
    )
    owner = SelectField(_l("Owner"), coerce=str, validate_choice=False)
    due_on = DateField(_l("Due on"), validators=[Optional()], description=_l("YYYY-MM-DD."))
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validate_choice=False)
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})


class StatusForm(SafeForm):
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validate_choice=False)


class PlanFilterForm(SafeQueryForm):
    survey = SelectField(_l("Survey"), coerce=str, validate_choice=False)
    team = SelectField(_l("Team"), coerce=str, validate_choice=False)
    status = SelectField(_l("Action status"), coerce=str, validate_choice=False)


class StartForm(SafeQueryForm):
    """Choose the survey and team of a new plan (GET to /plans/new)."""

    survey = SelectField(_l("Survey (a wave with a release)"), coerce=str, validate_choice=False)
    team = SelectField(_l("Team"), coerce=str, validate_choice=False)
