"""The item report of one cell (a team's subtree at a level filter), as its page and its
export read it.

Pure (no Flask, no session). Everything comes from the release: an item's answers from the
release's answer counts, shown only where the release shows the item's distribution (the
items page's rule) and the cell's response count; its "prefer not to answer" share only
where the number of people asked may be shown too (app.reports.item_report); its item-rest
correlation and alpha-if-deleted from the stored analysis, only where the release shows the
dimension's score. A hidden number is absent, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.i18n import N_, _
from app.instruments.document import InstrumentDocument, Item
from app.reports.item_report import ReleaseItemReport
from app.reports.privacy import Disclosed, ReportCell
from app.reports.publication import WAVE, CellKey, ItemPublication, Publication
from app.reports.stats.items import (
    REVIEW_ITEM_REST_BELOW,
    REVIEW_MIDPOINT_ABOVE,
    REVIEW_PNA_ABOVE,
    ItemAnalysis,
    ItemAnswers,
    describe_item,
    review_reasons,
)
from app.reports.stats.reliability import NO_VARIANCE
from app.reports.tables import NOTE, Column, Row, Table

#: The page's tab, title and intro (app.reports.registry), marked for the catalog.
TAB = N_("Item report")
TITLE = N_("Item report: how each item behaves")
INTRO = N_(
    "For piloting an instrument: each item's answers, and how it goes with the other items "
    "of its dimension, for the team and level chosen in the filters. Computed when the "
    "release was published, and shown only where the release shows the group."
)
EMPTY = N_(
    "This release has no item report: it was published before item reports were computed. "
    "The Items and Reliability pages show its answers and its alphas."
)

#: Why an item is marked for review, by `review_reasons` key (translated when shown).
REVIEW_LABELS: Mapping[str, str] = {
    "item_rest": N_("item-rest below .30"),
    "alpha_rises": N_("alpha rises without it"),
    "pna": N_("prefer not to answer above 10%"),
    "midpoint": N_("midpoint above 40%"),
}


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item of a dimension in one cell. ``answers`` is None where its answers are
    hidden (``hidden`` then says why); ``pna_share`` is None where it is hidden or nobody
    was asked."""

    key: str
    text: str
    reverse: bool
    answers: ItemAnswers | None
    hidden: str | None
    pna_share: float | None
    item_rest: float | None
    alpha_if_deleted: float | None
    review: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DimensionItems:
    """A dimension's table: its alpha and complete cases where computed (else ``note`` says
    why not), the labels of its scale's points, and its items."""

    key: str
    label: str
    alpha: float | None
    n: int | None
    note: str | None
    scale_labels: tuple[str, ...]
    rows: tuple[ItemRow, ...]


def item_report(
    publication: Publication,
    items: ItemPublication,
    stored: ReleaseItemReport,
    cell: CellKey,
    document: InstrumentDocument,
    language: str,
) -> list[DimensionItems]:
    """Every dimension's items in `cell`, as the release discloses them."""
    team, level = cell
    members = publication.cells.get(ReportCell(team, level, WAVE), frozenset())
    atoms = [(t, lv) for t, lv, _ in members]
    view = publication.view(team, level)
    by_dimension = document.items_by_dimension()
    tables: list[DimensionItems] = []
    for dimension in document.dimensions:
        scored = [item for item in by_dimension[dimension.key] if item.scale is not None]
        if not scored:
            continue
        analysis = stored.analysis(cell, dimension.key)
        keys = stored.dimensions.get(dimension.key, tuple(i.key for i in scored))
        position = {key: i for i, key in enumerate(keys)}
        alpha = analysis.alpha if analysis is not None else None
        rows = []
        for item in scored:
            rest = deleted = None
            at = position.get(item.key)
            if analysis is not None and at is not None:
                rest = _at(analysis.item_rest, at)
                deleted = _at(analysis.alpha_if_deleted, at)
            rows.append(
                _row(items, stored, item, cell, atoms, document, language, (rest, deleted, alpha))
            )
        scale = scored[0].scale
        assert scale is not None
        tables.append(
            DimensionItems(
                dimension.key,
                document.text(dimension.label, language),
                alpha,
                analysis.n if analysis is not None and alpha is not None else None,
                _why_no_alpha(
                    len(scored),
                    analysis,
                    view.dimensions[dimension.key].shown,
                    stored,
                    (cell, dimension.key, publication.k),
                ),
                tuple(scale.label(p.value, language) for p in scale.points),
                tuple(rows),
            )
        )
    return tables


