"""The report pages of a survey, as data.

Each tab of a survey's report is one `ReportPage`: its key (the endpoint under the reports
blueprint and the page name in the audit log), tab label, title, intro, template, the roles
that may open it, and the builder that computes the template's values from a
`ReportContext`. app.reports.routes registers one view per entry, in this order; the tabs and
titles of app/templates/reports read the same entries. Builders read through
app.reports.queries and draw through app.reports.pages; neither Flask nor the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from babel.dates import format_date
from flask_babel import get_locale

from app.auth.models import Role
from app.i18n import N_, _
from app.instruments.diff import (
    FamilyComparability,
    dimension_comparability,
    family_comparability,
)
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.reports import item_report_view, pages
from app.reports.drivers import DriverView, department_of, driver_keys, driver_view
from app.reports.item_report_locale import reader_numbers
from app.reports.language_view import language_rows, offered_languages
from app.reports.models import Release
from app.reports.privacy import team_subtrees
from app.reports.publication import Publication
from app.reports.queries import TeamTree, latest_release, publication_for, waves_of
from app.reports.readers import readable_comment_groups
from app.reports.snapshot import Snapshot
from app.reports.team_view import TeamView, build_team_view
from app.surveys.models import Survey

STAFF = (Role.ADMIN, Role.HR, Role.MANAGER)
# The response-rates page: a link beside the tabs (it has no filters), for HR and admins.
RESPONSE_RATE_ROLES = (Role.ADMIN, Role.HR)


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
    release: Release  # the release shown (the latest unless the reader chose another)
    snapshot: Snapshot = field(repr=False)
    role: str  # the user's role: app.reports.readers says what it reads
    list_page: int = 1  # which page of a paged list (the comments), from 1
    # The language filter: responses answered in this language (None: every language);
    # only a language the release's cut shows (app.reports.language_filter).
    answer_language: str | None = None
    # The reader's interface language: the builders' own words (chart titles, notes) are in
    # it, while `language` is the instrument's texts' (the same where the instrument has it).
    locale: str = "en"

    @property
    def publication(self) -> Publication:
        return self.snapshot.publication()

    @property
    def release_label(self) -> str:
        return release_label(self.release)

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


PageValues = Mapping[str, object]


def release_label(release: Release) -> str:
    """Which results a page shows, e.g. "Results as of 3 March 2027, release 2", in the
    reader's language."""
    # The date's pattern is the translator's ("3 March 2027", "3 de marzo de 2027").
    day = format_date(release.created_on, _("d MMMM y"), locale=str(get_locale() or "en"))
    if release.final:
        return _(
            "Final results, as of %(day)s (release %(number)s)", day=day, number=release.number
        )
    return _("Results as of %(day)s, release %(number)s (interim)", day=day, number=release.number)


@dataclass(frozen=True)
class ReportPage:
    """One tab of a survey's report. `intro` is the sentence under the title (empty for
    none; `{name}` fields are filled from the builder's values); `empty_note` is shown
    instead when the page has no chart to draw."""

    key: str
    tab: str
    title: str
    intro: str
    template: str
    builder: Callable[[ReportContext], PageValues]
    roles: tuple[Role, ...]
    path: str  # under /reports/surveys/<survey_id>/
    empty_note: str = ""
    paged: bool = False  # lists its items a page at a time (`ReportContext.list_page`)

    def intro_for(self, values: PageValues) -> str:
        """The intro in the reader's language, its `{name}` fields filled."""
        return _(self.intro).format_map(values) if self.intro else ""

    def values(self, ctx: ReportContext) -> PageValues:
        """The builder's values for this release and this reader's view, built once per
        process: a release never changes, so neither do they. Trends also read other
        waves' latest releases, which may change, so they are built each time."""
        if self.key == "trends":
            return self.builder(ctx)
        key = (
            self.key,
            ctx.release.digest,
            other_waves(ctx) if self.key in READS_OTHER_WAVES else (),
            ctx.team,
            ctx.level,
            ctx.visible,
            ctx.role,
            ctx.language,
            ctx.locale,  # the values hold text in the reader's language
            frozenset(ctx.tree.paths.items()),  # a renamed team shows its new name
            ctx.list_page if self.paged else 1,
            ctx.answer_language,
        )
        found = _page_values.get(key)
        if found is None:
            if len(_page_values) >= _MAX_CACHED_PAGES:
                _page_values.pop(next(iter(_page_values)))
            found = _page_values[key] = self.builder(ctx)
        return found


