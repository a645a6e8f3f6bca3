"""Each report page's numbers as one typed table: what its export (CSV and XLSX) holds.

Pure (no Flask, no session). A table reads what its page reads, through the same
`Publication` (hidden statistics carry no numbers), so an export discloses exactly what its
page does. Every column has a type (text, integer, number, percent) and every cell holds a
value of that type or nothing; a hidden or missing number is empty, and the reason (the
marker of a hidden cell, or why a statistic was not computed) is in the row's own "note"
column, never mixed into a numeric one. Percentages are given as on the pages (64.0 for
64%). app.reports.exports writes a table as CSV or XLSX.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from app.i18n import N_
from app.instruments.document import InstrumentDocument
from app.reports.drivers import DriverView
from app.reports.figures import DriverPoint
from app.reports.pages import Change, Scope, TrendWave, favourable_end, favourable_keying
from app.reports.privacy import Disclosed, ResponseRate
from app.reports.publication import (
    CellKey,
    CommentGroup,
    Comparison,
    ItemPublication,
    Measure,
    Publication,
)
from app.reports.reliability import (
    MDD_TEAM_SIZES,
    ReleaseReliability,
    reason_text,
    shared_climate,
)
from app.reports.stats import Summary, standpoint_gap

Kind = Literal["text", "integer", "number", "percent"]
Value = str | int | float | None
Row = tuple[Value, ...]

ORGANISATION = "(whole organisation)"


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, its type, what it means (a line of the legend) and, for
    numbers and percentages, the decimals written. Header and meaning are the catalog's
    English (marked with N_): app.reports.exports writes them in the reader's language."""

    name: str
    kind: Kind
    meaning: str
    decimals: int = 3


@dataclass(frozen=True)
class Table:
    """One page's export: `name` names its sheet (at most 31 characters), `rows` may be a
    generator (a long list of comments is written as it is read), `notes` are the legend's
    lines beyond the columns' meanings."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[Row]
    notes: tuple[str, ...] = ()

    def checked_rows(self) -> Iterator[Row]:
        """The rows, each checked against the columns' types (TypeError otherwise): a
        number never arrives as text, a text never as a number."""
        for row in self.rows:
            if len(row) != len(self.columns):
                raise TypeError(f"row of {len(row)} cells for {len(self.columns)} columns")
            for column, value in zip(self.columns, row, strict=True):
                check_cell(column, value)
            yield row


def check_cell(column: Column, value: Value) -> None:
    if value is None:
        return
    if column.kind == "text":
        ok = isinstance(value, str)
    elif column.kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(float(value))
        )
    if not ok:
        raise TypeError(f"column {column.name!r} ({column.kind}) cannot hold {value!r}")


NOTE = Column(
    N_("note"),
    "text",
    N_(
        "why numbers of the row are empty: the marker of a hidden group, or the reason a "
        "statistic was not computed"
    ),
)


def _note(*decisions: Disclosed) -> str | None:
    for disclosed in decisions:
        if not disclosed.shown:
            return disclosed.label
    return None


def _label(document: InstrumentDocument, key: str, language: str) -> str:
    for family in document.families:
        if family.key == key:
            return document.text(family.label, language)
    return document.text(document.dimension(key).label, language)


def _desirable(document: InstrumentDocument, key: str) -> str:
    for family in document.families:
        if family.key == key:
            return family.desirable
    return _desirable(document, document.dimension(key).family)


def verdict(comparison: Comparison | None, desirable: str) -> str | None:
    """A team's verdict against the rest in plain words, oriented as the pages colour it."""
    if comparison is None:
        return None
    if not comparison.flagged:
        return "no clear difference"
    return "better" if (comparison.difference > 0) == (desirable == "high") else "worse"


def _mean(measure: Measure) -> tuple[Value, Value, Value, Value]:
    """(n, mean, lower, upper) of a shown statistic, all empty for a hidden one."""
    if measure.mean is None:
        return (None, None, None, None)
    mean = measure.mean
    return (mean.n, mean.mean, mean.lower, mean.upper)


