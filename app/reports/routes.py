"""Report pages for HR, admins and (scoped) managers.

Every number on these pages comes from a `Publication` (app.reports.publication), which
has passed it through app.reports.privacy. Every view and export is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField

from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session, begin_write_transaction
from app.errors import Forbidden, NotFound
from app.forms_base import MAX_URL_NUMBER, SafeQueryForm
from app.instruments.queries import document_of
from app.reports import exports, formatting, tables
from app.reports.language_filter import chosen_language, language_choices
from app.reports.models import Release
from app.reports.page_exports import EXPORTERS, response_rates_table
from app.reports.privacy import footnote
from app.reports.privacy import legend as markers_legend
from app.reports.queries import (
    landing_team,
    latest_release,
    latest_releases,
    list_surveys,
    release_numbered,
    releases_of,
    response_rates_of,
    snapshot_of,
    survey_team_tree,
    visible_team_ids,
)
from app.reports.registry import (
    REPORT_PAGES,
    RESPONSE_RATE_ROLES,
    STAFF,
    ReportContext,
    ReportPage,
    release_label,
    team_view_of,
)
from app.reports.releases import publish_release
from app.security import CHART_PAGE_POLICY
from app.surveys.models import Survey
from app.surveys.services import get_survey

bp = Blueprint("reports", __name__, url_prefix="/reports")
formatting.register(bp)


@bp.after_request
def allow_chart_style_attributes(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CHART_PAGE_POLICY
    return response


class FilterForm(SafeQueryForm):
    """The team and level filters of a report page (GET, so no CSRF token). Only rendered:
    the view reads the arguments as whole numbers (`_int_arg`), so nothing else gets in."""

    team = SelectField(_l("Team"), coerce=str, validate_choice=False)
    level = SelectField(_l("Level"), coerce=str, validate_choice=False)
    language = SelectField(_l("Language"), coerce=str, validate_choice=False)


def filter_form(ctx: ReportContext) -> FilterForm:
    form = FilterForm(request.args)
    form.team.choices = [("", _("Whole organisation"))] + [
        (str(t), ctx.tree.paths[t]) for t in sorted(ctx.visible, key=ctx.tree.paths.__getitem__)
    ]
    form.level.choices = [("", _("All levels"))] + [(str(i), n) for i, n in ctx.levels]
    form.language.choices = language_choices(ctx.snapshot)
    return form


def _int_arg(name: str) -> int | None:
    """A query argument's whole number, or None for anything else: not ASCII digits, or a
    number no database column holds (as for URL segments, app.forms_base)."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_URL_NUMBER)):
        return None
    number = int(raw)
    return number if number <= MAX_URL_NUMBER else None


def chosen_release(survey: Survey) -> Release | None:
    """The release `?release=N` names (404 if there is none), else the latest (None when
    the survey has none yet)."""
    number = _int_arg("release")
    if number is None:
        return latest_release(survey.id)
    release = release_numbered(survey.id, number)
    if release is None:
        raise NotFound(
            _("Survey %(survey)s has no release %(number)s.", survey=survey.id, number=number)
        )
    return release


def no_release_page(survey: Survey) -> str:
    """What a report page shows before the survey's first release: no numbers."""
    return render_template("reports/no_release.html", survey=survey)


def report_context(survey_id: int) -> ReportContext | Survey:
    """Load the chosen release and the user's scope; 403 for a team filter outside it. A
    filter on an unknown team or level gives the suppressed view, not an error. A survey
    without a release comes back as itself: there is nothing to show."""
    survey = get_survey(survey_id)
    release = chosen_release(survey)
    if release is None:
        return survey
    document = document_of(survey.instrument_version)
    tree = survey_team_tree(survey)
    visible_ids = visible_team_ids(current_user, tree.paths)
    team = _int_arg("team")
    if team is not None and team in tree.paths and team not in visible_ids:
        raise Forbidden(_("This team is outside the teams you can see."))
    locale = reader_locale()
    return ReportContext(
        survey=survey,
        document=document,
        # The instrument's texts in the reader's language where the instrument has it.
        language=document.resolve_language(locale),
        locale=locale,
        tree=tree,
        visible=visible_ids,
        team=team if team in visible_ids else None,
        level=_int_arg("level"),
        release=release,
        snapshot=snapshot_of(release),
        answer_language=chosen_language(snapshot_of(release)),
        role=current_user.role,
        list_page=max(1, _int_arg("page") or 1),
    )


def reader_locale() -> str:
    """The language the staff member reads the interface in (app.select_locale)."""
    return str(get_locale() or "en")


def _audit(ctx: ReportContext, page: str) -> None:
    begin_write_transaction()  # SQLite: the reads' transaction cannot become a writer
    record_event(
        current_user,
        "report.view",
        "survey",
        ctx.survey.id,
        page=page,
        team=ctx.team,
        level=ctx.level,
        release=ctx.release.number,
    )
    Session.commit()