_page_values: dict[tuple[object, ...], PageValues] = {}
# Pages whose values also read other waves' latest releases (the change since the last
# comparable wave): their values are kept only while those releases and marks stay.
READS_OTHER_WAVES = frozenset({"overview"})


def other_waves(ctx: ReportContext) -> tuple[tuple[object, ...], ...]:
    """What the change column reads of the other waves: state, pilot mark, latest release."""
    return tuple(
        (wave.id, wave.state, wave.pilot, release.digest if release else None)
        for wave in waves_of(ctx.survey)
        if wave.id != ctx.survey.id
        for release in [latest_release(wave.id)]
    )


_MAX_CACHED_PAGES = 256


def build_overview(ctx: ReportContext) -> PageValues:
    """The family table of the filtered view, the quadrant map and one bar chart per family."""
    scope = ctx.scope()
    view = ctx.publication.view(ctx.team, ctx.level)
    charts = [pages.quadrant(ctx.publication, scope, ctx.document)] + [
        pages.family_comparison(ctx.publication, scope, ctx.document, f.key)
        for f in ctx.document.families
    ]
    return {
        "summary": pages.family_table(view, ctx.document, ctx.language, baselines(ctx, ctx.team)),
        "view": view,
        "charts": [c for c in charts if c is not None],
        **language_values(ctx),
    }


def language_values(ctx: ReportContext) -> PageValues:
    """The overview's language cut (app.reports.language_view): the filtered cell by
    language where the release has a cut, and the chosen language's row."""
    cut = ctx.snapshot.languages()
    if cut is None or not offered_languages(cut):
        return {"by_language": [], "language_view": None}
    rows = language_rows(cut, ctx.team, ctx.level, ctx.document, ctx.language)
    chosen = [row for row in rows if row.language == ctx.answer_language]
    return {"by_language": rows, "language_view": chosen[0] if chosen else None}


def build_heatmap(ctx: ReportContext) -> PageValues:
    return {"charts": [pages.heatmap(ctx.publication, ctx.scope(), ctx.document)]}


def driver_view_of(ctx: ReportContext) -> DriverView:
    """The key drivers the team filter reads (app.reports.drivers.driver_view)."""
    labels = {d.key: ctx.document.text(d.label, ctx.language) for d in ctx.document.dimensions}
    parents = ctx.snapshot.aggregates.parents
    return driver_view(
        ctx.snapshot.drivers(), parents, ctx.tree.paths, ctx.team, ctx.visible, labels
    )


def build_drivers(ctx: ReportContext) -> PageValues:
    """The priority map of the key drivers of the team filter's group (the organisation or
    a department), with why this group and, where there is no map, why not."""
    view = driver_view_of(ctx)
    scales = ctx.snapshot.aggregates.scales
    chart = pages.priority(view, ctx.publication, ctx.document, ctx.language, scales)
    notes = [view.scope_note, view.note]
    if ctx.level is not None:
        notes.append(_("The level filter does not apply here: key drivers use every level."))
    return {
        "charts": [chart] if chart is not None else [],
        "notes": " ".join(note for note in notes if note),
        "minimum": view.minimum,
        "draws": view.draws,
        "predictors": len(driver_keys(ctx.document).predictors),
    }


def build_items(ctx: ReportContext) -> PageValues:
    published = ctx.snapshot.item_publication()
    chart = pages.item_bars(
        published, ctx.team, ctx.level, ctx.document, ctx.language, ctx.publication.k
    )
    return {"charts": [chart]}


def build_standpoint(ctx: ReportContext) -> PageValues:
    chart = pages.standpoint(ctx.publication, ctx.team, ctx.levels, ctx.document, ctx.language)
    return {"charts": [chart]}


def comparable_waves(ctx: ReportContext) -> list[pages.TrendWave]:
    """The waves a trend or a change may read, oldest first: the wave shown (its release
    shown) and every other wave of the instrument that is neither open (its data are not
    final) nor a pilot, with a release (its latest). Each carries the comparability of every
    family between it and the wave shown: the one rule of
    app.instruments.diff.family_comparability, asked of the pair in time order."""
    shown = document_of(ctx.survey.instrument_version)
    found: list[pages.TrendWave] = []
    later = False  # whether the wave being read comes after the wave shown
    for wave in waves_of(ctx.survey):
        if wave.id == ctx.survey.id:
            later = True
            found.append(_trend_wave(wave, ctx.publication, score_comparability(shown, shown)))
            continue
        if wave.state == "open" or wave.pilot:
            continue
        publication = publication_for(wave)
        if publication is None:
            continue
        other = document_of(wave.instrument_version)
        pair = (shown, other) if later else (other, shown)
        found.append(_trend_wave(wave, publication, score_comparability(*pair)))
    return found


