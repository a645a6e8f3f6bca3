"""From a disclosed publication to the figures of each report page.

Pure (no Flask, no session): it reads only what `Publication` shows (hidden statistics carry
no numbers) and turns it into the plain inputs of app.reports.figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.i18n import _
from app.instruments.diff import FamilyComparability
from app.instruments.document import InstrumentDocument, Item
from app.reports import figures as fig
from app.reports.drivers import DriverView
from app.reports.privacy import Reason
from app.reports.publication import (
    CellKey,
    CellView,
    Comparison,
    ItemKeying,
    ItemPublication,
    Measure,
    Publication,
)
from app.reports.reliability import ReleaseReliability, reason_text
from app.reports.reliability import shared_climate as climate_of
from app.reports.stats import Summary, floored_welch_t, standpoint_gap
from app.reports.stats.drivers import KeyDrivers


@dataclass(frozen=True)
class Scope:
    """What one page shows: the teams (id, display name) in tree order, the level filter,
    and the language of instrument texts."""

    teams: Sequence[tuple[int, str]]
    level: int | None
    language: str


def estimate(measure: Measure) -> fig.Estimate | None:
    return fig.Estimate.from_mean_ci(measure.mean) if measure.mean is not None else None


def _label(document: InstrumentDocument, key: str, language: str) -> str:
    for family in document.families:
        if family.key == key:
            return document.text(family.label, language)
    return document.text(document.dimension(key).label, language)


def _desirable(document: InstrumentDocument, key: str) -> fig.Desirable:
    for family in document.families:
        if family.key == key:
            return "low" if family.desirable == "low" else "high"
    return _desirable(document, document.dimension(key).family)


def family_table(
    view: CellView,
    document: InstrumentDocument,
    language: str,
    baselines: Mapping[str, Baseline] | None = None,
) -> list[dict[str, object]]:
    """The family indices of one cell as rows for a summary table, each with its change
    since the last comparable wave where `baselines` are given."""
    rows = []
    for family in document.families:
        measure = view.families[family.key]
        baseline = (baselines or {}).get(family.key)
        rows.append(
            {
                "label": document.text(family.label, language),
                "desirable": family.desirable,
                "measure": measure,
                "change": change_since(measure, baseline) if baseline is not None else None,
            }
        )
    return rows


def quadrant(
    publication: Publication, scope: Scope, document: InstrumentDocument
) -> fig.ChartSpec | None:
    """The quadrant map needs a mutuality and a power-over family, and the organisation's
    two means (where its lines cross); None otherwise."""
    keys = {f.key for f in document.families}
    if not {"mutuality", "power_over"} <= keys:
        return None
    organisation = publication.view(None, scope.level)
    centre_x = estimate(organisation.families["mutuality"])
    centre_y = estimate(organisation.families["power_over"])
    if centre_x is None or centre_y is None:
        return None
    points = []
    for team, name in scope.teams:
        view = publication.view(team, scope.level)
        x, y = estimate(view.families["mutuality"]), estimate(view.families["power_over"])
        if x is None or y is None or not view.responses.shown:
            points.append(fig.TeamPoint(name, hidden=True, reason=_reason(view)))
        else:
            points.append(fig.TeamPoint(name, x, y, view.responses.n))
    return fig.quadrant_map(
        points,
        x_title=_(
            "%(index)s (1–5, higher is better)",
            index=_label(document, "mutuality", scope.language),
        ),
        y_title=_(
            "%(index)s (1–5, higher is worse)",
            index=_label(document, "power_over", scope.language),
        ),
        x_name=_label(document, "mutuality", scope.language),
        y_name=_label(document, "power_over", scope.language),
        k=publication.k,
        centre=(centre_x.value, centre_y.value),
    )


def family_comparison(
    publication: Publication, scope: Scope, document: InstrumentDocument, family_key: str
) -> fig.ChartSpec:
    """A family's index per team, each bar with the release's verdict on the team."""
    desirable = _desirable(document, family_key)
    comparisons = publication.comparisons(scope.level)
    rows = []
    for team, name in scope.teams:
        measure = publication.view(team, scope.level).families[family_key]
        est = estimate(measure)
        if est is None:
            rows.append(fig.GroupBar(name, hidden=True, reason=measure.disclosed.reason))
            continue
        found = comparisons.get((team, family_key))
        rows.append(fig.GroupBar(name, est, verdict=_verdict(found, desirable)))
    return fig.family_bars(
        rows,
        family_label=_label(document, family_key, scope.language),
        k=publication.k,
        organisation=estimate(publication.view(None, scope.level).families[family_key]),
        desirable=desirable,
    )


def _reason(view: CellView, keys: Sequence[str] = ("mutuality", "power_over")) -> Reason | None:
    """Why a team's point is hidden: its response count's reason, else that of the first
    of its indices (`keys`) that is hidden."""
    if not view.responses.shown:
        return view.responses.reason
    hidden = [view.families[key] for key in keys if not view.families[key].shown]
    return hidden[0].disclosed.reason if hidden else None


def _verdict(comparison: Comparison | None, desirable: fig.Desirable) -> fig.Verdict | None:
    """A team's verdict against the rest, oriented: a flagged difference in the desirable
    direction is "better"."""
    if comparison is None:
        return None
    if not comparison.flagged:
        return "same"
    higher = comparison.difference > 0
    return "better" if higher == (desirable == "high") else "worse"


def heatmap(publication: Publication, scope: Scope, document: InstrumentDocument) -> fig.ChartSpec:
    """Team x dimension differences from the rest of the organisation, with the verdicts of
    the release's test family at the level filter."""
    keys = [d.key for d in document.dimensions]
    comparisons = publication.comparisons(scope.level)
    cells: list[list[fig.DifferenceCell]] = []
    for team, _name in scope.teams:
        row = []
        for key in keys:
            found = comparisons.get((team, key))
            if found is None:
                reason = publication.view(team, scope.level).measure(key).disclosed.reason
                row.append(fig.DifferenceCell(hidden=True, reason=reason))
                continue
            g = fig.Estimate(found.g, found.g_lower, found.g_upper) if found.g is not None else None
            row.append(
                fig.DifferenceCell(
                    difference=found.difference,
                    g=g,
                    p_adjusted=found.q,
                    flagged=found.flagged,
                )
            )
        cells.append(row)
    return fig.difference_heatmap(
        [name for _other, name in scope.teams],
        [fig.Dimension(_label(document, k, scope.language), _desirable(document, k)) for k in keys],
        cells,
        k=publication.k,
    )


