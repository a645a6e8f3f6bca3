"""The audit log (admin only): who did what to which object, and when; filterable.

Filters come from the query string (GET, no CSRF token needed). A filter that matches
nothing, a malformed date included, gives an empty page rather than an error.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from app.audit.labels import action_label, object_type_label
from app.audit.models import AuditEvent
from app.audit.queries import (
    PER_PAGE,
    AuditFilters,
    AuditPage,
    audit_actions,
    audit_events,
    audit_object_types,
)
from app.auth.decorators import role_required
from app.auth.models import Role
from app.forms_base import SafeQueryForm

bp = Blueprint("admin_audit", __name__, url_prefix="/admin/audit")

FILTER_NAMES = ("actor", "action", "object_type", "since", "until")


class AuditFilterForm(SafeQueryForm):
    actor = StringField(
        _l("Actor"), validators=[Optional(), Length(max=254)], description=_l("Part of an email.")
    )
    action = SelectField(_l("Action"), validate_choice=False)
    object_type = SelectField(_l("Object type"), validate_choice=False)
    since = DateField(_l("From (UTC)"), validators=[Optional()])
    until = DateField(_l("To (UTC)"), validators=[Optional()])


def detail_text(detail: dict[str, Any] | None) -> str:
    """An event's detail as one line of text: key=value, values as JSON."""
    return "; ".join(
        f"{key}={json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)}"
        for key, value in sorted((detail or {}).items())
    )


def _page_number() -> int:
    raw = request.args.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 1


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> str:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(a, _labelled(a, action_label(a))) for a in audit_actions()
    ]
    form.object_type.choices = [SelectChoice("", _("All object types"))] + [
        SelectChoice(t, _labelled(t, object_type_label(t))) for t in audit_object_types()
    ]
    page_number = _page_number()
    if form.validate():
        page = audit_events(
            AuditFilters(
                actor=form.actor.data or "",
                action=form.action.data or "",
                object_type=form.object_type.data or "",
                since=form.since.data,
                until=form.until.data,
            ),
            page_number,
        )
    else:  # a malformed filter matches nothing
        page = AuditPage(events=[], total=0, page=page_number, per_page=PER_PAGE)
    filters = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    return render_template(
        "admin/audit/index.html",
        form=form,
        page=page,
        rows=[_row(event) for event in page.events],
        filters=filters,
    )


def _labelled(key: str, label: str | None) -> str:
    """A filter's option: the words and the stored key they stand for."""
    return key if label is None or label == key else f"{label} ({key})"


def _row(event: AuditEvent) -> dict[str, Any]:
    object_type = object_type_label(event.object_type)
    return {
        "event": event,
        "actor": event.actor.email if event.actor is not None else _("(no account)"),
        "action_label": action_label(event.action),
        "object": f"{object_type} {event.object_id}" if event.object_id else object_type,
        "detail": detail_text(event.detail),
    }
