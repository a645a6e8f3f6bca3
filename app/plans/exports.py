"""The visible plans as one typed table (one row per action; a plan without actions has
one row with empty action cells), written as CSV or XLSX by app.reports.exports: text
cells never become formulas (a leading = + - @ is quoted in CSV; XLSX writes strings)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from flask import stream_with_context

from app.plans.models import ActionPlan, ActionStatus
from app.reports import exports
from app.reports.tables import Column, Row, Table

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

COLUMNS = (
    Column("plan", "integer", "The plan's number (its page is /plans/<number>)."),
    Column("survey", "text", "The survey (wave) whose release the plan answers."),
    Column("team", "text", "The team's path in the organisation."),
    Column("focus areas", "text", "The plan's focus areas (dimensions), in order, ';'-separated."),
    Column("created on", "text", "The day the plan was created (YYYY-MM-DD, UTC)."),
    Column("action", "text", "What will be done."),
    Column("owner", "text", "The staff member who owns the action."),
    Column("owner active", "text", "'yes', or 'no' for an owner whose account is deactivated."),
    Column("due on", "text", "The day the action is due (YYYY-MM-DD)."),
    Column("status", "text", "Planned, In progress, Done or Dropped."),
    Column("notes", "text", "The action's notes."),
)


def plans_table(plans: Sequence[ActionPlan], labels: Mapping[tuple[int, str], str]) -> Table:
    """The plans as rows of `COLUMNS` (`labels`: each plan's focus labels by key)."""
    return Table("Action plans", "Action plans", COLUMNS, list(_rows(plans, labels)))


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
                "yes" if action.owner.is_active else "no",
                action.due_on.isoformat(),
                ActionStatus(action.status).label,
                action.notes,
            )


def export_body(table: Table, fmt: str, stamp: str) -> Iterator[str] | Iterator[bytes]:
    """The file's chunks, streamed within the request (the rows are already read)."""
    legend = exports.legend_lines(
        table,
        {"export": "The action plans you may see, with the list's filters", "exported": stamp},
        [],
    )
    body = exports.csv_chunks(table, legend) if fmt == "csv" else exports.xlsx_chunks(table, legend)
    return stream_with_context(body)