MEAN_COLUMNS = (
    Column(
        N_("n"), "integer", N_("the responses behind this statistic (those that have the score)")
    ),
    Column(N_("mean"), "number", N_("the mean on the scale (1 to 5)")),
    Column(N_("ci_lower"), "number", N_("lower end of the 95% interval of the mean")),
    Column(N_("ci_upper"), "number", N_("upper end of the 95% interval of the mean")),
)


# --- overview ---------------------------------------------------------------------------

OVERVIEW_COLUMNS = (
    Column(N_("group"), "text", N_("the team (its subtree), or the whole organisation")),
    Column(N_("family"), "text", N_("the family index")),
    Column(N_("responses"), "integer", N_("responses in the group at the level filter")),
    *MEAN_COLUMNS,
    Column(
        N_("favourable_pct"),
        "percent",
        N_(
            "% favourable answers: of the answers to the index's items, those in the two boxes "
            "at the favourable end of the keyed value"
        ),
        decimals=1,
    ),
    Column(N_("favourable_answers"), "integer", N_("the answers the % favourable is a share of")),
    Column(
        N_("verdict"),
        "text",
        N_(
            "the release's verdict on the team against the rest of the organisation "
            "(Benjamini-Hochberg over every team and score at this level filter, q = .05)"
        ),
    ),
    Column(
        N_("difference"), "number", N_("team mean minus the mean of the rest of the organisation")
    ),
    Column(N_("q"), "number", N_("Benjamini-Hochberg adjusted p of that difference"), decimals=4),
    Column(
        N_("change_since"), "text", N_("the last earlier comparable wave (the filtered view only)")
    ),
    Column(N_("change"), "number", N_("the index now minus then, in that wave")),
    Column(N_("change_lower"), "number", N_("lower end of the change's 95% interval")),
    Column(N_("change_upper"), "number", N_("upper end of the change's 95% interval")),
    Column(N_("change_note"), "text", N_("why there is no change to show")),
    NOTE,
)


def _change(change: Change | None) -> Row:
    if change is None:
        return (None, None, None, None, None)
    return (change.since, change.difference, change.lower, change.upper, change.note or None)


def overview(
    publication: Publication,
    scope: Scope,
    focus: tuple[int | None, str],
    document: InstrumentDocument,
    changes: Mapping[str, Change] | None = None,
) -> Table:
    """The family table of the filtered view (`focus`: the team filter and its name) with
    each family's change since the last comparable wave (`changes`), then every team of the
    scope with its family indices and verdicts against the rest."""
    comparisons = publication.comparisons(scope.level)
    groups = [focus, *(t for t in scope.teams if t[0] != focus[0])]
    rows: list[Row] = []
    for team, name in groups:
        view = publication.view(team, scope.level)
        for family in document.families:
            measure = view.families[family.key]
            found = comparisons.get((team, family.key)) if team is not None else None
            fav = measure.favorable
            rows.append(
                (
                    name,
                    document.text(family.label, scope.language),
                    view.responses.n,
                    *_mean(measure),
                    100 * fav.estimate if fav is not None else None,
                    fav.answers if fav is not None else None,
                    verdict(found, family.desirable),
                    found.difference if found else None,
                    found.q if found else None,
                    *_change((changes or {}).get(family.key) if (team, name) == focus else None),
                    _note(view.responses, measure.disclosed),
                )
            )
    return Table(N_("Overview"), N_("Family indices"), OVERVIEW_COLUMNS, rows)


# --- heatmap ----------------------------------------------------------------------------