def _at(values: tuple[float | None, ...] | None, at: int) -> float | None:
    return values[at] if values is not None and at < len(values) else None


def _row(
    items: ItemPublication,
    stored: ReleaseItemReport,
    item: Item,
    cell: CellKey,
    atoms: Sequence[tuple[int, int]],
    document: InstrumentDocument,
    language: str,
    within: tuple[float | None, float | None, float | None],
) -> ItemRow:
    """One item's row; `within` is its item-rest correlation, the alpha without it and
    the dimension's alpha (None where not computed)."""
    assert item.scale is not None
    rest, deleted, alpha = within
    text = document.text(item.text, language)
    counts = items.distribution(item.key, *cell)
    if counts is None or not sum(counts.values()):
        # Hidden answers hide the correlations too: they read the same people's answers.
        reason = items.disclosed(item.key, *cell).label
        return ItemRow(item.key, text, item.reverse, None, reason, None, None, None, ())
    if not stored.pna_shown(item.key, cell):
        # An item not asked of everybody: its answers tell how many were asked, and the
        # response count minus that, how many were not (app.reports.item_release).
        reason = Disclosed.hidden(items.disclosed(item.key, *cell).k).label
        return ItemRow(item.key, text, item.reverse, None, reason, None, None, None, ())
    pna = sum(items.counts.get(atom, {}).get(item.key, {}).get(None, 0) for atom in atoms)
    points = [p.value for p in item.scale.points]
    answers = describe_item(counts, pna, points, reverse=item.reverse)
    review = review_reasons(answers, rest, alpha, deleted)
    return ItemRow(
        item.key, text, item.reverse, answers, None, answers.pna_share, rest, deleted, review
    )


def _why_no_alpha(
    items: int,
    analysis: ItemAnalysis | None,
    shown: bool,
    stored: ReleaseItemReport,
    where: tuple[CellKey, str, int],
) -> str | None:
    """Why a dimension's table has no alpha (nor item-rest correlations) in this cell."""
    if analysis is not None and analysis.alpha is not None:
        return None
    if items < 2:
        return _("one item: internal consistency needs at least two items")
    if not shown:
        return _("not computed: this group's score on the dimension is not shown")
    cell, dimension, k = where
    if not stored.complete_shown(cell, dimension):
        # Said whatever the count: "fewer than 30 people answered every item" would tell
        # the count apart from one the release withholds (app.reports.item_report).
        return _(
            "%(label)s: not shown, as its complete answers would tell how many people were "
            "not asked its items about the leader",
            label=Disclosed.hidden(k).label,
        )
    if analysis is not None and analysis.reason == NO_VARIANCE:
        return _("not computed: the total score does not vary")
    return _(
        "not computed: fewer than %(min_n)s people answered every item of the dimension",
        min_n=stored.min_n,
    )


# --- the export ---------------------------------------------------------------------------


