"""Report pages for HR, admins and (scoped) managers.

Every number on these pages comes from a `Publication` (app.reports.publication), which
has passed it through app.reports.privacy. Every view and export is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import select
from wtforms import Form, SelectField

from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.auth.queries import visible_teams_clause
from app.db import Session
from app.errors import Forbidden, NotFound
from app.instruments.document import InstrumentDocument
from app.instruments.queries import diff_between, document_of
from app.org.models import Team
from app.reports import exports, pages
from app.reports.privacy import (
    comments_visible,
    disclose_cells,
    footnote,
    shuffle_comments,
    team_subtrees,
)
from app.reports.publication import ItemPublication, Publication
from app.reports.queries import (
    TeamTree,
    comment_counts,
    comment_texts,
    item_matrix,
    item_value_counts,
    publication_for,
    response_rates_of,
    survey_team_tree,
    waves_of,
)
from app.security import CHART_PAGE_POLICY
from app.surveys.models import Survey
from app.surveys.queries import list_surveys
from app.surveys.services import get_survey

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.after_request
def allow_chart_style_attributes(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CHART_PAGE_POLICY
    return response


STAFF = (Role.ADMIN, Role.HR, Role.MANAGER)


class FilterForm(Form):
    """The team and level filters of a report page (GET, so no CSRF token)."""

    team = SelectField("Team", coerce=str, validate_choice=False)
    level = SelectField("Level", coerce=str, validate_choice=False)


@dataclass(frozen=True)
class ReportContext:
    """What every report page of one survey needs, for the signed-in user."""

    survey: Survey
    document: InstrumentDocument
    language: str
    tree: TeamTree
    visible: frozenset[int]  # team ids the user may see
    team: int | None  # the team filter (a subtree), None for the organisation
    level: int | None
    publication: Publication

    @property
    def scope_teams(self) -> list[tuple[int, str]]:
        """Visible teams in tree order, within the filtered subtree."""
        subtree = team_subtrees(self.tree.parents)[self.team] if self.team else None
        return [
            (team_id, self.tree.paths[team_id])
            for team_id in sorted(self.tree.paths, key=self.tree.paths.__getitem__)
            if team_id in self.visible and (subtree is None or team_id in subtree)
        ]

    def scope(self) -> pages.Scope:
        return pages.Scope(self.scope_teams, self.level, self.language)

    @property
    def levels(self) -> list[tuple[int, str]]:
        return [(lv.id, lv.label) for lv in self.survey.levels]

    def filter_form(self) -> FilterForm:
        form = FilterForm(request.args)
        form.team.choices = [("", "Whole organisation")] + [
            (str(t), self.tree.paths[t])
            for t in sorted(self.visible, key=self.tree.paths.__getitem__)
        ]
        form.level.choices = [("", "All levels")] + [(str(i), n) for i, n in self.levels]
        return form


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def report_context(survey_id: int) -> ReportContext:
    """Load the survey's publication and the user's scope; 403 for a team filter outside it.
    A filter on an unknown team or level gives the suppressed view, not an error."""
    survey = get_survey(survey_id)
    document = document_of(survey.instrument_version)
    tree = survey_team_tree(survey)
    visible_ids = set(
        Session.scalars(
            select(Team.id).where(Team.id.in_(list(tree.paths)), visible_teams_clause(current_user))
        )
    )
    team = _int_arg("team")
    if team is not None and team in tree.paths and team not in visible_ids:
        raise Forbidden("This team is outside the teams you can see.")
    return ReportContext(
        survey=survey,
        document=document,
        language=document.default_language,
        tree=tree,
        visible=frozenset(visible_ids),
        team=team if team in visible_ids else None,
        level=_int_arg("level"),
        publication=publication_for(survey),
    )


def _audit(ctx: ReportContext, page: str) -> None:
    record_event(
        current_user,
        "report.view",
        "survey",
        ctx.survey.id,
        page=page,
        team=ctx.team,
        level=ctx.level,
    )
    Session.commit()


def _render(template: str, ctx: ReportContext, page: str, **values: object) -> str:
    _audit(ctx, page)
    return render_template(
        template,
        ctx=ctx,
        page=page,
        form=ctx.filter_form(),
        hidden_note=footnote(ctx.publication.k),
        **values,
    )


@bp.route("/")
@role_required(*STAFF)
def index() -> str:
    return render_template("reports/index.html", surveys=list_surveys())


@bp.route("/surveys/<int:survey_id>/")
@role_required(*STAFF)
def overview(survey_id: int) -> str:
    ctx = report_context(survey_id)
    scope = ctx.scope()
    org = ctx.publication.view(ctx.team, ctx.level)
    charts = [pages.quadrant(ctx.publication, scope, ctx.document)] + [
        pages.family_comparison(ctx.publication, scope, ctx.document, f.key)
        for f in ctx.document.families
    ]
    return _render(
        "reports/overview.html",
        ctx,
        "overview",
        summary=pages.family_table(org, ctx.document, ctx.language),
        view=org,
        charts=[c for c in charts if c is not None],
    )


@bp.route("/surveys/<int:survey_id>/heatmap")
@role_required(*STAFF)
def heatmap(survey_id: int) -> str:
    ctx = report_context(survey_id)
    chart = pages.heatmap(ctx.publication, ctx.scope(), ctx.document)
    return _render("reports/chart_page.html", ctx, "heatmap", charts=[chart])


@bp.route("/surveys/<int:survey_id>/items")
@role_required(*STAFF)
def items(survey_id: int) -> str:
    ctx = report_context(survey_id)
    counts = item_value_counts(ctx.survey.id)
    published = ItemPublication(ctx.publication, counts, [i.key for i in ctx.document.scored_items])
    chart = pages.item_bars(
        published, ctx.team, ctx.level, ctx.document, ctx.language, ctx.publication.k
    )
    return _render("reports/chart_page.html", ctx, "items", charts=[chart])


@bp.route("/surveys/<int:survey_id>/standpoint")
@role_required(*STAFF)
def standpoint(survey_id: int) -> str:
    ctx = report_context(survey_id)
    chart = pages.standpoint(ctx.publication, ctx.team, ctx.levels, ctx.document, ctx.language)
    return _render("reports/chart_page.html", ctx, "standpoint", charts=[chart])


@bp.route("/surveys/<int:survey_id>/trends")
@role_required(*STAFF)
def trends(survey_id: int) -> str:
    ctx = report_context(survey_id)
    waves = [w for w in waves_of(ctx.survey) if w.id == ctx.survey.id or w.state != "open"]
    comparable: dict[str, bool] = {f.key: True for f in ctx.document.families}
    series = []
    for wave in waves:
        if wave.instrument_version_id != ctx.survey.instrument_version_id:
            diff = diff_between(wave.instrument_version, ctx.survey.instrument_version)
            same = set(diff.comparable_items())
            for family, dims in ctx.document.dimensions_by_family().items():
                keys = {i.key for d in dims for i in ctx.document.items_by_dimension()[d.key]}
                comparable[family] = comparable[family] and keys <= same
        series.append((_wave_label(wave), publication_for(wave)))
    chart = pages.trends(series, ctx.team, comparable, ctx.document, ctx.language)
    return _render("reports/chart_page.html", ctx, "trends", charts=[chart])


def _wave_label(survey: Survey) -> str:
    when = survey.opens_at.date().isoformat() if survey.opens_at else f"#{survey.id}"
    return f"{survey.title} ({when})"


@bp.route("/surveys/<int:survey_id>/reliability")
@role_required(*STAFF)
def reliability(survey_id: int) -> str:
    ctx = report_context(survey_id)
    org = ctx.publication.view(None, None)
    chart = None
    if org.responses.shown:
        keys = [i.key for i in ctx.document.scored_items]
        chart, _ = pages.reliability(
            item_matrix(ctx.survey.id, keys), keys, ctx.document, ctx.language
        )
    return _render("reports/chart_page.html", ctx, "reliability", charts=[chart] if chart else [])


@bp.route("/surveys/<int:survey_id>/comments")
@role_required(*STAFF)
def comments(survey_id: int) -> str:
    ctx = report_context(survey_id)
    counts = comment_counts(ctx.survey.id)
    k = ctx.survey.k_comments
    subtrees = team_subtrees(ctx.tree.parents)
    sections = []
    for prompt in ctx.document.prompts:
        # One decision over every team rollup and the organisation: lists can be compared.
        cells: dict[int | None, frozenset[int]] = {None: frozenset(ctx.tree.parents)}
        for team_id, members in subtrees.items():
            cells[team_id] = members
        atom_counts = {team: n for (team, key), n in counts.items() if key == prompt.key}
        decided = disclose_cells(cells, atom_counts, k, records=True)
        chosen = decided[ctx.team]
        texts: list[str] = []
        if chosen.shown and comments_visible(chosen.n or 0, k):
            members = cells[ctx.team]
            texts = shuffle_comments(
                comment_texts(ctx.survey.id, members, prompt.key),
                seed=f"{current_app.config['SECRET_KEY']}:{ctx.survey.id}:{prompt.key}",
            )
        sections.append(
            {"prompt": ctx.document.text(prompt.text, ctx.language), "texts": texts, "n": chosen}
        )
    return _render("reports/comments.html", ctx, "comments", sections=sections, k_comments=k)


@bp.route("/surveys/<int:survey_id>/teams/<int:team_id>")
@role_required(*STAFF)
def team(survey_id: int, team_id: int) -> str:
    ctx = report_context(survey_id)
    if team_id not in ctx.tree.paths:
        raise NotFound(f"Team {team_id} is not part of this survey.")
    if team_id not in ctx.visible:
        raise Forbidden("This team is outside the teams you can see.")
    view = ctx.publication.view(team_id, ctx.level)
    comparisons = ctx.publication.compare_teams(
        [team_id], [d.key for d in ctx.document.dimensions], level=ctx.level
    )
    return _render(
        "reports/team.html",
        ctx,
        "team",
        team_id=team_id,
        view=view,
        summary=pages.family_table(view, ctx.document, ctx.language),
        comparisons=comparisons,
    )


@bp.route("/surveys/<int:survey_id>/response-rates")
@role_required(Role.ADMIN, Role.HR)
def response_rates(survey_id: int) -> str:
    survey = get_survey(survey_id)
    tree = survey_team_tree(survey)
    rates = response_rates_of(survey)
    rows = sorted(
        ((team_id, rate) for team_id, rate in rates.items() if team_id is not None),
        key=lambda row: tree.paths[row[0]],
    )
    record_event(current_user, "report.view", "survey", survey.id, page="response-rates")
    Session.commit()
    return render_template(
        "reports/response_rates.html",
        survey=survey,
        rows=rows,
        organisation=rates[None],
        tree=tree,
        hidden_label=footnote(survey.k_scores),
    )


@bp.route("/surveys/<int:survey_id>/export.<fmt>")
@role_required(*STAFF)
def export(survey_id: int, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Exports are available as .csv and .xlsx.")
    ctx = report_context(survey_id)
    teams: list[tuple[int | None, str]] = [(None, exports.ORGANISATION), *ctx.scope_teams]
    levels: list[tuple[int | None, str]] = [(None, exports.ALL_LEVELS), *ctx.levels]
    statistics = [
        exports.Statistic("family", f.key, ctx.document.text(f.label, ctx.language))
        for f in ctx.document.families
    ] + [
        exports.Statistic("dimension", d.key, ctx.document.text(d.label, ctx.language))
        for d in ctx.document.dimensions
    ]
    record_event(current_user, "report.export", "survey", ctx.survey.id, format=fmt)
    Session.commit()
    rows = exports.aggregate_rows(ctx.publication, teams, levels, statistics)
    note = footnote(ctx.publication.k)
    stamp = dt.date.today().isoformat()
    name = f"mutuality-survey-{ctx.survey.id}-{stamp}.{fmt}"
    body: Iterator[str] | Iterator[bytes]
    if fmt == "csv":
        body = exports.csv_chunks(rows, note)
        mimetype = "text/csv"
    else:
        body = exports.xlsx_chunks(
            rows,
            note,
            {"survey": ctx.survey.title, "exported": stamp, "k": str(ctx.survey.k_scores)},
        )
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