HEATMAP_COLUMNS = (
    Column(N_("team"), "text", N_("the team (its subtree)")),
    Column(N_("dimension"), "text", N_("the dimension score")),
    Column(N_("n_team"), "integer", N_("the team's responses with this score")),
    Column(N_("n_rest"), "integer", N_("the rest of the organisation's responses with this score")),
    Column(
        N_("difference"), "number", N_("team mean minus the mean of the rest of the organisation")
    ),
    Column(
        N_("difference_lower"), "number", N_("lower end of the difference's 95% Welch interval")
    ),
    Column(
        N_("difference_upper"), "number", N_("upper end of the difference's 95% Welch interval")
    ),
    Column(N_("g"), "number", N_("Hedges' g of the difference")),
    Column(N_("g_lower"), "number", N_("lower end of g's 95% interval")),
    Column(N_("g_upper"), "number", N_("upper end of g's 95% interval")),
    Column(N_("q"), "number", N_("Benjamini-Hochberg adjusted p of the difference"), decimals=4),
    Column(
        N_("flagged"), "text", N_("yes: the difference holds after Benjamini-Hochberg (q = .05)")
    ),
    Column(N_("verdict"), "text", N_("the flagged difference read in the score's good direction")),
    NOTE,
)


def heatmap(publication: Publication, scope: Scope, document: InstrumentDocument) -> Table:
    """Every team of the scope against the rest on every dimension, with the verdicts of the
    release's one test family at the level filter (as the heatmap shows them)."""
    comparisons = publication.comparisons(scope.level)
    organisation = publication.view(None, scope.level)
    rows: list[Row] = []
    for team, name in scope.teams:
        view = publication.view(team, scope.level)
        for dimension in document.dimensions:
            key = dimension.key
            found = comparisons.get((team, key))
            label = _label(document, key, scope.language)
            mine, whole = view.dimensions[key], organisation.dimensions[key]
            if found is None or mine.summary is None or whole.summary is None:
                note = _note(view.responses, mine.disclosed, whole.disclosed)
                rows.append((name, label, *([None] * 11), note or "not compared"))
                continue
            rows.append(
                (
                    name,
                    label,
                    mine.summary.n,
                    whole.summary.n - mine.summary.n,
                    found.difference,
                    found.lower,
                    found.upper,
                    found.g,
                    found.g_lower,
                    found.g_upper,
                    found.q,
                    "yes" if found.flagged else "no",
                    verdict(found, _desirable(document, key)),
                    None,
                )
            )
    return Table(
        N_("Heatmap"), N_("Teams compared with the rest of the organisation"), HEATMAP_COLUMNS, rows
    )


# --- key drivers ------------------------------------------------------------------------

DRIVER_COLUMNS = (
    Column(
        N_("group"), "text", N_("the whole organisation, or the department whose drivers these are")
    ),
    Column(N_("dimension"), "text", N_("the dimension")),
    Column(N_("family"), "text", N_("its family")),
    Column(
        N_("share_pct"),
        "percent",
        N_(
            "its share of what the dimensions explain together of the outcomes index "
            "(relative weights, Johnson 2000)"
        ),
        decimals=1,
    ),
    Column(
        N_("share_lower_pct"), "percent", N_("lower end of the share's 95% bootstrap interval"), 1
    ),
    Column(
        N_("share_upper_pct"), "percent", N_("upper end of the share's 95% bootstrap interval"), 1
    ),
    Column(N_("weight"), "number", N_("its raw relative weight: its part of R squared")),
    Column(N_("weight_lower"), "number", N_("lower end of the weight's 95% bootstrap interval")),
    Column(N_("weight_upper"), "number", N_("upper end of the weight's 95% bootstrap interval")),
    Column(N_("score"), "number", N_("the group's score on the dimension, higher is better")),
    Column(N_("mean"), "number", N_("the group's mean as asked (lower is better for power-over)")),
    Column(
        N_("r_squared"), "number", N_("what the dimensions explain together of the outcomes index")
    ),
    Column(
        N_("complete_responses"), "integer", N_("the responses with every score the analysis uses")
    ),
    NOTE,
)