def score_comparability(
    earlier: InstrumentDocument, later: InstrumentDocument
) -> dict[str, FamilyComparability]:
    """Each family index's and dimension score's comparability between two waves' versions,
    by score key (family and dimension keys never collide: the validator refuses it)."""
    return {
        **family_comparability(earlier, later),
        **dimension_comparability(earlier, later),
    }


def _trend_wave(
    wave: Survey, publication: Publication, comparability: Mapping[str, FamilyComparability]
) -> pages.TrendWave:
    levels = {lv.key: lv.id for lv in wave.levels}
    return pages.TrendWave(wave.id, wave_label(wave), publication, comparability, levels)


def build_trends(ctx: ReportContext) -> PageValues:
    """Every closed, non-pilot wave of the instrument (its latest release) and this one
    (the release shown), each family drawn where it is comparable with this wave."""
    waves = comparable_waves(ctx)
    chart = pages.trends(waves, ctx.team, ctx.document, ctx.language)
    notes = pages.incomparable_waves(waves, ctx.document, ctx.language)
    return {"charts": [chart], "comparability": " ".join(notes)}


def baselines(
    ctx: ReportContext, team: int | None, keys: Sequence[str] | None = None
) -> dict[str, pages.Baseline]:
    """Per score key (default: the families of the wave shown): the last earlier comparable
    wave and the same cell there (the team matched by id, whatever its name or place then;
    the level filter by its key), or why there is none."""
    waves = comparable_waves(ctx)
    earlier = waves[: next(i for i, w in enumerate(waves) if w.wave == ctx.survey.id)]
    found: dict[str, pages.Baseline] = {}
    for key in keys if keys is not None else [f.key for f in ctx.document.families]:
        wave = next((w for w in reversed(earlier) if w.comparability[key].comparable), None)
        if wave is None:
            found[key] = pages.Baseline(note=_no_baseline(earlier, key))
            continue
        matched, level = _same_level(ctx, wave)
        if (
            team is not None
            and wave.publication.view(team, None).cell not in wave.publication.cells
        ):
            found[key] = pages.Baseline(
                wave.label, note=_("the team is not in %(wave)s", wave=wave.label)
            )
        elif not matched:
            found[key] = pages.Baseline(
                wave.label, note=_("%(wave)s has no such level", wave=wave.label)
            )
        else:
            found[key] = pages.Baseline(wave.label, wave.publication.view(team, level))
    return found


def _same_level(ctx: ReportContext, wave: pages.TrendWave) -> tuple[bool, int | None]:
    """The level of another wave with the key of the level filter: (False, None) when it
    has none; levels are declared per survey, so their ids differ between waves."""
    if ctx.level is None:
        return True, None
    key = next((lv.key for lv in ctx.survey.levels if lv.id == ctx.level), None)
    found = wave.levels.get(key) if key is not None else None
    return found is not None, found


def _no_baseline(earlier: list[pages.TrendWave], key: str) -> str:
    if not earlier:
        return _("no earlier wave")
    last = earlier[-1]
    return _(
        "not comparable with %(wave)s: %(reason)s",
        wave=last.label,
        reason=_(last.comparability[key].reason),
    )


def wave_label(survey: Survey) -> str:
    """A wave on a trend's axis: its title and opening date."""
    when = survey.opens_at.date().isoformat() if survey.opens_at else f"#{survey.id}"
    return f"{survey.title} ({when})"


def build_item_report(ctx: ReportContext) -> PageValues:
    """One table per dimension of the filtered cell's items (app.reports.item_report_view),
    from what the release stored; `dimensions` is None for a release stored before item
    reports (the page says so)."""
    stored = ctx.snapshot.items_report()
    if stored is None:
        return {"dimensions": None}
    tables = item_report_view.item_report(
        ctx.publication,
        ctx.snapshot.item_publication(),
        stored,
        (ctx.team, ctx.level),
        ctx.document,
        ctx.language,
    )
    numbers = reader_numbers()
    return {
        "dimensions": tables,
        "rows": {t.key: item_report_view.row_texts(t, numbers) for t in tables},
        "alphas": {t.key: numbers.number(t.alpha) for t in tables},
        "min_n": stored.min_n,
    }