def _render(
    template: str, ctx: ReportContext, page: str, title: str, intro: str = "", **values: object
) -> str:
    _audit(ctx, page)
    form = values.pop("form", None) or filter_form(ctx)
    return render_template(
        template,
        ctx=ctx,
        page=page,
        page_title=title,
        intro=intro,
        report_pages=REPORT_PAGES,
        response_rate_roles=RESPONSE_RATE_ROLES,
        form=form,
        hidden_note=footnote(ctx.publication.k),
        **values,
    )


@bp.route("/")
@role_required(*STAFF)
def index() -> str:
    surveys = list_surveys()
    labels = {sid: release_label(release) for sid, release in latest_releases().items()}
    return render_template("reports/index.html", surveys=surveys, labels=labels)


def report_view(page: ReportPage) -> Callable[[int], str]:
    """The view of one registered report page."""

    def view(survey_id: int) -> str:
        ctx = report_context(survey_id)
        if isinstance(ctx, Survey):
            return no_release_page(ctx)
        values = page.values(ctx)
        return _render(
            page.template,
            ctx,
            page.key,
            _(page.title),
            report_page=page,
            intro=page.intro_for(values),
            **values,
        )

    view.__name__ = page.key
    return role_required(*page.roles)(view)


for _page in REPORT_PAGES:
    bp.add_url_rule(
        f"/surveys/<int:survey_id>/{_page.path}", endpoint=_page.key, view_func=report_view(_page)
    )


@bp.route("/surveys/<int:survey_id>/teams/<int:team_id>")
@role_required(*STAFF)
def team(survey_id: int, team_id: int) -> str:
    """A team's own view of the release: participation, its indices and dimensions against
    the rest of the organisation, change since the last comparable wave, strengths and
    focus areas by the stated rule (app.reports.team_view), its action plans."""
    tree = survey_team_tree(get_survey(survey_id))
    if team_id not in tree.paths:
        raise NotFound(_("Team %(team)s is not part of this survey.", team=team_id))
    if team_id not in visible_team_ids(current_user, [team_id]):
        raise Forbidden(_("This team is outside the teams you can see."))
    ctx = report_context(survey_id)
    if isinstance(ctx, Survey):
        return no_release_page(ctx)
    form = filter_form(ctx)
    form.team.choices = form.team.choices[1:]  # a team, not the whole organisation
    form.team.data = str(team_id)
    return _render(
        "reports/team.html",
        ctx,
        "team",
        ctx.tree.paths[team_id],
        form=form,
        team_id=team_id,
        view=team_view_of(ctx, team_id),
    )


@bp.route("/surveys/<int:survey_id>/teams")
@role_required(*STAFF)
def pick_team(survey_id: int) -> BaseResponse:
    """The team picker of the team view (a GET form): on to the chosen team's view."""
    team_id = _int_arg("team")
    if team_id is None:
        raise NotFound(_("Choose a team from the list."))
    return redirect(
        url_for(
            "reports.team",
            survey_id=survey_id,
            team_id=team_id,
            level=_int_arg("level"),
            release=_int_arg("release"),
        )
    )


@bp.route("/my-team")
@role_required(Role.MANAGER)
def my_team() -> BaseResponse | str:
    """Where a manager lands: their team's view in the newest release that covers it."""
    found = landing_team(current_user)
    if found is None:
        return render_template("reports/no_team.html")
    survey_id, team_id = found
    return redirect(url_for("reports.team", survey_id=survey_id, team_id=team_id))


@bp.route("/surveys/<int:survey_id>/response-rates")
@role_required(*RESPONSE_RATE_ROLES)
def response_rates(survey_id: int) -> str:
    """The response rates of a release: its responded counts are the report's response
    counts, decided in the same publication."""
    survey = get_survey(survey_id)
    release = chosen_release(survey)
    if release is None:
        return no_release_page(survey)
    snapshot = snapshot_of(release)
    paths = snapshot.aggregates.paths
    rates = response_rates_of(survey, release)
    rows = sorted(
        ((team_id, rate) for team_id, rate in rates.items() if team_id is not None),
        key=lambda row: paths[row[0]],
    )
    begin_write_transaction()
    record_event(
        current_user,
        "report.view",
        "survey",
        survey.id,
        page="response-rates",
        release=release.number,
    )
    Session.commit()
    return render_template(
        "reports/response_rates.html",
        survey=survey,
        rows=rows,
        organisation=rates[None],
        paths=paths,
        release_label=release_label(release),
        hidden_label=footnote(snapshot.k),
    )