def drivers(points: Sequence[DriverPoint], view: DriverView) -> Table:
    """The key drivers the priority map shows (the same group, the same numbers), most
    important first; where there are none, one row saying why."""
    notes = (
        f"Association in one wave, not cause. Bootstrap intervals from {view.draws} "
        f"resamples of the complete responses; at least {view.minimum} complete responses "
        "(ten per dimension) are needed.",
        *(note for note in (view.scope_note,) if note),
    )
    title = "Where to start: what goes with the outcomes"
    result = view.result
    if result is None or not points:
        row: Row = (view.name, *([None] * 12), view.note or "not computed")
        return Table(N_("Key drivers"), title, DRIVER_COLUMNS, [row], notes)
    rows: list[Row] = []
    for point in sorted(points, key=lambda p: -p.importance.value):
        weight = result.weights[point.key]
        rows.append(
            (
                view.name,
                point.label,
                point.family,
                100 * weight.share,
                100 * weight.lower,
                100 * weight.upper,
                weight.weight,
                weight.weight_lower,
                weight.weight_upper,
                point.score,
                point.mean,
                result.r_squared,
                result.n,
                None,
            )
        )
    return Table(N_("Key drivers"), title, DRIVER_COLUMNS, rows, notes)


# --- items ------------------------------------------------------------------------------


def items(
    published: ItemPublication,
    cell: CellKey,
    document: InstrumentDocument,
    language: str,
    k: int,
) -> Table:
    """Each item's raw answers per scale point in the filtered view, its favourable end
    and its percent favourable (as the items page shows them)."""
    scored = [item for item in document.scored_items if item.scale is not None]
    scale = scored[0].scale if scored else None
    points = [] if scale is None else [p.value for p in scale.points]
    point_columns = tuple(
        Column(
            f"answers: {scale.label(value, language)}" if scale else str(value),
            "integer",
            N_(
                "answers on this point of the scale, as answered (reverse-keyed items not reversed)"
            ),
        )
        for value in points
    )
    columns = (
        Column(N_("item"), "text", N_("the item's key")),
        Column(N_("statement"), "text", N_("the statement as people read it")),
        Column(N_("dimension"), "text", N_("the dimension the item scores")),
        Column(
            N_("favourable_end"),
            "text",
            N_("the end of the scale, as answered, that is favourable"),
        ),
        Column(
            N_("answers"), "integer", N_("answers to the item ('prefer not to answer' left out)")
        ),
        *point_columns,
        Column(
            N_("favourable_pct"),
            "percent",
            N_("% favourable: answers in the two boxes at the favourable end"),
            decimals=1,
        ),
        NOTE,
    )
    keying = favourable_keying(document)
    hidden = Disclosed.hidden(k).label
    rows: list[Row] = []
    for item in scored:
        assert item.scale is not None
        head: Row = (
            item.key,
            document.text(item.text, language),
            _label(document, item.dimension or "", language),
            "agree" if favourable_end(document, item) == "high" else "disagree",
        )
        counts = published.distribution(item.key, *cell)
        ordered = [0 if counts is None else counts.get(p.value, 0) for p in item.scale.points]
        total = sum(ordered)
        if counts is None or total == 0:
            rows.append((*head, *([None] * (1 + len(points) + 1)), hidden))
            continue
        good = keying[item.key].favourable if item.key in keying else frozenset()
        favourable = sum(n for value, n in (counts or {}).items() if value in good)
        per_point: list[Value] = list(ordered[: len(points)])
        per_point += [None] * (len(points) - len(per_point))
        rows.append((*head, total, *per_point, 100 * favourable / total, None))
    return Table(N_("Items"), N_("Answers to each item"), columns, rows)


# --- standpoint and trends --------------------------------------------------------------

SERIES_COLUMNS = (
    Column(N_("family"), "text", N_("the family index")),
    *MEAN_COLUMNS,
    NOTE,
)