def favourable_end(document: InstrumentDocument, item: Item) -> fig.Desirable:
    """Which end of an item's scale, as answered, is favourable: its family's desirable end
    of the keyed value, mirrored for a reverse-keyed item ("Time with my work group leaves
    me drained" is favourable disagreed with)."""
    desirable = _desirable(document, item.dimension or "")
    if not item.reverse:
        return desirable
    return "low" if desirable == "high" else "high"


def favourable_keying(document: InstrumentDocument) -> dict[str, ItemKeying]:
    """How each scored item counts toward percent favourable: its dimension and family, and
    its raw answers in the two boxes at its favourable end (the half of the scale on that
    side of the neutral point, as on the items page)."""
    keying: dict[str, ItemKeying] = {}
    for item in document.scored_items:
        if item.scale is None or item.dimension is None:
            continue
        values = [p.value for p in item.scale.points]
        half = len(values) // 2
        end = (
            values[len(values) - half :]
            if favourable_end(document, item) == "high"
            else values[:half]
        )
        family = document.dimension(item.dimension).family
        keying[item.key] = ItemKeying((item.dimension, family), frozenset(end))
    return keying


def item_bars(
    items: ItemPublication,
    scope_team: int | None,
    level: int | None,
    document: InstrumentDocument,
    language: str,
    k: int,
) -> fig.ChartSpec:
    distributions = []
    scale = None
    for item in document.scored_items:
        assert item.scale is not None
        scale = scale or item.scale
        label = document.text(item.text, language)
        counts = items.distribution(item.key, scope_team, level)
        desirable = favourable_end(document, item)
        if counts is None:
            distributions.append(fig.ItemDistribution(label, hidden=True, desirable=desirable))
            continue
        # Raw answers under the raw statement: keying only decides which end is favourable.
        ordered = tuple(counts.get(p.value, 0) for p in item.scale.points)
        if sum(ordered) == 0:
            distributions.append(fig.ItemDistribution(label, hidden=True, desirable=desirable))
        else:
            distributions.append(fig.ItemDistribution(label, ordered, desirable))
    labels = [scale.label(p.value, language) for p in scale.points] if scale is not None else []
    return fig.diverging_items(distributions, k=k, scale_labels=labels or fig.DEFAULT_SCALE_LABELS)


