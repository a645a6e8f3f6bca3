"""What each report page exports: one typed table (app.reports.tables) per page of
`REPORT_PAGES`, and the response rates, for the reader's view of the release shown.

Each exporter reads what its page's builder reads (the same `ReportContext`, the same cells
of the same release), so an export shows the page's numbers under the page's disclosure.
app.reports.routes writes the table with app.reports.exports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.errors import Forbidden, NotFound
from app.i18n import _
from app.reports import item_report_view, pages, tables
from app.reports.privacy import team_subtrees
from app.reports.readers import readable_comment_groups
from app.reports.registry import ReportContext, baselines, comparable_waves, driver_view_of
from app.reports.snapshot import Snapshot

Exporter = Callable[[ReportContext], tables.Table]


def _focus_name(ctx: ReportContext) -> str:
    return tables.ORGANISATION if ctx.team is None else ctx.tree.paths[ctx.team]


def export_overview(ctx: ReportContext) -> tables.Table:
    """The overview's family table (with its change since the last comparable wave) and
    every team of the scope; a team page's export is the overview filtered to its team."""
    view = ctx.publication.view(ctx.team, ctx.level)
    changes = {
        key: pages.change_since(view.families[key], baseline)
        for key, baseline in baselines(ctx, ctx.team).items()
    }
    focus = (ctx.team, _focus_name(ctx))
    return tables.overview(ctx.publication, ctx.scope(), focus, ctx.document, changes)


def export_heatmap(ctx: ReportContext) -> tables.Table:
    return tables.heatmap(ctx.publication, ctx.scope(), ctx.document)


def export_drivers(ctx: ReportContext) -> tables.Table:
    """The key drivers of the page's group (the organisation, or the team filter's
    department), as its priority map shows them."""
    view = driver_view_of(ctx)
    scales = ctx.snapshot.aggregates.scales
    points = pages.driver_points(view, ctx.publication, ctx.document, ctx.language, scales)
    return tables.drivers(points, view)


def export_items(ctx: ReportContext) -> tables.Table:
    return tables.items(
        ctx.snapshot.item_publication(),
        (ctx.team, ctx.level),
        ctx.document,
        ctx.language,
        ctx.publication.k,
    )


def export_standpoint(ctx: ReportContext) -> tables.Table:
    return tables.standpoint(ctx.publication, ctx.team, ctx.levels, ctx.document, ctx.language)


def export_trends(ctx: ReportContext) -> tables.Table:
    return tables.trends(comparable_waves(ctx), ctx.team, ctx.document, ctx.language)


def export_reliability(ctx: ReportContext) -> tables.Table:
    stored = ctx.snapshot.scales()
    if stored is None:
        raise NotFound(
            _(
                "This release holds no reliability: the whole organisation's answers are not "
                "shown (at least 30 complete answers per dimension are needed)."
            )
        )
    return tables.reliability(
        ctx.publication, stored, (ctx.team, ctx.level), ctx.document, ctx.language
    )


def export_item_report(ctx: ReportContext) -> tables.Table:
    """The item report's tables of the filtered cell, one row per item."""
    stored = ctx.snapshot.items_report()
    if stored is None:
        raise NotFound(item_report_view.no_report_message())
    found = item_report_view.item_report(
        ctx.publication,
        ctx.snapshot.item_publication(),
        stored,
        (ctx.team, ctx.level),
        ctx.document,
        ctx.language,
    )
    return item_report_view.item_report_table(found)


def export_comments(ctx: ReportContext) -> tables.Table:
    """Every listed comment of the team filter's group, where the reader's role reads it
    (app.reports.readers): a manager never exports the organisation's list."""
    readable = readable_comment_groups(ctx.role, ctx.visible, team_subtrees(ctx.tree.parents))
    if ctx.team not in readable:
        raise Forbidden(
            _(
                "Your role reads the comments of your own teams only: choose one of them in the "
                "Team filter to export its comments."
            )
        )
    groups = [
        (
            ctx.document.text(prompt.text, ctx.language),
            *ctx.snapshot.comment_group(prompt.key, ctx.team),
        )
        for prompt in ctx.document.prompts
    ]
    return tables.comments(groups, _focus_name(ctx))


EXPORTERS: Mapping[str, Exporter] = {
    "overview": export_overview,
    "heatmap": export_heatmap,
    "drivers": export_drivers,
    "items": export_items,
    "standpoint": export_standpoint,
    "trends": export_trends,
    "reliability": export_reliability,
    "item-report": export_item_report,
    "comments": export_comments,
}


def response_rates_table(snapshot: Snapshot) -> tables.Table:
    """The response-rates page's table: the organisation, then every team by path."""
    rates = snapshot.response_rates()
    paths = snapshot.aggregates.paths
    teams = sorted(
        ((paths[team], rate) for team, rate in rates.items() if team is not None),
        key=lambda row: row[0],
    )
    return tables.response_rates(rates[None], teams)