EXPORT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/surveys/<int:survey_id>/export.<fmt>", defaults={"tab": "overview"})
@bp.route("/surveys/<int:survey_id>/<tab>/export.<fmt>")
@role_required(*STAFF)
def export(survey_id: int, tab: str, fmt: str) -> Response:
    """A report page's export, under the page's own path and with its filters (team,
    level, release): the page's numbers under the page's disclosure, as one typed table
    with its legend (app.reports.page_exports, written by app.reports.exports)."""
    if fmt not in EXPORT_TYPES:
        raise NotFound(_("Exports are available as .csv and .xlsx."))
    if tab == "response-rates":
        survey, release, table, about = _response_rates_export(survey_id)
    else:
        survey, release, table, about = _page_export(survey_id, tab)
    begin_write_transaction()
    record_event(
        current_user,
        "report.export",
        "survey",
        survey.id,
        page=tab,
        format=fmt,
        team=_int_arg("team"),
        level=_int_arg("level"),
        release=release.number,
    )
    Session.commit()
    stamp = dt.date.today().isoformat()
    legend = exports.legend_lines(table, {**about, "exported": stamp}, [])
    name = f"mutuality-survey-{survey.id}-{tab}-release-{release.number}-{stamp}.{fmt}"
    body = exports.csv_chunks(table, legend) if fmt == "csv" else exports.xlsx_chunks(table, legend)
    return Response(
        stream_with_context(body),
        mimetype=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


ExportParts = tuple[Survey, Release, tables.Table, dict[str, str]]


def _page_export(survey_id: int, tab: str) -> ExportParts:
    """A registered page's table for this reader and these filters (404 for no such page,
    403 where the page or the filter is not the reader's)."""
    page = next((p for p in REPORT_PAGES if p.key == tab), None)
    exporter = EXPORTERS.get(tab)
    if page is None or exporter is None:
        raise NotFound(_("There is no such report page to export."))
    if current_user.role not in page.roles:
        raise Forbidden(_("This report page is not available to your role."))
    ctx = report_context(survey_id)
    if isinstance(ctx, Survey):
        raise NotFound(
            _("Survey %(survey)s has no release yet: there is nothing to export.", survey=survey_id)
        )
    table = exporter(ctx)
    levels = dict(ctx.levels)
    about = {
        "survey": ctx.survey.title,
        "page": _(page.title),
        "release": ctx.release_label,
        "team": tables.ORGANISATION if ctx.team is None else ctx.tree.paths[ctx.team],
        "level": _("(all levels)")
        if ctx.level is None
        else levels.get(ctx.level, _("(no such level)")),
        "k": _("%(k)s (numbers of fewer people are not shown)", k=ctx.publication.k),
        **markers_legend(ctx.publication.k),
    }
    if tab == "comments":
        about["k_comments"] = _(
            "%(k)s: comments are listed only for groups with at least that many",
            k=ctx.snapshot.k_comments,
        )
    return ctx.survey, ctx.release, table, about


def _response_rates_export(survey_id: int) -> ExportParts:
    if current_user.role not in RESPONSE_RATE_ROLES:
        raise Forbidden(_("Response rates are for HR and admins."))
    survey = get_survey(survey_id)
    release = chosen_release(survey)
    if release is None:
        raise NotFound(
            _("Survey %(survey)s has no release yet: there is nothing to export.", survey=survey_id)
        )
    snapshot = snapshot_of(release)
    about = {
        "survey": survey.title,
        "page": _("Response rates"),
        "release": release_label(release),
        "k": _("%(k)s (numbers of fewer people are not shown)", k=snapshot.k),
        **markers_legend(snapshot.k),
    }
    return survey, release, response_rates_table(snapshot), about


@bp.route("/surveys/<int:survey_id>/releases")
@role_required(*STAFF)
def releases(survey_id: int) -> str:
    """The survey's releases; admins publish an interim one while the survey is open."""
    survey = get_survey(survey_id)
    return render_template(
        "reports/releases.html",
        survey=survey,
        releases=releases_of(survey.id),
        label=release_label,
        may_publish=current_user.role == Role.ADMIN and survey.state == "open",
    )


@bp.route("/surveys/<int:survey_id>/releases", methods=["POST"])
@role_required(Role.ADMIN)
def publish(survey_id: int) -> BaseResponse:
    """Publish an interim release (refused, with the reason, when it would show nothing
    new), audit it, commit once and go back to the list."""
    survey = get_survey(survey_id)
    release = publish_release(survey, actor=current_user, final=False)
    begin_write_transaction()
    record_event(
        current_user, "release.publish", "survey", survey.id, release=release.number, final=False
    )
    Session.commit()
    flash(_("Release %(number)s is published.", number=release.number), "info")
    return redirect(url_for(".releases", survey_id=survey.id))