def item_report_table(tables: Sequence[DimensionItems]) -> Table:
    """The page's tables as one export: a row per item, its dimension's alpha beside it."""
    points = max((len(t.scale_labels) for t in tables), default=0)
    labels = next((t.scale_labels for t in tables if len(t.scale_labels) == points), ())
    columns = (
        Column("dimension", "text", _("the dimension the item scores")),
        Column("item", "text", _("the item's key")),
        Column("statement", "text", _("the statement as people read it")),
        Column("reverse_keyed", "text", _("yes: scored reversed (high agreement scores low)")),
        Column("answers", "integer", _("answers to the item ('prefer not to answer' left out)")),
        *(
            Column(
                f"answers: {label}",
                "integer",
                _("answers on this point of the scale, as answered"),
            )
            for label in labels
        ),
        *(
            Column(f"pct: {label}", "percent", _("share of the answers on this point"), 1)
            for label in labels
        ),
        Column(
            "prefer_not_pct",
            "percent",
            _("'prefer not to answer' among the people asked the item"),
            1,
        ),
        Column("midpoint_pct", "percent", _("share of the answers at the scale's midpoint"), 1),
        Column("mean", "number", _("mean of the scored value (reverse-keyed items reversed)")),
        Column("sd", "number", _("standard deviation of the scored value")),
        Column(
            "item_rest_r", "number", _("correlation with the sum of the dimension's other items")
        ),
        Column("alpha_if_deleted", "number", _("the dimension's alpha without this item")),
        Column("dimension_alpha", "number", _("the dimension's alpha with every item")),
        Column("complete_answers", "integer", _("people who answered every item of the dimension")),
        Column("review", "text", _("the pilot thresholds the item crosses")),
        NOTE,
    )
    rows: list[Row] = []
    for table in tables:
        for row in table.rows:
            head: Row = (table.label, row.key, row.text, _("yes") if row.reverse else _("no"))
            a = row.answers
            if a is None:
                blanks = [None] * (len(columns) - len(head) - 1)
                rows.append((*head, *blanks, row.hidden))
                continue
            counts: list[int | None] = list(a.counts[:points]) + [None] * (points - len(a.counts))
            shares = [None if s is None else 100 * s for s in a.shares[:points]]
            shares += [None] * (points - len(shares))
            rows.append(
                (
                    *head,
                    a.answered,
                    *counts,
                    *shares,
                    None if row.pna_share is None else 100 * row.pna_share,
                    None if a.midpoint_share is None else 100 * a.midpoint_share,
                    a.mean,
                    a.sd,
                    row.item_rest,
                    row.alpha_if_deleted,
                    table.alpha,
                    table.n,
                    "; ".join(_(REVIEW_LABELS[r]) for r in row.review) or None,
                    table.note,
                )
            )
    notes = (
        _(
            "Marked for review: item-rest below %(rest)s, the dimension's alpha rising "
            "when the item is deleted, 'prefer not to answer' above %(pna)s%%, or more than "
            "%(mid)s%% of the answers at the midpoint.",
            rest=f"{REVIEW_ITEM_REST_BELOW:.2f}",
            pna=f"{100 * REVIEW_PNA_ABOVE:.0f}",
            mid=f"{100 * REVIEW_MIDPOINT_ABOVE:.0f}",
        ),
    )
    return Table("Item report", _("Item report"), columns, rows, notes)


def no_report_message() -> str:
    """What a page or an export says for a release stored before item reports."""
    return _(EMPTY)


def review_labels() -> dict[str, str]:
    """`REVIEW_LABELS` in the reader's language."""
    return {key: _(label) for key, label in REVIEW_LABELS.items()}


# --- the page's text ----------------------------------------------------------------------

DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class Numbers:
    """How the page writes numbers in the reader's language: the decimal separator and a
    whole percent's pattern (``{}%`` or ``{} %``), found once per page, not once per cell
    (a page has some 600 numbers)."""

    decimal: str = "."
    percent: str = "{}%"

    def number(self, value: float | None) -> str:
        return DASH if value is None else f"{value:.2f}".replace(".", self.decimal)

    def share(self, value: float | None) -> str:
        return DASH if value is None else self.percent.format(f"{100 * value:.0f}")


@dataclass(frozen=True, slots=True)
class RowText:
    """One item's row as the page shows it: every cell already written."""

    text: str
    reverse: bool
    hidden: str | None
    answered: str
    points: tuple[str, ...]
    pna: str
    midpoint: str
    mean: str
    sd: str
    item_rest: str
    alpha_if_deleted: str
    review: str


def row_texts(table: DimensionItems, numbers: Numbers) -> list[RowText]:
    """A dimension's rows with their numbers written by `numbers`."""
    labels = review_labels()
    rows = []
    for row in table.rows:
        a = row.answers
        if a is None:
            rows.append(
                RowText(row.text, row.reverse, row.hidden, "", (), "", "", "", "", "", "", "")
            )
            continue
        rows.append(
            RowText(
                row.text,
                row.reverse,
                None,
                str(a.answered),
                tuple(f"{n} ({numbers.share(s)})" for n, s in zip(a.counts, a.shares, strict=True)),
                numbers.share(row.pna_share),
                numbers.share(a.midpoint_share),
                numbers.number(a.mean),
                numbers.number(a.sd),
                numbers.number(row.item_rest),
                numbers.number(row.alpha_if_deleted),
                "; ".join(labels[r] for r in row.review),
            )
        )
    return rows
