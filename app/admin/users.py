"""Staff accounts (admin only): create, set role and team scopes, reset a password,
deactivate and reactivate. Passwords are never shown, logged nor written to the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.forms_surveys import parse_team_paths
from app.admin.forms_users import (
    ActivationForm,
    CreateUserForm,
    EditUserForm,
    PasswordResetForm,
)
from app.audit.services import record_event
from app.auth import password_links as invitation_links
from app.auth import services
from app.auth.decorators import role_required
from app.auth.models import Role, StaffUser
from app.auth.password_links import LinkLifetimes, invite_staff_user
from app.auth.queries import staff_users
from app.auth.sessions import sign_in
from app.db import Session, get_or_404
from app.errors import DomainError
from app.org.queries import team_paths
from app.security import sign_in_throttle

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")

OBJECT_TYPE = "staff_user"


def _refused(form: Any, error: DomainError) -> None:
    """Show a service's refusal at the top of the form; nothing it flushed is kept."""
    Session.rollback()
    form.form_errors.append(error.message)


def _role_name(role: str) -> str:
    """The role's name in the page's language (the words of the header's role_name)."""
    names: dict[str, str] = {
        Role.ADMIN.value: _("admin"),
        Role.HR.value: _("HR"),
        Role.MANAGER.value: _("manager"),
    }
    return names.get(role, role)


