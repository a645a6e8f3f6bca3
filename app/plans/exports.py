"""The visible plans as one typed table (one row per action; a plan without actions has
one row with empty action cells), written as CSV or XLSX by app.reports.exports: text
cells never become formulas (a leading = + - @ is quoted in CSV; XLSX writes strings)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from flask import stream_with_context

from app.i18n import N_, _
from app.plans.models import ActionPlan, ActionStatus
from app.reports import exports
from app.reports.tables import Column, Row, Table

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

COLUMNS = (
    Column(N_("plan"), "integer", N_("The plan's number (its page is /plans/<number>).")),
    Column(N_("survey"), "text", N_("The survey (wave) whose release the plan answers.")),
    Column(N_("team"), "text", N_("The team's path in the organisation.")),
    Column(
        N_("focus areas"),
        "text",
        N_("The plan's focus areas (dimensions), in order, ';'-separated."),
    ),
    Column(N_("created on"), "text", N_("The day the plan was created (YYYY-MM-DD, UTC).")),
    Column(N_("action"), "text", N_("What will be done.")),
    Column(N_("owner"), "text", N_("The staff member who owns the action.")),
    Column(
        N_("owner active"), "text", N_("'yes', or 'no' for an owner whose account is deactivated.")
    ),
    Column(N_("due on"), "text", N_("The day the action is due (YYYY-MM-DD).")),
    Column(N_("status"), "text", N_("Planned, In progress, Done or Dropped.")),
    Column(N_("notes"), "text", N_("The action's notes.")),
)


def plans_table(plans: Sequence[ActionPlan], labels: Mapping[tuple[int, str], str]) -> Table:
    """The plans as rows of `COLUMNS` (`labels`: each plan's focus labels by key)."""
    return Table(N_("Action plans"), N_("Action plans"), COLUMNS, list(_rows(plans, labels)))


def _rows(plans: Sequence[ActionPlan], labels: Mapping[tuple[int, str], str]) -> Iterator[Row]:
    for plan in plans:
        focus = "; ".join(labels.get((plan.id, key), key) for key in plan.focus_keys)
        head: Row = (
            plan.id,
            plan.survey.title,
            plan.team.path,
            focus,
            plan.created_at.date().isoformat(),
        )
        if not plan.actions:
            yield head + (None,) * 6
        for action in plan.actions:
            yield (
                *head,
                action.text,
                action.owner.email,
                _("yes") if action.owner.is_active else _("no"),
                action.due_on.isoformat(),
                ActionStatus(action.status).label,
                action.notes,
            )


def export_body(table: Table, fmt: str, stamp: str) -> Iterator[str] | Iterator[bytes]:
    """The file's chunks, streamed within the request (the rows are already read)."""
    legend = exports.legend_lines(
        table,
        {
            N_("export"): _("The action plans you may see, with the list's filters"),
            N_("exported"): stamp,
        },
        [],
    )
    body = exports.csv_chunks(table, legend) if fmt == "csv" else exports.xlsx_chunks(table, legend)
    return stream_with_context(body)