def standpoint(
    publication: Publication,
    team: int | None,
    levels: Sequence[tuple[int, str]],
    document: InstrumentDocument,
    language: str,
) -> Table:
    """Each family index per level (bottom first) in the team filter's subtree, and the gap
    between the top and the bottom level with its Welch interval."""
    columns = (
        SERIES_COLUMNS[0],
        Column(
            N_("level"), "text", N_("the level; a gap row: the top level minus the bottom level")
        ),
        *SERIES_COLUMNS[1:],
    )
    rows: list[Row] = []
    for family in document.families:
        label = document.text(family.label, language)
        summaries: dict[int, Summary] = {}
        for level, name in levels:
            measure = publication.view(team, level).families[family.key]
            rows.append((label, name, *_mean(measure), _note(measure.disclosed)))
            if measure.summary is not None:
                summaries[level] = measure.summary
        if len(levels) < 2:
            continue
        (bottom, bottom_name), (top, top_name) = levels[0], levels[-1]
        gap = (
            standpoint_gap({"bottom": summaries[bottom], "top": summaries[top]})
            if bottom in summaries and top in summaries
            else None
        )
        gap_label = f"gap: {top_name} minus {bottom_name}"
        if gap is None:
            rows.append((label, gap_label, None, None, None, None, "a level is hidden"))
        else:
            rows.append((label, gap_label, None, gap.gap, gap.lower, gap.upper, None))
    return Table(N_("Standpoint"), N_("The climate by level"), columns, rows)


def trends(
    waves: Sequence[TrendWave], team: int | None, document: InstrumentDocument, language: str
) -> Table:
    """Each family index per wave, where the trends page draws it: where the wave is
    comparable with the wave shown (otherwise the reason in the note)."""
    columns = (
        SERIES_COLUMNS[0],
        Column(N_("wave"), "text", N_("the survey wave (its title and opening date)")),
        *SERIES_COLUMNS[1:],
    )
    rows: list[Row] = []
    for family in document.families:
        label = document.text(family.label, language)
        for wave in waves:
            found = wave.comparability.get(family.key)
            measure = wave.publication.view(team, None).families.get(family.key)
            if found is None or not found.comparable or measure is None:
                reason = f"not compared: {found.reason}" if found else "not in this wave"
                rows.append((label, wave.label, None, None, None, None, reason))
                continue
            rows.append((label, wave.label, *_mean(measure), _note(measure.disclosed)))
    return Table(N_("Trends"), N_("Trends across waves"), columns, rows)


# --- reliability ------------------------------------------------------------------------