def standpoint(
    publication: Publication,
    team: int | None,
    levels: Sequence[tuple[int, str]],
    document: InstrumentDocument,
    language: str,
) -> fig.ChartSpec:
    """Family indices by level (bottom first) within a team's subtree or the organisation."""
    series = []
    gaps: list[fig.Estimate | None] = []
    for family in document.families:
        values: list[fig.SeriesValue] = []
        summaries: dict[int, Summary] = {}
        for level, _name in levels:
            measure = publication.view(team, level).families[family.key]
            est = estimate(measure)
            values.append(est if est is not None else fig.HIDDEN)
            if measure.summary is not None:
                summaries[level] = measure.summary
        series.append(
            fig.Series(
                document.text(family.label, language),
                tuple(values),
                "low" if family.desirable == "low" else "high",
            )
        )
        ends = [levels[0][0], levels[-1][0]] if levels else []
        gap = (
            standpoint_gap({str(lv): summaries[lv] for lv in ends})
            if len(ends) == 2 and all(lv in summaries for lv in ends) and ends[0] != ends[1]
            else None
        )
        gaps.append(
            fig.Estimate(gap.gap, gap.lower, gap.upper)
            if gap is not None and gap.lower is not None and gap.upper is not None
            else None
        )
    return fig.standpoint_gap([name for _other, name in levels], series, k=publication.k, gaps=gaps)


@dataclass(frozen=True)
class TrendWave:
    """One wave on a trend: its label, its release's publication, and each family's and
    dimension's comparability with the wave shown, by score key
    (app.instruments.diff.family_comparability and dimension_comparability of the pair,
    the earlier wave's version first)."""

    wave: int  # the survey's id
    label: str
    publication: Publication
    comparability: Mapping[str, FamilyComparability]
    levels: Mapping[str, int]  # its level ids by key (levels are declared per survey)


def trends(
    waves: Sequence[TrendWave],
    team: int | None,
    document: InstrumentDocument,
    language: str,
) -> fig.ChartSpec:
    """Family indices across waves; a wave's index is drawn only where it is comparable
    with the wave shown (the same rule as the change column of the overview)."""
    series = []
    for family in document.families:
        values: list[fig.SeriesValue] = []
        for wave in waves:
            found = wave.comparability.get(family.key)
            measure = wave.publication.view(team, None).families.get(family.key)
            if found is None or not found.comparable or measure is None:
                values.append(None)
                continue
            est = estimate(measure)
            values.append(est if est is not None else fig.HIDDEN)
        series.append(
            fig.Series(
                document.text(family.label, language),
                tuple(values),
                "low" if family.desirable == "low" else "high",
            )
        )
    k = waves[-1].publication.k if waves else 5
    return fig.trend_lines([wave.label for wave in waves], series, k=k)


def incomparable_waves(
    waves: Sequence[TrendWave], document: InstrumentDocument, language: str
) -> list[str]:
    """One sentence per family and wave left off a trend, with the reason."""
    return [
        _(
            "%(index)s is not compared with %(wave)s: %(reason)s.",
            index=document.text(family.label, language),
            wave=wave.label,
            reason=_(found.reason),
        )
        for family in document.families
        for wave in waves
        if (found := wave.comparability.get(family.key)) is not None and not found.comparable
    ]


@dataclass(frozen=True)
class Change:
    """A family index's change in one cell since the last comparable wave (`since`): the
    Welch difference now minus then with its 95% interval, or `note` saying why there is
    none. `clear` when the interval excludes 0."""

    since: str | None = None
    difference: float | None = None
    lower: float | None = None
    upper: float | None = None
    note: str = ""

    @property
    def clear(self) -> bool:
        return (
            self.lower is not None and self.upper is not None and (self.lower > 0 or self.upper < 0)
        )


@dataclass(frozen=True)
class Baseline:
    """Where a family's change is measured from: the last comparable wave's label and the
    same cell (team id, level) in its release, or why there is none (`note`)."""

    label: str | None = None
    view: CellView | None = None
    note: str = ""


def change_since(now: Measure, baseline: Baseline) -> Change:
    """The change of one family index or dimension score since its baseline: shown only
    when the score shows in both releases; independent samples across waves (Welch, the
    smaller wave's variance floored at the pooled one, as for a team against the rest)."""
    if baseline.label is None or baseline.view is None:
        return Change(note=baseline.note)
    then = baseline.view.families.get(now.key) or baseline.view.dimensions.get(now.key)
    if now.summary is None:
        return Change(baseline.label, note=_("not shown in this release"))
    if then is None or then.summary is None:
        return Change(baseline.label, note=_("not shown in %(wave)s", wave=baseline.label))
    test = floored_welch_t(now.summary, then.summary)
    if test is None:
        return Change(baseline.label, note=_("no interval (no variation in either wave)"))
    return Change(baseline.label, test.difference, test.lower, test.upper)


