"""The organisation's settings (admin only): its name and a contact, shown in every email.
Stored in the database (app.org.models.OrganisationProfile) so that an admin without
shell access sets them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.forms_email import OrganisationForm
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import DomainError
from app.org.queries import organisation_profile
from app.org.services import set_organisation_profile

bp = Blueprint("admin_settings", __name__, url_prefix="/admin/settings")


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation() -> Response | str | tuple[str, int]:
    profile = organisation_profile()
    form = OrganisationForm()
    if not form.is_submitted() and profile is not None:
        form.name.data, form.contact.data = profile.name, profile.contact
    elif form.validate_on_submit():
        try:
            saved = set_organisation_profile(form.name.data or "", form.contact.data or "")
        except DomainError as exc:
            Session.rollback()
            form.form_errors.append(exc.message)
        else:
            record_event(
                current_user,
                "settings.organisation",
                "organisation",
                saved.id,
                name=saved.name,
                contact=saved.contact,
            )
            Session.commit()
            flash(
                _("The organisation's name and contact are saved; every email shows them."),
                "info",
            )
            return redirect(url_for(".organisation"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/settings.html", form=form, profile=profile), status