def reliability(
    publication: Publication,
    stored: ReleaseReliability,
    cell: CellKey,
    document: InstrumentDocument,
    language: str,
) -> Table:
    """Per dimension: alpha with its interval in the filtered cell (or why none), whether
    teams share a climate at the level filter; then one row per item with its item-rest
    correlation."""
    columns = (
        Column(N_("dimension"), "text", N_("the dimension score")),
        Column(N_("item"), "text", N_("an item's key (empty on the dimension's own row)")),
        Column(N_("n"), "integer", N_("complete answers behind alpha")),
        Column(N_("alpha"), "number", N_("Cronbach's alpha in the filtered group")),
        Column(N_("alpha_lower"), "number", N_("lower end of alpha's 95% Feldt interval")),
        Column(N_("alpha_upper"), "number", N_("upper end of alpha's 95% Feldt interval")),
        Column(N_("alpha_below_070"), "text", N_("yes: alpha is below .70")),
        Column(
            N_("item_rest_r"), "number", N_("the item's correlation with the rest of its items")
        ),
        Column(N_("icc1"), "number", N_("ICC(1): share of the variance between teams")),
        Column(N_("icc2"), "number", N_("ICC(2): how reliably a team's mean tells it apart")),
        Column(N_("median_rwg"), "number", N_("median rwg(J) of the teams: within-team agreement")),
        Column(
            N_("teams_agreeing_pct"), "percent", N_("teams with rwg(J) at least .70"), decimals=1
        ),
        Column(N_("teams"), "integer", N_("teams of at least k people compared")),
        *(
            Column(
                f"mdd_team_of_{size}",
                "number",
                f"smallest difference from the rest a team of {size} can be flagged for",
            )
            for size in MDD_TEAM_SIZES
        ),
        Column(N_("reading"), "text", N_("the plain reading of whether teams share a climate")),
        NOTE,
    )
    by_dimension = document.items_by_dimension()
    view = publication.view(*cell)
    rows: list[Row] = []
    for dimension in document.dimensions:
        label = document.text(dimension.label, language)
        found = stored.of(
            cell, dimension.key, shown=view.dimensions[dimension.key].shown, k=publication.k
        )
        climate = shared_climate(
            publication, dimension.key, cell[1], stored.agreement.get((cell[1], dimension.key))
        )
        alpha = found.alpha
        agreement = climate.agreement if climate else None
        detectable = dict(climate.detectable) if climate else {}
        rows.append(
            (
                label,
                None,
                alpha.n if alpha else None,
                alpha.alpha if alpha else None,
                alpha.lower if alpha else None,
                alpha.upper if alpha else None,
                ("yes" if alpha.flagged else "no") if alpha else None,
                None,
                climate.icc1 if climate else None,
                climate.icc2 if climate else None,
                agreement.median_rwg if agreement else None,
                100 * agreement.agreeing if agreement else None,
                (agreement.teams if agreement else climate.teams) if climate else None,
                *(detectable.get(size) for size in MDD_TEAM_SIZES),
                climate.reading() if climate else None,
                reason_text(found.reason) if found.reason else None,
            )
        )
        if alpha is None:
            continue
        keys = [item.key for item in by_dimension[dimension.key] if item.scale is not None]
        for key, r in zip(keys, found.item_rest or (), strict=False):
            blank = [None] * (len(columns) - 9)
            rows.append((label, key, None, None, None, None, None, r, *blank, None))
    return Table(N_("Reliability"), N_("Reliability"), columns, rows)


# --- comments and response rates --------------------------------------------------------

COMMENT_COLUMNS = (
    Column(N_("prompt"), "text", N_("the question the comments answer")),
    Column(N_("group"), "text", N_("the team (its subtree) or the whole organisation")),
    Column(N_("comments"), "integer", N_("comments in the group")),
    Column(N_("number"), "integer", N_("the comment's place in the order drawn at the release")),
    Column(N_("comment"), "text", N_("the comment, word for word")),
    NOTE,
)


def comments(groups: Sequence[tuple[str, CommentGroup, Sequence[str]]], group_name: str) -> Table:
    """Every listed comment of the group, prompt by prompt (a generator: tens of thousands
    are written as they are read); a prompt whose comments are not listed gets one row
    with the marker."""

    def rows() -> Iterator[Row]:
        for prompt, group, texts in groups:
            if not group.disclosed.shown:
                yield (prompt, group_name, None, None, None, group.disclosed.label)
                continue
            for number, text in enumerate(texts, start=1):
                yield (prompt, group_name, group.disclosed.n, number, text, None)

    return Table(N_("Comments"), N_("Comments"), COMMENT_COLUMNS, rows())


RATE_COLUMNS = (
    Column(N_("team"), "text", N_("the team (its subtree), or the whole organisation")),
    Column(N_("invited"), "integer", N_("people invited")),
    Column(N_("responded"), "integer", N_("responses")),
    Column(N_("rate_pct"), "percent", N_("responses per invitation"), decimals=1),
    NOTE,
)


def response_rates(organisation: ResponseRate, teams: Sequence[tuple[str, ResponseRate]]) -> Table:
    """The response rates page: the organisation, then each team by path."""
    rows: list[Row] = []
    for name, rate in [(ORGANISATION, organisation), *teams]:
        share = rate.rate
        rows.append(
            (
                name,
                rate.invited,
                rate.responded.n,
                None if share is None else 100 * share,
                _note(rate.responded),
            )
        )
    return Table(N_("Response rates"), N_("Response rates"), RATE_COLUMNS, rows)
