"""The worker and the outbox (admin only): when each worker was last seen and what it
did, and the email waiting, sent and given up, with the reasons. Counts only: no page
shows an address, a link or a token."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.decorators import role_required
from app.auth.models import Role
from app.worker.queries import (
    STALE_AFTER,
    failure_reasons,
    latest_heartbeat,
    outbox_overview,
    recent_heartbeats,
)

bp = Blueprint("admin_worker", __name__, url_prefix="/admin/worker")


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    return render_template(
        "admin/worker/index.html",
        heartbeat=latest_heartbeat(),
        heartbeats=recent_heartbeats(),
        stale_minutes=int(STALE_AFTER.total_seconds() // 60),
        outbox=outbox_overview(),
        reasons=failure_reasons(),
    )