def reliability(
    publication: Publication,
    stored: ReleaseReliability,
    cell: CellKey,
    document: InstrumentDocument,
    language: str,
) -> fig.ChartSpec:
    """Each dimension's alpha and item-rest correlations in one cell (a team's subtree at a
    level filter), where its score shows; otherwise the reason it has none."""
    rows = []
    by_dimension = document.items_by_dimension()
    view = publication.view(*cell)
    for dimension in document.dimensions:
        label = document.text(dimension.label, language)
        found = stored.of(
            cell, dimension.key, shown=view.dimensions[dimension.key].shown, k=publication.k
        )
        if found.alpha is None:
            reason = reason_text(found.reason) if found.reason else None
            rows.append(fig.ReliabilityRow(label, reason=reason))
            continue
        items = [item.key for item in by_dimension[dimension.key] if item.scale is not None]
        rows.append(
            fig.ReliabilityRow(
                label,
                fig.Estimate.from_reliability(found.alpha),
                found.alpha.flagged,
                item_rest=tuple(zip(items, found.item_rest or (), strict=False)),
            )
        )
    return fig.reliability_chart(rows, min_n=stored.min_n)


def shared_climate(
    publication: Publication,
    stored: ReleaseReliability,
    level: int | None,
    document: InstrumentDocument,
    language: str,
) -> fig.ChartSpec:
    """Do teams share a climate: ICC(1), ICC(2), rwg(J) and the minimum detectable
    difference of each dimension at a level filter, with its plain reading."""
    rows = []
    for dimension in document.dimensions:
        found = climate_of(
            publication, dimension.key, level, stored.agreement.get((level, dimension.key))
        )
        if found is None:
            continue
        a = found.agreement
        rows.append(
            fig.AgreementRow(
                document.text(dimension.label, language),
                found.icc1,
                found.icc2,
                a.median_rwg if a else None,
                a.agreeing if a else None,
                a.teams if a else found.teams,
                found.detectable,
                found.reading(),
            )
        )
    return fig.agreement_chart(rows)


def driver_points(
    view: DriverView,
    publication: Publication,
    document: InstrumentDocument,
    language: str,
    scales: Mapping[str, tuple[float, float]],
) -> list[fig.DriverPoint]:
    """The key drivers a page shows as points of the priority map: each dimension's share
    of the explained variance (percent, with its bootstrap interval) and the group's score
    on it at all levels, oriented so higher is better (a power-over mean mirrored within its
    scale, as the heatmap reads it: lower is better there). Empty when there are none."""
    if view.result is None:
        return []
    cell = publication.view(view.group, None)
    points = []
    for key, weight in view.result.weights.items():
        if key not in cell.dimensions or cell.dimensions[key].mean is None:
            continue
        mean = cell.dimensions[key].mean
        assert mean is not None
        low, high = scales.get(key, (1.0, 5.0))
        desirable = _desirable(document, key)
        family = document.dimension(key).family
        points.append(
            fig.DriverPoint(
                _label(document, key, language),
                fig.Estimate(100 * weight.share, 100 * weight.lower, 100 * weight.upper),
                mean.mean if desirable == "high" else low + high - mean.mean,
                mean.mean,
                desirable,
                _label(document, family, language),
                key,
            )
        )
    return points


def priority(
    view: DriverView,
    publication: Publication,
    document: InstrumentDocument,
    language: str,
    scales: Mapping[str, tuple[float, float]],
) -> fig.ChartSpec | None:
    """The priority map of the group's key drivers; None when it has none."""
    points = driver_points(view, publication, document, language, scales)
    if view.result is None or not points or view.outcome is None:
        return None
    r = view.result
    return fig.priority_map(
        points,
        group=view.name,
        outcome=_label(document, view.outcome, language),
        r_squared=fig.Estimate(r.r_squared, r.r_squared_lower, r.r_squared_upper, r.n),
        scale=_scale_of(scales, r),
        notes=(
            _("Association in one wave, not cause."),
            _(
                "%(n)s complete responses (at least %(minimum)s needed).",
                n=r.n,
                minimum=view.minimum,
            ),
        ),
    )


def _scale_of(scales: Mapping[str, tuple[float, float]], result: KeyDrivers) -> tuple[float, float]:
    """The scale the map's scores lie on: the dimensions' own (they share one)."""
    ends = [scales[key] for key in result.weights if key in scales]
    return (min(e[0] for e in ends), max(e[1] for e in ends)) if ends else (1.0, 5.0)