def _scopes(user: StaffUser) -> list[str]:
    return sorted(t.path for t in user.team_scopes)


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> str:
    throttle = sign_in_throttle()
    users = staff_users()
    paused = {user.id for user in users if throttle.paused(user.email)}
    return render_template("admin/users/index.html", users=users, paused=paused)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create() -> Response | str | tuple[str, int]:
    form = CreateUserForm()
    if form.validate_on_submit():
        invite = not form.password.data
        try:
            if invite:
                user = invite_staff_user(
                    form.email.data or "",
                    form.role.data,
                    parse_team_paths(form.teams.data),
                    lifetimes=LinkLifetimes.from_config(current_app.config),
                )
            else:
                user = services.create_staff_user(
                    form.email.data or "",
                    form.password.data or "",
                    form.role.data,
                    parse_team_paths(form.teams.data),
                )
        except DomainError as exc:
            _refused(form, exc)
        else:
            record_event(
                current_user,
                "user.invite" if invite else "user.create",
                OBJECT_TYPE,
                user.id,
                email=user.email,
                role=user.role,
                teams=_scopes(user),
            )
            Session.commit()
            said = {"role": _role_name(user.role), "email": user.email}
            if invite:
                flash(
                    _(
                        "Created the %(role)s account %(email)s and emailed it a link to "
                        "set its password.",
                        **said,
                    ),
                    "info",
                )
            else:
                flash(_("Created the %(role)s account %(email)s.", **said), "info")
            return redirect(url_for(".index"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/users/new.html", form=form, team_paths=team_paths()), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(user_id: int) -> Response | str | tuple[str, int]:
    """The account's page: role and team scopes, and the links to the other actions."""
    user = get_or_404(StaffUser, user_id)
    form = EditUserForm()
    if not form.is_submitted():
        form.role.data = user.role
        form.teams.data = "\n".join(_scopes(user))
    elif form.validate():
        before = {"role": user.role, "teams": _scopes(user)}
        try:
            services.set_role_and_scopes(
                user.id, form.role.data, parse_team_paths(form.teams.data), actor_id=current_user.id
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            record_event(
                current_user,
                "user.update",
                OBJECT_TYPE,
                user.id,
                email=user.email,
                before=before,
                after={"role": user.role, "teams": _scopes(user)},
            )
            Session.commit()
            flash(_("Saved the role and teams of %(email)s.", email=user.email), "info")
            return redirect(url_for(".index"))
    return _user_page(user, form=form, status=400 if form.is_submitted() else 200)


def _user_page(
    user: StaffUser,
    *,
    form: EditUserForm | None = None,
    activation_form: ActivationForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    throttle = sign_in_throttle()
    page = render_template(
        "admin/users/edit.html",
        user=user,
        form=form or EditUserForm(formdata=None, role=user.role, teams="\n".join(_scopes(user))),
        activation_form=activation_form or ActivationForm(formdata=None),
        team_paths=team_paths(),
        pauses=throttle.paused(user.email),
        now=throttle.clock(),
    )
    return page, status


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reset_password(user_id: int) -> Response | str | tuple[str, int]:
    user = get_or_404(StaffUser, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user.id, form.password.data or "")
        except DomainError as exc:
            _refused(form, exc)
        else:
            # The lockout page sends people here: a new password lifts their sign-in pauses.
            lifted = sign_in_throttle().lift(user.email)
            record_event(
                current_user,
                "user.password_reset",
                OBJECT_TYPE,
                user.id,
                email=user.email,
                **({"lifted_pauses": lifted} if lifted else {}),
            )
            if user.id == current_user.id:
                sign_in(user)  # this browser carries on in a new session; the others ended
            Session.commit()
            flash(
                _(
                    "The password of %(email)s is changed; its open sessions are ended.",
                    email=user.email,
                ),
                "info",
            )
            return redirect(url_for(".edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/users/password.html", user=user, form=form), status


@bp.route("/<int:user_id>/resend-invitation", methods=["POST"])
@role_required(Role.ADMIN)
def resend_invitation(user_id: int) -> Response | tuple[str, int]:
    """Email a new set-password link to an account that has no password yet; the earlier
    link stops working."""
    user = get_or_404(StaffUser, user_id)
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            invitation_links.resend_invitation(
                user.id, lifetimes=LinkLifetimes.from_config(current_app.config)
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            record_event(current_user, "user.invite_again", OBJECT_TYPE, user.id, email=user.email)
            Session.commit()
            flash(_("Emailed %(email)s a new link to set its password.", email=user.email), "info")
            return redirect(url_for(".edit", user_id=user.id))
    return _user_page(user, activation_form=form, status=400)


@bp.route("/<int:user_id>/unlink-sso", methods=["POST"])
@role_required(Role.ADMIN)
def unlink_single_sign_on(user_id: int) -> Response | tuple[str, int]:
    """Forget the account's link to the identity provider (it is matched by verified email
    at its next single sign-on); its sessions end."""
    user = get_or_404(StaffUser, user_id)
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            services.unlink_single_sign_on(user.id)
        except DomainError as exc:
            _refused(form, exc)
        else:
            record_event(current_user, "user.unlink_sso", OBJECT_TYPE, user.id, email=user.email)
            if user.id == current_user.id:
                sign_in(user)  # this browser carries on in a new session; the others ended
            Session.commit()
            flash(_("%(email)s is no longer linked to single sign-on.", email=user.email), "info")
            return redirect(url_for(".edit", user_id=user.id))
    return _user_page(user, activation_form=form, status=400)


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> Response | tuple[str, int]:
    """The account can no longer sign in; its open sessions end at their next request."""
    return _set_active(user_id, active=False)


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.ADMIN)
def reactivate(user_id: int) -> Response | tuple[str, int]:
    return _set_active(user_id, active=True)


@bp.route("/<int:user_id>/lift-pause", methods=["POST"])
@role_required(Role.ADMIN)
def lift_sign_in_pause(user_id: int) -> Response | tuple[str, int]:
    """Forget the account's failed sign-ins (and those of the addresses they came from),
    so that its owner may sign in at once."""
    user = get_or_404(StaffUser, user_id)
    form = ActivationForm()
    if not form.validate_on_submit():
        return _user_page(user, activation_form=form, status=400)
    addresses = sign_in_throttle().lift(user.email)
    record_event(
        current_user,
        "user.lift_sign_in_pause",
        OBJECT_TYPE,
        user.id,
        email=user.email,
        addresses=addresses,
    )
    Session.commit()
    flash(_("%(email)s may sign in again at once.", email=user.email), "info")
    return redirect(url_for(".edit", user_id=user.id))


def _set_active(user_id: int, *, active: bool) -> Response | tuple[str, int]:
    user = get_or_404(StaffUser, user_id)
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            services.set_active(user.id, active, actor_id=current_user.id)
        except DomainError as exc:
            _refused(form, exc)
        else:
            action = "user.reactivate" if active else "user.deactivate"
            record_event(current_user, action, OBJECT_TYPE, user.id, email=user.email)
            Session.commit()
            flash(
                _("The account %(email)s is active again.", email=user.email)
                if active
                else _(
                    "The account %(email)s is deactivated; it can no longer sign in.",
                    email=user.email,
                ),
                "info",
            )
            return redirect(url_for(".edit", user_id=user.id))
    return _user_page(user, activation_form=form, status=400)