def build_reliability(ctx: ReportContext) -> PageValues:
    """Reliability in the filtered cell (the team filter's subtree at the level filter),
    where its count is shown, and whether teams share a climate at the level filter. The
    release computed both (they read single answers) only when the organisation's count
    is shown."""
    stored = ctx.snapshot.scales()
    if stored is None:
        return {"charts": []}
    publication = ctx.publication
    return {
        "charts": [
            pages.reliability(
                publication, stored, (ctx.team, ctx.level), ctx.document, ctx.language
            ),
            pages.shared_climate(publication, stored, ctx.level, ctx.document, ctx.language),
        ]
    }


COMMENTS_PER_PAGE = 50


def build_comments(ctx: ReportContext) -> PageValues:
    """Each prompt's comments for the team filter, where the release lists them (in the
    order drawn once at its publication), `COMMENTS_PER_PAGE` per prompt and page: an
    organisation of a million people writes tens of thousands."""
    k = ctx.snapshot.k_comments
    readable = readable_comment_groups(ctx.role, ctx.visible, team_subtrees(ctx.tree.parents))
    if ctx.team not in readable:
        return {"sections": [], "k_comments": k, "unreadable": "team" if readable else "none"}
    groups = [
        (prompt, *ctx.snapshot.comment_group(prompt.key, ctx.team))
        for prompt in ctx.document.prompts
    ]
    longest = max((len(texts) for _other, _more, texts in groups), default=0)
    pages = max(1, -(-longest // COMMENTS_PER_PAGE))
    page = min(ctx.list_page, pages)
    first = (page - 1) * COMMENTS_PER_PAGE
    sections = [
        {
            "prompt": ctx.document.text(prompt.text, ctx.language),
            "texts": texts[first : first + COMMENTS_PER_PAGE],
            "first": first + 1,
            "total": len(texts),
            "n": group.disclosed,
        }
        for prompt, group, texts in groups
    ]
    return {"sections": sections, "k_comments": k, "list_page": page, "list_pages": pages}


CHART_PAGE = "reports/chart_page.html"


def chart_page(
    key: str,
    tab: str,
    title: str,
    builder: Callable[[ReportContext], PageValues],
    *,
    intro: str = "",
    empty_note: str = "",
) -> ReportPage:
    """A tab that draws its builder's charts on the shared chart page, for all staff, at
    the path named by its key."""
    return ReportPage(
        key, tab, title, intro, CHART_PAGE, builder, STAFF, path=key, empty_note=empty_note
    )


# The tabs, in order.
REPORT_PAGES: tuple[ReportPage, ...] = (
    ReportPage(
        key="overview",
        tab=N_("Overview"),
        title=N_("Overview"),
        intro="",
        template="reports/overview.html",
        builder=build_overview,
        roles=STAFF,
        path="",
    ),
    chart_page(
        "heatmap",
        N_("Heatmap"),
        N_("Teams compared with the rest of the organisation"),
        build_heatmap,
        intro=N_(
            "Difference of each team's mean from the rest of the organisation (not from a "
            "total that contains the team). • marks a difference that holds after "
            "Benjamini-Hochberg correction across every team and score of this release at "
            "this level filter (q = .05), departments and their teams together: a cell "
            "carries the same verdict on every page, filter and export. The test is "
            "Welch's, with the smaller group's variance never taken below the two groups' "
            "pooled variance, so a small team whose answers are all alike is not judged on "
            "the rest's variance alone. It answers whether this team's mean differs from our "
            "other teams' taken together; people in one team answer alike (ICC, on the "
            "Reliability page), so read a difference as one between groups, not as a "
            "verdict on each member."
        ),
    ),
    chart_page(
        "drivers",
        N_("Where to start"),
        N_("Where to start: what goes with the outcomes"),
        build_drivers,
        intro=N_(
            "Across, each dimension's share of what the {predictors} mutuality and "
            "power-over dimensions explain together of the outcomes index (relative weights), "
            "with its 95% bootstrap interval ({draws} resamples); up, the group's score on "
            "it, higher is better (power-over dimensions turned round). Dimensions far right "
            "and low "
            "down go most with the outcomes and score lowest: start there. This is "
            "association in one wave, not cause: a dimension that goes with the outcomes is "
            "a good place to start, not a proven lever. Computed when the release was "
            "published, for the whole organisation and for each department the release "
            "shows with at least {minimum} complete responses (ten per dimension). {notes}"
        ),
        empty_note=N_("There is no priority map to show for this view."),
    ),
    chart_page("items", N_("Items"), N_("Answers to each item"), build_items),
    chart_page(
        "standpoint", N_("Standpoint"), N_("Standpoint: the climate by level"), build_standpoint
    ),
    chart_page(
        "trends",
        N_("Trends"),
        N_("Trends across waves"),
        build_trends,
        intro=N_(
            "Each index is drawn for the waves comparable with this one: the index has the "
            "same items in both waves, each with the same wording and scoring. Pilot waves "
            "and open waves are left out. {comparability}"
        ),
    ),
    chart_page(
        "reliability",
        N_("Reliability"),
        N_("Reliability"),
        build_reliability,
        intro=N_(
            "Cronbach's alpha says how consistently a dimension's items measure it, for the "
            "team and level chosen in the filters (where at least 30 complete answers lie "
            "behind it and its count is shown); each item's item-rest correlation says how "
            "well it goes with the others. Below: whether the members of a team share a "
            "climate, and the smallest difference from the rest a team can be found to have."
        ),
        empty_note=N_(
            "Reliability needs the whole organisation's answers to be shown (at least 30 "
            "complete answers per dimension)."
        ),
    ),
    ReportPage(
        key="item-report",
        tab=item_report_view.TAB,
        title=item_report_view.TITLE,
        intro=item_report_view.INTRO,
        template="reports/item_report.html",
        builder=build_item_report,
        roles=STAFF,
        path="item-report",
        empty_note=item_report_view.EMPTY,
    ),
    ReportPage(
        key="comments",
        tab=N_("Comments"),
        title=N_("Comments"),
        intro=N_(
            "Comments appear word for word, in random order and without dates, only for "
            "groups with at least {k_comments} comments. The level filter does not apply to "
            "comments."
        ),
        template="reports/comments.html",
        builder=build_comments,
        roles=STAFF,
        path="comments",
        paged=True,
    ),
)


def team_view_of(ctx: ReportContext, team: int) -> TeamView:
    """The team view of `team` in the release shown (app.reports.team_view): the change of
    every index and dimension since the last comparable wave, the key drivers of the team's
    department (else the organisation's) and, when the team is hidden, the groups the
    reader may open instead, nearest first."""
    snapshot = ctx.snapshot
    parents = snapshot.aggregates.parents
    keys = [f.key for f in ctx.document.families] + [d.key for d in ctx.document.dimensions]
    importance, drivers_of = _importance(ctx, team)
    rates = ctx.snapshot.response_rates()
    return build_team_view(
        ctx.publication,
        team=team,
        name=ctx.tree.paths[team],
        level=ctx.level,
        comparisons=ctx.publication.comparisons(ctx.level),
        baselines=baselines(ctx, team, keys),
        document=ctx.document,
        language=ctx.language,
        participation=rates.get(team),
        importance=importance,
        drivers_of=drivers_of,
        instead=_instead(ctx, team, parents),
    )


def _importance(ctx: ReportContext, team: int) -> tuple[dict[str, float] | None, str | None]:
    """Each dimension's key-driver share in the team's department, else the organisation,
    with whose they are; (None, None) when the release has neither."""
    drivers = ctx.snapshot.drivers()
    if drivers is None:
        return None, None
    department = department_of(ctx.snapshot.aggregates.parents, team)
    # A reader who may not see the department reads the organisation's (as on the page).
    if department is not None and department not in ctx.visible:
        department = None
    if department is not None and (found := drivers.weights(department)) is not None:
        name = ctx.tree.paths.get(department, _("the department"))
    elif (found := drivers.weights(None)) is not None:
        name = _("the whole organisation")
    else:
        return None, None
    return {key: weight.share for key, weight in found.weights.items()}, name


def _instead(
    ctx: ReportContext, team: int, parents: Mapping[int, int | None]
) -> list[tuple[int | None, str]]:
    """What a reader may open when the team is hidden: its nearest shown ancestors that
    the reader may see, then the organisation (every staff reader sees its figures)."""
    found: list[tuple[int | None, str]] = []
    parent = parents.get(team)
    while parent is not None:
        if parent in ctx.visible and ctx.publication.responded(parent).shown:
            found.append((parent, ctx.tree.paths.get(parent, str(parent))))
            break
        parent = parents.get(parent)
    if ctx.publication.responded().shown:
        found.append((None, _("the whole organisation")))
    return found
