"""The staff landing page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.models import Role

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index() -> str | Response:
    """Each role's home: a manager lands on their team's view."""
    if current_user.has_role(Role.MANAGER):
        return redirect(url_for("reports.my_team"))
    return render_template("index.html")
