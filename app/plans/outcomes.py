""" "Did it work?": each focus area of a plan, the team's change from the plan's wave to
the release of each later wave of the same series.

Read from releases only (app.reports.queries.snapshot_of: the plan's wave's latest release
and the later wave's latest release), never from live responses. A change is shown only
where both releases disclose the team's score of that dimension, and only where the
dimension is comparable across the two instrument versions (same items, same wording and
scoring: app.instruments.diff); otherwise the row says why. The change and its 95%
interval are those of the report's "change since the last comparable wave"
(app.reports.stats.floored_welch_t, later minus earlier, independent samples), and the
reading says in words whether the interval excludes zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_, _, format_signed
from app.instruments.diff import dimension_comparability
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.plans.models import ActionPlan
from app.reports.publication import CellView, Publication
from app.reports.queries import latest_release, snapshot_of, waves_of
from app.reports.registry import release_label, wave_label
from app.reports.stats import floored_welch_t


@dataclass(frozen=True)
class FocusChange:
    """One focus dimension's change for a team: later minus earlier with its 95%
    interval, or `note` saying why there is none."""

    key: str
    label: str
    desirable: str  # "high" or "low" (power-over: lower is better)
    then: float | None = None
    now: float | None = None
    difference: float | None = None
    lower: float | None = None
    upper: float | None = None
    note: str = ""

    @property
    def shown(self) -> bool:
        return self.difference is not None

    @property
    def clear(self) -> bool:
        """The interval excludes zero."""
        return (
            self.lower is not None and self.upper is not None and (self.lower > 0 or self.upper < 0)
        )

    @property
    def reading(self) -> str:
        """The change in words (or why there is none)."""
        if self.difference is None:
            return _("Not shown: %(why)s.", why=self.note)
        change = format_signed(self.difference)
        if self.lower is None or self.upper is None:
            return _("Changed by %(change)s; %(why)s.", change=change, why=self.note)
        lower, upper = format_signed(self.lower), format_signed(self.upper)
        if not self.clear:
            return _(
                "Changed by %(change)s (95%% interval %(lower)s to %(upper)s): not "
                "distinguishable from zero; the data do not show a change either way.",
                change=change,
                lower=lower,
                upper=upper,
            )
        if (self.difference > 0) == (self.desirable == "high"):
            return _(
                "Changed by %(change)s (95%% interval %(lower)s to %(upper)s): a clear change, "
                "an improvement.",
                change=change,
                lower=lower,
                upper=upper,
            )
        return _(
            "Changed by %(change)s (95%% interval %(lower)s to %(upper)s): a clear change, a "
            "worsening.",
            change=change,
            lower=lower,
            upper=upper,
        )


@dataclass(frozen=True)
class PlanCheck:
    """The plan's focus areas measured again at a later wave's release."""

    wave_id: int
    wave_label: str
    release_label: str
    baseline_label: str
    changes: tuple[FocusChange, ...]


NOT_DISCLOSED = N_("the team's score is not disclosed in %(wave)s (%(why)s)")


def dimension_reasons(
    earlier: InstrumentDocument, later: InstrumentDocument, key: str
) -> tuple[str, ...]:
    """Why a dimension's score of a wave on `earlier` may not be compared with the same
    score of a wave on `later` (empty: comparable), by the reports' one rule
    (app.instruments.diff.dimension_comparability)."""
    found = dimension_comparability(earlier, later).get(key)
    return ("neither version has such a dimension",) if found is None else found.reasons


def focus_change(
    key: str,
    label: str,
    desirable: str,
    then_view: CellView,
    now_view: CellView,
    *,
    then_label: str,
    now_label: str,
    reasons: tuple[str, ...] = (),
) -> FocusChange:
    """One dimension's change between two disclosed cells (pure)."""
    base = FocusChange(key, label, desirable)
    if reasons:
        return _with_note(
            base,
            _(
                "the dimension is not comparable across the two versions: %(reasons)s",
                reasons="; ".join(reasons),
            ),
        )
    then = then_view.dimensions.get(key)
    now = now_view.dimensions.get(key)
    if then is None or then.summary is None:
        why = then.disclosed.label if then is not None else _("no such dimension")
        return _with_note(base, _(NOT_DISCLOSED, wave=then_label, why=why))
    if now is None or now.summary is None:
        why = now.disclosed.label if now is not None else _("no such dimension")
        return _with_note(base, _(NOT_DISCLOSED, wave=now_label, why=why))
    test = floored_welch_t(now.summary, then.summary)
    if test is None:
        return FocusChange(
            key,
            label,
            desirable,
            then.summary.mean,
            now.summary.mean,
            difference=now.summary.mean - then.summary.mean,
            note="no interval (no variation in either wave)",
        )
    return FocusChange(
        key,
        label,
        desirable,
        then.summary.mean,
        now.summary.mean,
        difference=test.difference,
        lower=test.lower,
        upper=test.upper,
    )


def _with_note(base: FocusChange, note: str) -> FocusChange:
    return FocusChange(base.key, base.label, base.desirable, note=note)


def _team_view(publication: Publication, team_id: int) -> CellView | None:
    view = publication.view(team_id, None)
    return view if view.cell in publication.cells else None


def plan_checks(plan: ActionPlan, language: str = "en") -> list[PlanCheck]:
    """The plan's focus areas at the latest release of each later wave of the series
    (oldest first; pilots left out). Empty until a later wave has a release."""
    baseline = latest_release(plan.survey_id)
    if baseline is None:
        return []
    earlier_doc = document_of(plan.survey.instrument_version)
    then_pub = snapshot_of(baseline).publication()
    then_label = f"{wave_label(plan.survey)}, {release_label(baseline).lower()}"
    then_view = _team_view(then_pub, plan.team_id)
    waves = waves_of(plan.survey)
    later = waves[next(i for i, w in enumerate(waves) if w.id == plan.survey_id) + 1 :]
    checks = []
    for wave in later:
        release = None if wave.pilot else latest_release(wave.id)
        if release is None:
            continue
        later_doc = document_of(wave.instrument_version)
        now_pub = snapshot_of(release).publication()
        now_label = f"{wave_label(wave)}, {release_label(release).lower()}"
        now_view = _team_view(now_pub, plan.team_id)
        changes = []
        for key in plan.focus_keys:
            label, desirable = _describe(earlier_doc, key, language)
            if then_view is None or now_view is None:
                where = then_label if then_view is None else now_label
                changes.append(
                    FocusChange(
                        key, label, desirable, note=_("the team is not in %(wave)s", wave=where)
                    )
                )
                continue
            changes.append(
                focus_change(
                    key,
                    label,
                    desirable,
                    then_view,
                    now_view,
                    then_label=then_label,
                    now_label=now_label,
                    reasons=dimension_reasons(earlier_doc, later_doc, key),
                )
            )
        checks.append(
            PlanCheck(wave.id, wave_label(wave), release_label(release), then_label, tuple(changes))
        )
    return checks


def _describe(document: InstrumentDocument, key: str, language: str) -> tuple[str, str]:
    """A dimension's label and desirable direction in the plan's version."""
    dimension = next((d for d in document.dimensions if d.key == key), None)
    if dimension is None:
        return key, "high"
    family = next((f for f in document.families if f.key == dimension.family), None)
    desirable = "low" if family is not None and family.desirable == "low" else "high"
    return document.text(dimension.label, language), desirable
